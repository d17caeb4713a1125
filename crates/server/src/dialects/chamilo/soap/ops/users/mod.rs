//! Users: create, edit, delete/disable/enable, look up, API key (specs/chamilo.md §4.1).

mod create;
mod edit;
mod lookup;

use gatehouse_domain::{PasswordHash, User, Username, Users};

pub use create::{
    create_user, create_user_password_crypted, create_users, create_users_password_crypted,
};
pub use edit::{
    edit_user, edit_user_credentials, edit_user_password_crypted, edit_users,
    edit_users_password_crypted,
};
pub use lookup::{
    Action, act_on_users, get_user, get_user_from_username, update_user_api_key,
    update_user_original_id_from_username,
};

use super::hash_plain;
use crate::config::PasswordEncryption;
use crate::dialects::chamilo::soap::codec::Params;
use crate::dialects::chamilo::soap::error::SoapError;
use crate::state::AppState;

/// The password a create or edit carries.
enum Password {
    /// None given.
    Absent,
    /// A plain password, hashed with Argon2id here.
    Plain(String),
    /// A pre-hashed password, stored verbatim (PasswordCrypted, §4.1).
    Hashed(PasswordHash),
}

impl Password {
    async fn resolve(self, state: &AppState) -> Result<Option<PasswordHash>, SoapError> {
        Ok(match self {
            Self::Absent => None,
            Self::Plain(plain) => Some(hash_plain(state, &plain).await?),
            Self::Hashed(hash) => Some(hash),
        })
    }
}

/// Chamilo's encryption check of the PasswordCrypted calls (§4.1): `Err` carries the message
/// string that goes into `result`.
///
/// `encrypt_method` must equal the configured `password_encryption`; md5 and sha1 must be
/// 32 and 40 hex digits. Chamilo does not check bcrypt at all; gatehouse requires the `$2`
/// prefix so that what it stores is a hash it can verify. With `none` the "hash" is the plain
/// password, which is stored as its Argon2id hash, never as received (D12).
fn crypted_password(
    encryption: PasswordEncryption,
    method: &str,
    password: &str,
) -> Result<Password, String> {
    if method != encryption.as_str() {
        return Err(format!("This encryption {method} is not configured"));
    }
    let invalid = || format!("Encryption {method} is invalid");
    match encryption {
        PasswordEncryption::Sha1 => PasswordHash::legacy_sha1(password, None)
            .map(Password::Hashed)
            .map_err(|_| invalid()),
        PasswordEncryption::Md5 => PasswordHash::legacy_md5(password, None)
            .map(Password::Hashed)
            .map_err(|_| invalid()),
        PasswordEncryption::Bcrypt if password.starts_with("$2") => {
            Ok(Password::Hashed(PasswordHash::Bcrypt(password.to_owned())))
        }
        PasswordEncryption::Bcrypt => Err(invalid()),
        PasswordEncryption::None => Ok(Password::Plain(password.to_owned())),
    }
}

/// Whether `username` belongs to a user other than `user`.
async fn taken_by_other<S: Users + ?Sized>(
    store: &S,
    username: &Username,
    user: &User,
) -> Result<bool, SoapError> {
    Ok(store
        .user_by_username(username)
        .await?
        .is_some_and(|other| other.id != user.id))
}

/// The plain `password` member, if any.
fn plain(p: &Params) -> Password {
    match p.str("password") {
        "" => Password::Absent,
        pw => Password::Plain(pw.to_owned()),
    }
}
