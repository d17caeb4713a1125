//! Request → one [`Action`] with its wire name and arguments (specs/chamilo.md §6).
//!
//! A pure function over [`Params`]: the router routes only to `api/v2.php`, and the
//! `action` parameter picks the variant here. Absent numbers read as PHP's `(int)` cast
//! reads them (0), so a call that names nothing finds nothing rather than failing to parse.

use gatehouse_schemes::php_value::PhpValue;

use super::params::{Params, extra_pairs, php_int};

/// Who the caller claims to be: `username` and, on every action but `authenticate`, `api_key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// `username`.
    pub username: String,
    /// `api_key` (empty when absent).
    pub api_key: String,
}

/// A course named by id or by code (`course_id` / `course_code`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CourseRef {
    /// By internal id.
    Id(i64),
    /// By code.
    Code(String),
}

/// The fields of `save_user`, `save_user_json` and `save_user_get_apikey`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFields {
    /// `firstname`.
    pub firstname: String,
    /// `lastname`.
    pub lastname: String,
    /// `status` (Chamilo's platform status, 5 by default).
    pub status: i64,
    /// `email`.
    pub email: String,
    /// `loginname`.
    pub loginname: String,
    /// `password` (plain).
    pub password: String,
    /// `auth_source` (`platform` by default).
    pub auth_source: String,
    /// `original_user_id_name` / `original_user_id_value`.
    pub original_id: Option<(String, String)>,
    /// `extra[]` as `(field_name, field_value)`.
    pub extra: Vec<(String, String)>,
    /// `language`.
    pub language: String,
    /// `phone`.
    pub phone: String,
    /// `expiration_date`.
    pub expiration_date: String,
}

/// One REST action with its arguments, named as the wire names it.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// `authenticate`: `password` from the body.
    Authenticate {
        /// The plain password.
        password: String,
    },
    /// `username_exist`.
    UsernameExist {
        /// `loginname`.
        loginname: String,
    },
    /// `save_user`.
    SaveUser(UserFields),
    /// `save_user_json`: the same fields in a `json` object; `None` when missing or invalid.
    SaveUserJson(Option<UserFields>),
    /// `save_user_get_apikey`.
    SaveUserGetApikey(UserFields),
    /// `update_user_from_username`: the whole body is the patch.
    UpdateUserFromUsername {
        /// The body's fields in order.
        fields: Vec<(String, PhpValue)>,
    },
    /// `delete_user`.
    DeleteUser {
        /// `user_id`.
        user_id: i64,
    },
    /// `update_user_apikey`.
    UpdateUserApikey {
        /// `user_id`.
        user_id: i64,
        /// `current_api_key`.
        current_api_key: String,
    },
    /// `get_user_api_key`.
    GetUserApiKey {
        /// `user` (a username).
        user: String,
        /// `force`: create a key if the user has none.
        force: bool,
    },
    /// `get_users_api_keys`.
    GetUsersApiKeys {
        /// `page`, from 1.
        page: i64,
        /// `per_page`.
        per_page: i64,
        /// `force`.
        force: bool,
    },
    /// `user_profile`.
    UserProfile,
    /// `get_users`.
    GetUsers {
        /// `status`; `None` for `*` or absent (all).
        status: Option<i64>,
        /// `extra_fields`: names of user extra fields to add to each row.
        extra_fields: Vec<String>,
    },
    /// `save_course`.
    SaveCourse {
        /// `title`.
        title: String,
        /// `wanted_code`.
        wanted_code: String,
        /// `id_campus` (1 by default).
        id_campus: i64,
        /// `disk_quota` in MB (100 by default).
        disk_quota: i64,
        /// `visibility` 0–3 (2 by default).
        visibility: i64,
        /// `language`.
        language: String,
        /// `remove_campus_id_from_wanted_code`.
        remove_campus_id: bool,
        /// The `extra_*` keys.
        extra: Vec<(String, String)>,
    },
    /// `delete_course`.
    DeleteCourse {
        /// `course_code` or `course_id`.
        course: CourseRef,
    },
    /// `get_courses`.
    GetCourses,
    /// `subscribe_user_to_course`.
    SubscribeUserToCourse {
        /// `course_id` or `course_code`.
        course: CourseRef,
        /// `user_id`.
        user_id: i64,
        /// `status` in the course (1 teacher, 5 student).
        status: i64,
    },
    /// `unsubscribe_user_from_course`.
    UnsubscribeUserFromCourse {
        /// `course_id` or `course_code`.
        course: CourseRef,
        /// `user_id`.
        user_id: i64,
    },
    /// `get_users_subscribed_to_course`: the routing `course`.
    GetUsersSubscribedToCourse {
        /// `course` (id, or a code).
        course: CourseRef,
    },
    /// `user_courses`.
    UserCourses {
        /// `user_id`; the caller when absent.
        user_id: Option<i64>,
    },
    /// `save_session`.
    SaveSession {
        /// `name`.
        name: String,
        /// `coach_username` (Chamilo casts it to an int: a user id; gatehouse also takes a username).
        coach: String,
        /// `access_start_date`.
        access_start_date: String,
        /// `access_end_date`.
        access_end_date: String,
        /// `description`.
        description: String,
        /// `extra`.
        extra: Vec<(String, String)>,
    },
    /// `get_sessions`.
    GetSessions,
    /// `add_courses_session`.
    AddCoursesSession {
        /// `id_session`.
        id_session: i64,
        /// `list_courses[]` (course ids).
        list_courses: Vec<i64>,
    },
    /// `add_users_session` (and its alias `subscribe_users_to_session`).
    AddUsersSession {
        /// `id_session`.
        id_session: i64,
        /// `list_users[]` (user ids).
        list_users: Vec<i64>,
    },
    /// `unsubscribe_users_from_session`.
    UnsubscribeUsersFromSession {
        /// `id_session`.
        id_session: i64,
        /// `list_users[]`.
        list_users: Vec<i64>,
    },
}

