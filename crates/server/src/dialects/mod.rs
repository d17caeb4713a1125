//! The dialects: one folder each (router, codec, auth, ops, error), none importing another.
//!
//! Adding a dialect means a folder here, its wire module in `gatehouse-wire`, and one line
//! in [`routers`]. What two dialects share moves down into [`crate::edge`].

pub mod chamilo;
pub mod corebos;
pub mod forma;
pub mod wildix;

use axum::Router;

use crate::state::AppState;

/// One dialect's routes and where they go.
pub struct DialectRoutes {
    /// The config section and metrics label (`chamilo`, `corebos`, `forma`, `wildix`).
    pub name: &'static str,
    /// The dialect's router, to be nested at its mount and served at `/` on its own listeners.
    pub router: Router<AppState>,
}

/// The routers of the dialects built so far. Sections of the configuration name all four;
/// a dialect without a router here serves nothing yet.
pub fn routers() -> Vec<DialectRoutes> {
    vec![
        DialectRoutes {
            name: "chamilo",
            router: chamilo::router(),
        },
        DialectRoutes {
            name: "corebos",
            router: corebos::router(),
        },
        DialectRoutes {
            name: "forma",
            router: forma::router(),
        },
        DialectRoutes {
            name: "wildix",
            router: wildix::router(),
        },
    ]
}
