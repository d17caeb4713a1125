//! Request bytes → one [`Op`]; a reply value → NuSOAP's response bytes.
//!
//! Pure functions: the handler feeds them bytes and sends what they return.

use gatehouse_wire::chamilo::SERVICE;
use gatehouse_wire::soap::{self, FaultCode};
use gatehouse_wire::{Call, SoapValue};

use super::error::SoapError;

/// The input struct of an operation (its one part), read leniently (§5).
pub type Params = SoapValue;

macro_rules! operations {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// One call of the service, named as the wire names it (STYLE §1).
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Op {
            $($(#[$doc])* $name(Params),)*
        }

        impl Op {
            /// The operation name on the wire.
            pub fn wire_name(&self) -> &'static str {
                match self {
                    $(Self::$name(_) => stringify!($name),)*
                }
            }

            /// The operation called `name` with these parameters, if the service has it.
            fn from_name(name: &str, params: Params) -> Option<Self> {
                match name {
                    $(stringify!($name) => Some(Self::$name(params)),)*
                    _ => None,
                }
            }

            /// Whether the call changes stored data, and so is audited as a write.
            /// Every operation is one except the reads listed here.
            pub fn is_write(&self) -> bool {
                !matches!(
                    self,
                    Self::WSGetUser(_)
                        | Self::WSGetUserFromUsername(_)
                        | Self::WSListCourses(_)
                        | Self::WSCourseDescription(_)
                        | Self::WSUserSubscribedInCourse(_)
                        | Self::WSListSessions(_)
                )
            }

            /// The parameters.
            pub fn params(&self) -> &Params {
                match self {
                    $(Self::$name(p) => p,)*
                }
            }
        }
    };
}

operations! {
    /// Create one user (`active` defaults to inactive, D18).
    WSCreateUser,
    /// Create several users.
    WSCreateUsers,
    /// Create one user with a pre-hashed password.
    WSCreateUserPasswordCrypted,
    /// Create several users with pre-hashed passwords.
    WSCreateUsersPasswordCrypted,
    /// Edit one user.
    WSEditUser,
    /// Edit several users.
    WSEditUsers,
    /// Change a user's username and password.
    WSEditUserCredentials,
    /// Edit one user with a pre-hashed password.
    WSEditUserPasswordCrypted,
    /// Edit several users with pre-hashed passwords.
    WSEditUsersPasswordCrypted,
    /// Delete users.
    WSDeleteUsers,
    /// Disable users.
    WSDisableUsers,
    /// Enable users.
    WSEnableUsers,
    /// A user by external id.
    WSGetUser,
    /// A user by username, with extra fields.
    WSGetUserFromUsername,
    /// Attach an external id to a user found by username.
    WSUpdateUserOriginalIdFromUsername,
    /// A user's SOAP API key.
    WSUpdateUserApiKey,
    /// Create or update courses.
    WSCreateCourse,
    /// Create courses from titles.
    WSCreateCourseByTitle,
    /// Edit courses.
    WSEditCourse,
    /// Soft-delete courses.
    WSDeleteCourse,
    /// List courses.
    WSListCourses,
    /// A course's eight descriptions.
    WSCourseDescription,
    /// Set course descriptions.
    WSEditCourseDescription,
    /// Whether a user is in a course.
    WSUserSubscribedInCourse,
    /// Enrol users by external ids.
    WSSubscribeUserToCourse,
    /// Enrol a user by internal id and course code.
    WSSubscribeUserToCourseSimple,
    /// Remove users from courses.
    WSUnsubscribeUserFromCourse,
    /// Remove one user from one course.
    WSUnSubscribeUserFromCourseSimple,
    /// Create course sessions.
    WSCreateSession,
    /// Edit course sessions.
    WSEditSession,
    /// Delete course sessions.
    WSDeleteSession,
    /// Add users to sessions.
    WSSuscribeUsersToSession,
    /// Remove users from sessions.
    WSUnsuscribeUsersFromSession,
    /// Add courses to sessions.
    WSSuscribeCoursesToSession,
    /// Remove courses from sessions.
    WSUnsuscribeCoursesFromSession,
    /// List sessions.
    WSListSessions,
}

/// Decodes a request body into the operation and the `secret_key` it carries.
///
/// Chamilo reads the key from the one input struct (§3 step 1); a call without one carries
/// an empty key, which fails the check like any wrong key.
pub fn decode(body: &[u8]) -> Result<(Op, String), SoapError> {
    let Call {
        operation,
        mut parts,
    } = soap::decode_call(body)?;
    let params = if parts.is_empty() {
        SoapValue::Struct(Vec::new())
    } else {
        parts.swap_remove(0).1
    };
    let secret_key = params.str("secret_key").trim().to_owned();
    let op = Op::from_name(&operation, params).ok_or(SoapError::UnknownOperation(operation))?;
    Ok((op, secret_key))
}

/// The response envelope for `op` returning `value`.
pub fn encode(op: &Op, value: &SoapValue) -> String {
    soap::encode_response(&SERVICE, op.wire_name(), value)
}

/// The fault envelope for `code` and `message`.
pub fn encode_fault(code: FaultCode, message: &str) -> String {
    soap::encode_fault(code, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_described_operation_decodes_to_its_variant() {
        for op in SERVICE.operations {
            let body = format!(
                "<Envelope><Body><{0}><p><secret_key> k </secret_key></p></{0}></Body></Envelope>",
                op.name
            );
            match decode(body.as_bytes()) {
                Ok((decoded, key)) => {
                    assert_eq!(decoded.wire_name(), op.name);
                    assert_eq!(key, "k");
                }
                Err(e) => panic!("{}: {e}", op.name),
            }
        }
    }

    #[test]
    fn an_unknown_operation_is_named_in_the_error() {
        let body = b"<Envelope><Body><WSNope/></Body></Envelope>";
        assert!(matches!(decode(body), Err(SoapError::UnknownOperation(n)) if n == "WSNope"));
    }
}