impl Action {
    /// The action's wire name.
    pub fn wire_name(&self) -> &'static str {
        match self {
            Self::Authenticate { .. } => "authenticate",
            Self::UsernameExist { .. } => "username_exist",
            Self::SaveUser(_) => "save_user",
            Self::SaveUserJson(_) => "save_user_json",
            Self::SaveUserGetApikey(_) => "save_user_get_apikey",
            Self::UpdateUserFromUsername { .. } => "update_user_from_username",
            Self::DeleteUser { .. } => "delete_user",
            Self::UpdateUserApikey { .. } => "update_user_apikey",
            Self::GetUserApiKey { .. } => "get_user_api_key",
            Self::GetUsersApiKeys { .. } => "get_users_api_keys",
            Self::UserProfile => "user_profile",
            Self::GetUsers { .. } => "get_users",
            Self::SaveCourse { .. } => "save_course",
            Self::DeleteCourse { .. } => "delete_course",
            Self::GetCourses => "get_courses",
            Self::SubscribeUserToCourse { .. } => "subscribe_user_to_course",
            Self::UnsubscribeUserFromCourse { .. } => "unsubscribe_user_from_course",
            Self::GetUsersSubscribedToCourse { .. } => "get_users_subscribed_to_course",
            Self::UserCourses { .. } => "user_courses",
            Self::SaveSession { .. } => "save_session",
            Self::GetSessions => "get_sessions",
            Self::AddCoursesSession { .. } => "add_courses_session",
            Self::AddUsersSession { .. } => "add_users_session",
            Self::UnsubscribeUsersFromSession { .. } => "unsubscribe_users_from_session",
        }
    }

    /// Whether the action changes stored data, and so is audited as a write (the key
    /// getters are writes when `force` may issue keys).
    pub fn is_write(&self) -> bool {
        !matches!(
            self,
            Self::Authenticate { .. }
                | Self::UsernameExist { .. }
                | Self::GetUserApiKey { force: false, .. }
                | Self::GetUsersApiKeys { force: false, .. }
                | Self::UserProfile
                | Self::GetUsers { .. }
                | Self::GetCourses
                | Self::GetUsersSubscribedToCourse { .. }
                | Self::UserCourses { .. }
                | Self::GetSessions
        )
    }

    /// Whether only platform administrators may call it (`protectAdminEndpoint`).
    pub fn admin_only(&self) -> bool {
        matches!(
            self,
            Self::SaveUser(_)
                | Self::SaveUserJson(_)
                | Self::SaveUserGetApikey(_)
                | Self::DeleteUser { .. }
                | Self::GetUserApiKey { .. }
                | Self::GetUsersApiKeys { .. }
                | Self::GetUsers { .. }
                | Self::SaveCourse { .. }
                | Self::DeleteCourse { .. }
                | Self::SaveSession { .. }
                | Self::GetSessions
                | Self::AddCoursesSession { .. }
                | Self::UnsubscribeUsersFromSession { .. }
        )
    }
}

