//! coreBOS / vtiger CRM `webservice.php`: challenge login, sessions and the record web
//! service (specs/corebos.md; D1, D2, D7, D9, D12, D15, D16, D18).
//!
//! One script under the dialect's mount (default `/corebos/webservice.php`) takes GET and
//! POST, merges query and form (body wins) or reads a JSON body, and multiplexes on
//! `operation` (§1). Every answer is HTTP 200 `application/json` in the envelope of §2.
//! Quirks kept for clients: `expireTime` a string in `corebos` mode (D1), `successfull`
//! (sic) on logout, `message` before `code` in errors, record values as strings. Fixed
//! underneath: random single-use challenges (several outstanding per user, D1), hashed
//! session ids with idle and absolute expiry enforced (D7, D12), constant-time proofs.
//!
//! A user's access key is a `corebos-access-key` credential, encrypted at rest and revealed
//! only to check `md5(token + key)`: `gatehouse admin credential add --kind
//! corebos-access-key --user U` prints it once, `credential show ID --show-secret` shows it
//! again, `credential rotate ID` replaces it (keys never contain `rn`, §10).

mod auth;
mod codec;
mod config;
mod demo;
mod error;
mod json;
mod modules;
mod ops;
mod params;
mod router;
mod vtql;

pub use config::{ChallengeMode, CorebosConfig};
pub use demo::seed as seed_demo;
pub use router::router;
