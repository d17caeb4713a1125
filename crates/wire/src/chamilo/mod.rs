//! Chamilo's `WSRegistration` SOAP service (`main/webservices/registration.soap.php`) as data.
//!
//! Type, message, part and operation names are Chamilo 1.11.x's (specs/chamilo.md §4): clients
//! such as PHP `SoapClient`, zeep and .NET build their calls from them. Only the operations
//! gatehouse serves are listed, so a client never sees one that would then fail.

mod types;

use crate::wsdl::{Operation, Service};

pub use types::TYPES;

/// The service namespace (`tns`): also the namespace of every response element.
pub const NAMESPACE: &str = "urn:WSRegistration";

/// The service path under a Chamilo mount.
pub const PATH: &str = "/main/webservices/registration.soap.php";

/// The fault strings of Chamilo's `return_error` (§2). Only the string goes on the wire.
pub mod faults {
    /// `WS_ERROR_SECRET_KEY` (#1).
    pub const SECRET_KEY: &str = "Secret key is not correct or params are not correctly set";
    /// `WS_ERROR_NOT_FOUND_RESULT` (#2).
    pub const NOT_FOUND_RESULT: &str = "No result was found for this query";
    /// `WS_ERROR_INVALID_INPUT` (#3); "o" is Chamilo's typo, kept because clients match it.
    pub const INVALID_INPUT: &str = "The input variables are invalid o are not correctly set";
    /// `WS_ERROR_SETTING` (#4).
    pub const SETTING: &str = "Please check the configuration for this webservice";

    /// NuSOAP's Client fault for an operation the WSDL does not define (§2).
    pub fn unknown_operation(name: &str) -> String {
        format!("Operation '{name}' is not defined in the WSDL for this service")
    }
}

const fn op(
    name: &'static str,
    part: &'static str,
    input: &'static str,
    output: &'static str,
    doc: &'static str,
) -> Operation {
    Operation {
        name,
        part,
        input,
        output,
        soap_action: None,
        doc,
    }
}