/// The caller's claim from the routing parameters.
pub fn claim(params: &Params) -> Claim {
    Claim {
        username: params.routing("username").unwrap_or_default(),
        api_key: params.routing("api_key").unwrap_or_default(),
    }
}

/// Decodes the action; `None` for an action gatehouse does not know ("Invalid action").
pub fn decode(params: &Params) -> Option<Action> {
    let action = params.routing("action").unwrap_or_default();
    Some(match action.as_str() {
        "authenticate" => Action::Authenticate {
            password: params.post_only("password").unwrap_or_default(),
        },
        "username_exist" => Action::UsernameExist {
            loginname: params.text("loginname"),
        },
        "save_user" => Action::SaveUser(user_fields(|k| params.data(k), params.value("extra"))),
        "save_user_json" => Action::SaveUserJson(json_user_fields(&params.text("json"))),
        "save_user_get_apikey" => {
            Action::SaveUserGetApikey(user_fields(|k| params.data(k), params.value("extra")))
        }
        "update_user_from_username" => Action::UpdateUserFromUsername {
            fields: params.post_fields(),
        },
        "delete_user" => Action::DeleteUser {
            user_id: params.int("user_id").unwrap_or(0),
        },
        "update_user_apikey" => Action::UpdateUserApikey {
            user_id: params.int("user_id").unwrap_or(0),
            current_api_key: params.text("current_api_key"),
        },
        "get_user_api_key" => Action::GetUserApiKey {
            user: params.text("user"),
            force: params.flag("force"),
        },
        "get_users_api_keys" => Action::GetUsersApiKeys {
            page: params.int("page").filter(|p| *p > 0).unwrap_or(1),
            per_page: params.int("per_page").filter(|p| *p > 0).unwrap_or(30),
            force: params.flag("force"),
        },
        "user_profile" => Action::UserProfile,
        "get_users" => Action::GetUsers {
            status: params
                .data("status")
                .filter(|s| !s.trim().is_empty() && s.trim() != "*")
                .map(|s| php_int(&s)),
            extra_fields: params
                .text("extra_fields")
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        },
        "save_course" => Action::SaveCourse {
            title: params.text("title"),
            wanted_code: params.text("wanted_code"),
            id_campus: params.int("id_campus").unwrap_or(1),
            disk_quota: params.int("disk_quota").unwrap_or(100),
            visibility: params.int("visibility").unwrap_or(2),
            language: params.text("language"),
            remove_campus_id: params.text("remove_campus_id_from_wanted_code").trim() == "1",
            extra: params
                .prefixed("extra_")
                .into_iter()
                .map(|(k, v)| (k.trim_start_matches("extra_").to_owned(), v))
                .collect(),
        },
        "delete_course" => Action::DeleteCourse {
            course: course_ref(params),
        },
        "get_courses" => Action::GetCourses,
        "subscribe_user_to_course" => Action::SubscribeUserToCourse {
            course: course_ref(params),
            user_id: params.int("user_id").unwrap_or(0),
            status: params.int("status").unwrap_or(5),
        },
        "unsubscribe_user_from_course" => Action::UnsubscribeUserFromCourse {
            course: course_ref(params),
            user_id: params.int("user_id").unwrap_or(0),
        },
        "get_users_subscribed_to_course" => Action::GetUsersSubscribedToCourse {
            course: match params.routing("course") {
                Some(c) if !c.trim().is_empty() && c.trim().bytes().all(|b| b.is_ascii_digit()) => {
                    CourseRef::Id(php_int(&c))
                }
                Some(c) => CourseRef::Code(c.trim().to_owned()),
                None => CourseRef::Id(0),
            },
        },
        "user_courses" => Action::UserCourses {
            user_id: params.int("user_id").filter(|id| *id > 0),
        },
        "save_session" => Action::SaveSession {
            name: params.text("name"),
            coach: params.text("coach_username"),
            access_start_date: params.text("access_start_date"),
            access_end_date: params.text("access_end_date"),
            description: params.text("description"),
            extra: extra_pairs(params.value("extra")),
        },
        "get_sessions" => Action::GetSessions,
        "add_courses_session" => Action::AddCoursesSession {
            id_session: params.int("id_session").unwrap_or(0),
            list_courses: ints(params.list("list_courses")),
        },
        "add_users_session" | "subscribe_users_to_session" => Action::AddUsersSession {
            id_session: params.int("id_session").unwrap_or(0),
            list_users: ints(params.list("list_users")),
        },
        "unsubscribe_users_from_session" => Action::UnsubscribeUsersFromSession {
            id_session: params.int("id_session").unwrap_or(0),
            list_users: ints(params.list("list_users")),
        },
        _ => return None,
    })
}

