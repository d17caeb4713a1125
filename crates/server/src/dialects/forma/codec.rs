//! Forma's request side: route, output format, parameters, and the one [`Op`] a request
//! names (specs/forma.md §2.1–§2.3, §4).

use gatehouse_schemes::php_form;
use gatehouse_schemes::php_value::{PhpArray, PhpKey, PhpValue};

use super::output::Format;

/// Why a request never reached dispatch; Forma answers these as plain text (§2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteError {
    /// No `q` at all.
    NoInput,
    /// Fewer than three segments.
    NotEnough,
    /// Segment 0 not empty or segment 1 not `api`.
    Invalid,
}

impl RouteError {
    /// Forma's plain-text message.
    pub fn message(self) -> &'static str {
        match self {
            Self::NoInput => "Error: no input parameters.",
            Self::NotEnough => "Error: not enough input parameters.",
            Self::Invalid => "Error: Invalid request.",
        }
    }
}

/// `/api/<module>/<function>[/<p0>/…]` split as `rest.php` splits `q` (§2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// `user`, `course`, `auth`, ...
    pub module: String,
    /// The function name, suffixes removed.
    pub function: String,
    /// Positional parameters after the function (`params[0]`, ...).
    pub positional: Vec<String>,
    /// The format the suffix asked for, if any.
    pub suffix_format: Option<Format>,
}

/// Whether the `Accept` header alone decides the format (exact match only, §2.3).
pub fn accept_format(accept: Option<&str>) -> Option<Format> {
    match accept {
        Some("application/json") => Some(Format::Json),
        Some("application/xml") => Some(Format::Xml),
        _ => None,
    }
}

impl Route {
    /// Parses a route string (`/api/user/create.json`). The `!METHOD` suffix is stripped
    /// and ignored; `.json`/`.xml` only when `Accept` did not already decide (§2.1).
    pub fn parse(q: &str, accept_decided: bool) -> Result<Route, RouteError> {
        let mut segments: Vec<String> = q.split('/').map(str::to_owned).collect();
        if segments.len() < 3 {
            return Err(RouteError::NotEnough);
        }
        if !segments[0].is_empty() || segments[1] != "api" {
            return Err(RouteError::Invalid);
        }
        let mut suffix_format = None;
        if let Some(last) = segments.last_mut() {
            if let Some((head, method)) = last.rsplit_once('!')
                && matches!(
                    method,
                    "DELETE" | "PUT" | "GET" | "POST" | "OPTIONS" | "HEAD" | "TRACE" | "CONNECT"
                )
            {
                *last = head.to_owned();
            }
            if !accept_decided {
                for (ext, format) in [(".json", Format::Json), (".xml", Format::Xml)] {
                    if let Some(head) = last.strip_suffix(ext) {
                        *last = head.to_owned();
                        suffix_format = Some(format);
                        break;
                    }
                }
            }
        }
        let mut rest = segments.into_iter().skip(2);
        let module = rest.next().unwrap_or_default();
        let function = rest.next().unwrap_or_default();
        Ok(Route {
            module,
            function,
            positional: rest.collect(),
            suffix_format,
        })
    }
}

/// A request's parameters: the raw `$_POST` (what the signature covers), GET as a fallback,
/// and the positional path segments (§2.2).
#[derive(Debug, Clone, Default)]
pub struct Params {
    /// The form body as PHP parsed it.
    pub post: PhpArray,
    /// The query string as PHP parsed it; read only where POST lacks a field.
    pub get: PhpArray,
    /// Path segments after the function.
    pub positional: Vec<String>,
    /// `ext_user` named no user (§2.2).
    pub ext_not_found: bool,
}

fn key(name: &str) -> PhpKey {
    PhpKey::from_bytes(name.as_bytes())
}

impl Params {
    /// Parses a form body and query string.
    pub fn new(body: &[u8], query: &str, positional: Vec<String>) -> Self {
        Self {
            post: php_form::parse_post(body),
            get: php_form::parse_str(query.as_bytes()),
            positional,
            ext_not_found: false,
        }
    }

    fn scalar(&self, name: &str) -> Option<String> {
        let k = key(name);
        [&self.post, &self.get]
            .into_iter()
            .find_map(|a| match a.get(&k) {
                Some(PhpValue::Array(_)) | None => None,
                Some(v) => Some(String::from_utf8_lossy(&v.to_php_string()).into_owned()),
            })
    }

    /// A text field (POST first, then GET), as sent.
    pub fn text(&self, name: &str) -> Option<String> {
        self.scalar(name)
    }

    /// A text field that is present and not empty.
    pub fn non_empty(&self, name: &str) -> Option<String> {
        self.scalar(name).filter(|s| !s.is_empty())
    }

