//! Who a request acts as, once authenticated.

use serde::Serialize;

use crate::{CredentialId, UserId, Username};

/// The authenticated caller.
///
/// Produced only by a dialect's auth step; operations receive it so that nothing that
/// writes can run without a check. A site-wide key (Chamilo SOAP, Forma signature) acts as
/// the site administrator, so `user` is `None` there.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Principal {
    /// The user it acts as, if the credential belongs to one.
    pub user: Option<(UserId, Username)>,
    /// Whether it may use admin-only operations.
    pub is_admin: bool,
    /// The scheme that proved it (`soap_key`, `api_key`, `session`, `jwt`, `basic`, ...).
    pub scheme: &'static str,
    /// The credential used, if it was a stored one.
    pub credential: Option<CredentialId>,
}

impl Principal {
    /// A caller that proved a site-wide key: acts with administrator rights, as no user.
    pub fn site(scheme: &'static str) -> Self {
        Self {
            user: None,
            is_admin: true,
            scheme,
            credential: None,
        }
    }

    /// The username, for audit events.
    pub fn username(&self) -> Option<&str> {
        self.user.as_ref().map(|(_, name)| name.as_str())
    }
}