fn ints(items: Vec<String>) -> Vec<i64> {
    items
        .iter()
        .map(|s| php_int(s))
        .filter(|n| *n > 0)
        .collect()
}

/// `course_id`, else `course_code`.
fn course_ref(params: &Params) -> CourseRef {
    match params.int("course_id").filter(|id| *id > 0) {
        Some(id) => CourseRef::Id(id),
        None => CourseRef::Code(params.text("course_code").trim().to_owned()),
    }
}

/// The user fields from any source of named values (the body, or `save_user_json`'s object).
fn user_fields(get: impl Fn(&str) -> Option<String>, extra: Option<&PhpValue>) -> UserFields {
    let text = |k: &str| get(k).unwrap_or_default();
    let original_name = text("original_user_id_name");
    let original_value = text("original_user_id_value");
    UserFields {
        firstname: text("firstname"),
        lastname: text("lastname"),
        status: get("status").map_or(5, |s| php_int(&s)),
        email: text("email"),
        loginname: text("loginname"),
        password: text("password"),
        auth_source: get("auth_source")
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| "platform".to_owned()),
        original_id: (!original_name.trim().is_empty() && !original_value.is_empty())
            .then_some((original_name, original_value)),
        extra: extra_pairs(extra),
        language: text("language"),
        phone: text("phone"),
        expiration_date: text("expiration_date"),
    }
}

/// `save_user_json`'s `json` object; `None` when it is missing or not an object (NoData).
fn json_user_fields(raw: &str) -> Option<UserFields> {
    let value: PhpValue = serde_json::from_str(raw).ok()?;
    let PhpValue::Array(object) = value else {
        return None;
    };
    let get = |k: &str| match object.get(&gatehouse_schemes::php_value::PhpKey::from_bytes(
        k.as_bytes(),
    )) {
        Some(PhpValue::Array(_)) | None => None,
        Some(v) => Some(String::from_utf8_lossy(&v.to_php_string()).into_owned()),
    };
    let extra = object
        .get(&gatehouse_schemes::php_value::PhpKey::from_bytes(b"extra"))
        .cloned();
    Some(user_fields(get, extra.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(body: &str) -> Params {
        Params::parse("", None, body.as_bytes())
    }

    #[test]
    fn unknown_actions_decode_to_nothing() {
        assert_eq!(decode(&form("action=drop_tables")), None);
        assert_eq!(decode(&form("")), None);
    }

    #[test]
    fn the_password_of_authenticate_is_read_from_the_body_only() {
        let p = Params::parse("action=authenticate&password=q", None, b"username=a");
        assert_eq!(
            decode(&p),
            Some(Action::Authenticate {
                password: String::new()
            })
        );
    }

    #[test]
    fn save_user_reads_its_fields_with_chamilos_defaults() {
        let p = form(
            "action=save_user&loginname=jo&password=pw&firstname=Jo&original_user_id_name=hr&original_user_id_value=7&extra[0][field_name]=age&extra[0][field_value]=29",
        );
        let Some(Action::SaveUser(f)) = decode(&p) else {
            panic!("not save_user");
        };
        assert_eq!(f.loginname, "jo");
        assert_eq!(f.status, 5);
        assert_eq!(f.auth_source, "platform");
        assert_eq!(f.original_id, Some(("hr".into(), "7".into())));
        assert_eq!(f.extra, [("age".to_owned(), "29".to_owned())]);
    }

    #[test]
    fn save_user_json_takes_its_fields_from_the_json_object() {
        let p =
            form("action=save_user_json&json=%7B%22loginname%22%3A%22jj%22%2C%22status%22%3A1%7D");
        let Some(Action::SaveUserJson(Some(f))) = decode(&p) else {
            panic!("not save_user_json");
        };
        assert_eq!((f.loginname.as_str(), f.status), ("jj", 1));
        assert_eq!(
            decode(&form("action=save_user_json&json=nope")),
            Some(Action::SaveUserJson(None))
        );
    }

    #[test]
    fn session_lists_read_php_array_syntax() {
        let p = form(
            "action=add_users_session&id_session=3&list_users[]=5&list_users[]=x&list_users[]=6",
        );
        assert_eq!(
            decode(&p),
            Some(Action::AddUsersSession {
                id_session: 3,
                list_users: vec![5, 6]
            })
        );
    }
}