/// The operations gatehouse serves, with Chamilo's part names and return types (§4).
#[rustfmt::skip]
pub const OPERATIONS: &[Operation] = &[
    // users
    op("WSCreateUsers", "createUsers", "tns:createUsers", "tns:results_createUsers", "This service adds a user"),
    op("WSCreateUser", "createUser", "tns:createUser", "xsd:string", "This service adds a user"),
    op("WSCreateUsersPasswordCrypted", "createUsersPasswordCrypted", "tns:createUsersPasswordCrypted", "tns:results_createUsersPassEncrypt", "This service adds users to the system"),
    op("WSCreateUserPasswordCrypted", "createUserPasswordCrypted", "tns:createUserPasswordCrypted", "xsd:string", "This service adds users"),
    op("WSEditUserCredentials", "editUserCredentials", "tns:editUserCredentials", "xsd:string", "This service edits the username and password of a user"),
    op("WSEditUsers", "editUsers", "tns:editUsers", "tns:results_editUsers", "This service edits a user from wiener"),
    op("WSEditUser", "editUser", "tns:editUser", "xsd:string", "This service edits a user from wiener"),
    op("WSEditUsersPasswordCrypted", "editUsersPasswordCrypted", "tns:editUsersPasswordCrypted", "tns:results_editUsersPasswordCrypted", "This service edits a user"),
    op("WSEditUserPasswordCrypted", "editUserPasswordCrypted", "tns:editUserPasswordCrypted", "xsd:string", "This service edits a user"),
    op("WSDeleteUsers", "user_ids", "tns:user_ids", "tns:results_actionUsers", "Deletes users provided as parameters from the system"),
    op("WSDisableUsers", "user_ids", "tns:user_ids", "tns:results_actionUsers", "Disables users provided as parameters from the system"),
    op("WSEnableUsers", "user_ids", "tns:user_ids", "tns:results_actionUsers", "Enables users provided as parameters"),
    op("WSGetUser", "GetUser", "tns:GetUserArg", "tns:User", "This service get user information by id"),
    op("WSGetUserFromUsername", "GetUserFromUsername", "tns:GetUserArgUsername", "tns:UserWithExtraFields", "This service get user information by username"),
    Operation {
        soap_action: Some("urn:WSRegistration#WSGetUserFromUsername"),
        ..op("WSUpdateUserOriginalIdFromUsername", "WSUpdateUserOriginalIdFromUsername", "tns:GetUserArgUsernameWithOriginal", "tns:User", "This service sets the original user id of a user found by username")
    },
    Operation {
        soap_action: Some("urn:WSRegistration#WSListCourses"),
        ..op("WSUpdateUserApiKey", "userApiKey", "tns:userApiKey", "xsd:string", "This service return user api key")
    },
    // courses
    op("WSCreateCourse", "createCourse", "tns:createCourse", "tns:results_createCourse", "This service adds a course"),
    op("WSCreateCourseByTitle", "createCourseByTitle", "tns:createCourseByTitle", "tns:results_createCourseByTitle", "This service adds a course by title"),
    op("WSEditCourse", "editCourse", "tns:editCourse", "tns:results_editCourse", "This service edits a course"),
    op("WSCourseDescription", "courseDescription", "tns:courseDescription", "tns:fields_course_desc_list", "This service edits a course description"),
    op("WSEditCourseDescription", "editCourseDescription", "tns:editCourseDescription", "tns:results_editCourseDescription", "This service edits a course description"),
    op("WSDeleteCourse", "deleteCourse", "tns:deleteCourse", "tns:results_deleteCourse", "This service deletes a course "),
    op("WSListCourses", "listCourseInput", "tns:listCourseInput", "tns:courses", "This service list courses available on the system"),
    op("WSUserSubscribedInCourse", "UserSubscribedInCourse", "tns:UserSubscribedInCourse", "xsd:string", "This service checks if user assigned to course"),
    // subscriptions
    op("WSSubscribeUserToCourse", "subscribeUserToCourse", "tns:subscribeUserToCourse_arg", "tns:subscribeUserToCourse_return_global", "This service subscribes a user to a course"),
    op("WSSubscribeUserToCourseSimple", "subscribeUserToCourseSimple", "tns:subscribeUserToCourseSimple_arg", "xsd:string", "This service subscribes a user to a course in a simple way"),
    op("WSUnsubscribeUserFromCourse", "unsuscribeUserFromCourse", "tns:unsuscribeUserFromCourse", "tns:results_unsuscribeUserFromCourse", "This service unsubscribes a user from a course"),
    op("WSUnSubscribeUserFromCourseSimple", "unSubscribeUserFromCourseSimple", "tns:unSubscribeUserFromCourseSimple", "tns:unSubscribeUserToCourseSimple_return", "This service unsubscribes a user from a course"),
    // sessions
    op("WSCreateSession", "createSession", "tns:createSession", "tns:results_createSession", "This service edits a session"),
    op("WSEditSession", "editSession", "tns:editSession", "tns:results_editSession", "This service edits a session"),
    op("WSDeleteSession", "deleteSession", "tns:deleteSession", "tns:results_deleteSession", "This service deletes a session "),
    op("WSSuscribeUsersToSession", "subscribeUsersToSession", "tns:subscribeUsersToSession", "tns:results_subscribeUsersToSession", "This service subscribes a user to a session"),
    op("WSUnsuscribeUsersFromSession", "unsubscribeUsersFromSession", "tns:unsubscribeUsersFromSession", "tns:results_unsubscribeUsersFromSession", "This service unsubscribes a user to a session"),
    op("WSSuscribeCoursesToSession", "subscribeCoursesToSession", "tns:subscribeCoursesToSession", "tns:results_subscribeCoursesToSession", "This service subscribes a course to a session"),
    op("WSUnsuscribeCoursesFromSession", "unsubscribeCoursesFromSession", "tns:unsubscribeCoursesFromSession", "tns:results_unsubscribeCoursesFromSession", "This service subscribes a course to a session"),
    op("WSListSessions", "input", "tns:session_arg", "tns:sessions", "This service returns a list of sessions"),
];

/// The `WSRegistration` service: serve its [`Service::wsdl`] at `?wsdl`, type responses with it.
pub const SERVICE: Service = Service {
    name: "WSRegistration",
    namespace: NAMESPACE,
    types: TYPES,
    operations: OPERATIONS,
};

#[cfg(test)]
mod tests;