    /// The id a user or course function acts on: `params[0]` when non-empty, else the field
    /// `name` (§2.2: the path wins).
    pub fn id_field(&self, name: &str) -> Option<String> {
        self.positional
            .first()
            .filter(|p| !p.is_empty())
            .cloned()
            .or_else(|| self.non_empty(name))
    }

    /// The entries of a bracket array field (`_customfields[3]=Milano`), keys as text.
    pub fn array(&self, name: &str) -> Vec<(String, String)> {
        let k = key(name);
        [&self.post, &self.get]
            .into_iter()
            .find_map(|a| match a.get(&k) {
                Some(PhpValue::Array(inner)) => Some(
                    inner
                        .iter()
                        .filter(|(_, v)| !matches!(v, PhpValue::Array(_)))
                        .map(|(k, v)| {
                            (
                                String::from_utf8_lossy(&k.to_bytes()).into_owned(),
                                String::from_utf8_lossy(&v.to_php_string()).into_owned(),
                            )
                        })
                        .collect(),
                ),
                _ => None,
            })
            .unwrap_or_default()
    }
}

/// Every function gatehouse answers, by module (§4). Aliases map to one variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `auth/authenticate`.
    Authenticate,
    /// `auth/getauthmethod`.
    GetAuthMethod,
    /// `user/listUsers` | `userslist`.
    ListUsers,
    /// `user/userdetails`.
    UserDetails,
    /// `user/customfields`.
    CustomFields,
    /// `user/create` | `createuser`.
    Create,
    /// `user/edit` | `updateuser`.
    Edit,
    /// `user/updateuserbyuserid`.
    UpdateUserByUserid,
    /// `user/delete` | `deleteuser`.
    Delete,
    /// `user/checkUsername` | `checkusername`.
    CheckUsername,
    /// `user/countusers`.
    CountUsers,
    /// `user/userCourses` | `mycourses`.
    UserCourses,
    /// `user/userdetailsbyuserid`.
    UserDetailsByUserid,
    /// `user/userdetailsfromcredentials`.
    UserDetailsFromCredentials,
    /// `course/courses` | `listCourses` | `getCourses`.
    Courses,
    /// `course/addUserSubscription` | `addusersubscription`.
    AddUserSubscription,
    /// `course/updateUserSubscription` | `updateusersubscription`.
    UpdateUserSubscription,
    /// `course/deleteUserSubscription` | `deleteusersubscription`.
    DeleteUserSubscription,
    /// `course/getUsersSubscription` | `getuserssubscription`.
    GetUsersSubscription,
    /// `course/addCourse` | `addcourse`.
    AddCourse,
    /// `course/updateCourse` | `updatecourse`.
    UpdateCourse,
    /// `course/deleteCourse` | `deletecourse`.
    DeleteCourse,
    /// `course/addCategory` | `addcategory`.
    AddCategory,
    /// `course/getCategories` | `getcategories`.
    GetCategories,
}

/// What a module/function pair is, when it is not an [`Op`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unknown {
    /// No `api.<module>.php`: Forma names the file it looked for (§2.4); gatehouse names
    /// no server path.
    Module(String),
    /// A function the module does not have (Forma crashes with HTTP 500 here).
    Function(String),
}

impl Op {
    /// The operation a module and function name (case-sensitive, with Forma's aliases).
    pub fn decode(module: &str, function: &str) -> Result<Op, Unknown> {
        let op = match (module, function) {
            ("auth", "authenticate") => Op::Authenticate,
            ("auth", "getauthmethod") => Op::GetAuthMethod,
            ("user", "listUsers" | "userslist") => Op::ListUsers,
            ("user", "userdetails") => Op::UserDetails,
            ("user", "customfields") => Op::CustomFields,
            ("user", "create" | "createuser") => Op::Create,
            ("user", "edit" | "updateuser") => Op::Edit,
            ("user", "updateuserbyuserid") => Op::UpdateUserByUserid,
            ("user", "delete" | "deleteuser") => Op::Delete,
            ("user", "checkUsername" | "checkusername") => Op::CheckUsername,
            ("user", "countusers") => Op::CountUsers,
            ("user", "userCourses" | "mycourses") => Op::UserCourses,
            ("user", "userdetailsbyuserid") => Op::UserDetailsByUserid,
            ("user", "userdetailsfromcredentials") => Op::UserDetailsFromCredentials,
            ("course", "courses" | "listCourses" | "getCourses") => Op::Courses,
            ("course", "addUserSubscription" | "addusersubscription") => Op::AddUserSubscription,
            ("course", "updateUserSubscription" | "updateusersubscription") => {
                Op::UpdateUserSubscription
            }
            ("course", "deleteUserSubscription" | "deleteusersubscription") => {
                Op::DeleteUserSubscription
            }
            ("course", "getUsersSubscription" | "getuserssubscription") => Op::GetUsersSubscription,
            ("course", "addCourse" | "addcourse") => Op::AddCourse,
            ("course", "updateCourse" | "updatecourse") => Op::UpdateCourse,
            ("course", "deleteCourse" | "deletecourse") => Op::DeleteCourse,
            ("course", "addCategory" | "addcategory") => Op::AddCategory,
            ("course", "getCategories" | "getcategories") => Op::GetCategories,
            ("auth" | "user" | "course", f) => return Err(Unknown::Function(f.to_owned())),
            (m, _) => return Err(Unknown::Module(m.to_owned())),
        };
        Ok(op)
    }

    /// Whether the call needs no credential: module `auth` never does (§3.0).
    pub fn is_public(self) -> bool {
        matches!(self, Op::Authenticate | Op::GetAuthMethod)
    }

    /// Whether the operation changes stored data, and so is audited as a write
    /// (`auth/authenticate` is audited as authentication).
    pub fn is_write(self) -> bool {
        matches!(
            self,
            Op::Create
                | Op::Edit
                | Op::UpdateUserByUserid
                | Op::Delete
                | Op::AddUserSubscription
                | Op::UpdateUserSubscription
                | Op::DeleteUserSubscription
                | Op::AddCourse
                | Op::UpdateCourse
                | Op::DeleteCourse
                | Op::AddCategory
        )
    }

    /// The name for audit events and logs (`user/create`).
    pub fn wire_name(self) -> &'static str {
        match self {
            Op::Authenticate => "auth/authenticate",
            Op::GetAuthMethod => "auth/getauthmethod",
            Op::ListUsers => "user/listUsers",
            Op::UserDetails => "user/userdetails",
            Op::CustomFields => "user/customfields",
            Op::Create => "user/create",
            Op::Edit => "user/edit",
            Op::UpdateUserByUserid => "user/updateuserbyuserid",
            Op::Delete => "user/delete",
            Op::CheckUsername => "user/checkUsername",
            Op::CountUsers => "user/countusers",
            Op::UserCourses => "user/userCourses",
            Op::UserDetailsByUserid => "user/userdetailsbyuserid",
            Op::UserDetailsFromCredentials => "user/userdetailsfromcredentials",
            Op::Courses => "course/courses",
            Op::AddUserSubscription => "course/addUserSubscription",
            Op::UpdateUserSubscription => "course/updateUserSubscription",
            Op::DeleteUserSubscription => "course/deleteUserSubscription",
            Op::GetUsersSubscription => "course/getUsersSubscription",
            Op::AddCourse => "course/addCourse",
            Op::UpdateCourse => "course/updateCourse",
            Op::DeleteCourse => "course/deleteCourse",
            Op::AddCategory => "course/addCategory",
            Op::GetCategories => "course/getCategories",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_split_into_module_function_and_positional_params() {
        let r = Route::parse("/api/user/userdetails/12345.json", false).unwrap();
        assert_eq!(
            (r.module.as_str(), r.function.as_str()),
            ("user", "userdetails")
        );
        assert_eq!(r.positional, vec!["12345".to_owned()]);
        assert_eq!(r.suffix_format, Some(Format::Json));
    }

    #[test]
    fn the_method_suffix_is_stripped_before_the_format_suffix() {
        let r = Route::parse("/api/user/create.xml!POST", false).unwrap();
        assert_eq!(r.function, "create");
        assert_eq!(r.suffix_format, Some(Format::Xml));
    }

    #[test]
    fn an_exact_accept_keeps_the_suffix_in_the_name() {
        let r = Route::parse("/api/user/create.json", true).unwrap();
        assert_eq!(r.function, "create.json");
        assert_eq!(accept_format(Some("application/json, */*")), None);
    }

    #[test]
    fn malformed_routes_get_forma_s_pre_dispatch_errors() {
        assert_eq!(Route::parse("/api", false), Err(RouteError::NotEnough));
        assert_eq!(
            Route::parse("/x/user/create", false),
            Err(RouteError::Invalid)
        );
        assert_eq!(
            Route::parse("api/user/create", false),
            Err(RouteError::Invalid)
        );
    }

    #[test]
    fn aliases_decode_to_one_operation_case_sensitively() {
        assert_eq!(Op::decode("user", "userslist"), Ok(Op::ListUsers));
        assert_eq!(Op::decode("user", "listUsers"), Ok(Op::ListUsers));
        assert!(Op::decode("user", "ListUsers").is_err());
        assert_eq!(Op::decode("nope", "x"), Err(Unknown::Module("nope".into())));
    }

    #[test]
    fn the_path_id_wins_over_the_posted_one() {
        let p = Params::new(
            b"idst=7&_customfields%5B3%5D=Milano",
            "idst=9",
            vec!["5".into()],
        );
        assert_eq!(p.id_field("idst").as_deref(), Some("5"));
        assert_eq!(p.text("idst").as_deref(), Some("7"));
        assert_eq!(
            p.array("_customfields"),
            vec![("3".into(), "Milano".into())]
        );
    }
}
