//! The `user` module (specs/forma.md §4.2): Directory users seen as Forma's, `idst` = user id,
//! `_customfields[<id>]` = extra fields named `<id>`.

use chrono::Utc;
use gatehouse_domain::{
    Directory, DomainError, EntityKind, EntityRef, NewUser, Page, PasswordHash, PasswordPolicy,
    PlatformRole, User, UserId, UserPatch, Username,
};

use super::super::codec::Params;
use super::super::error::FormaError;
use super::super::output::{Value, map};
use super::{datetime, store_error, user_id};
use crate::edge::PasswordPool;

/// What the user functions reach: the Directory, plus the password pool for writes.
pub struct UserCtx<'a> {
    /// The store as the Directory.
    pub dir: &'a dyn Directory,
    /// Where password hashing runs.
    pub passwords: &'a PasswordPool,
    /// The Argon2id cost.
    pub policy: &'a PasswordPolicy,
    /// For internal-error messages.
    pub request_id: Option<&'a str>,
}

type Reply = Result<Value, FormaError>;

/// Forma stores `userid` as `/name` and clients may send it so; the name is without it.
fn plain_userid(raw: &str) -> &str {
    raw.strip_prefix('/').unwrap_or(raw)
}

fn user_ref(id: UserId) -> EntityRef {
    EntityRef {
        kind: EntityKind::User,
        id: id.0,
    }
}

impl UserCtx<'_> {
    async fn by_userid(&self, raw: &str) -> Result<Option<User>, FormaError> {
        let Ok(name) = Username::parse(plain_userid(raw)) else {
            return Ok(None);
        };
        self.dir
            .user_by_username(&name)
            .await
            .map_err(store_error(self.request_id))
    }

    async fn by_idst(&self, raw: &str) -> Result<Option<User>, FormaError> {
        let Some(id) = user_id(raw) else {
            return Ok(None);
        };
        self.dir
            .user(id)
            .await
            .map_err(store_error(self.request_id))
    }

    async fn hash(&self, password: String) -> Result<PasswordHash, FormaError> {
        let policy = *self.policy;
        self.passwords
            .run(move || policy.hash(&password))
            .await
            .map_err(|_| FormaError::busy())?
            .map_err(store_error(self.request_id))
    }

    async fn details(&self, user: &User) -> Reply {
        let extras = self
            .dir
            .extra_values(user_ref(user.id))
            .await
            .map_err(store_error(self.request_id))?;
        let custom = extras
            .into_iter()
            .map(|e| {
                map([
                    ("id", e.field.clone().into()),
                    ("name", e.field.into()),
                    ("value", e.value.into()),
                ])
            })
            .collect();
        Ok(map([
            ("idst", user.id.0.to_string().into()),
            ("userid", user.username.as_str().into()),
            ("firstname", user.first_name.clone().into()),
            ("lastname", user.last_name.clone().into()),
            ("email", user.email.clone().into()),
            ("signature", "".into()),
            ("valid", if user.active { "1" } else { "0" }.into()),
            (
                "pwd_expire_at",
                user.expires_at.map(datetime).unwrap_or_default().into(),
            ),
            ("register_date", datetime(user.created_at).into()),
            ("last_enter", "".into()),
            ("custom_fields", Value::List(custom)),
        ]))
    }

    /// Makes sure the custom fields exist: Forma's fields are defined before use, so an
    /// edit that names one must not be skipped as Chamilo's edit rule would.
    async fn define_fields(&self, fields: &[(String, String)]) -> Result<(), FormaError> {
        for (name, _) in fields {
            self.dir
                .define_extra_field(EntityKind::User, name)
                .await
                .map_err(store_error(self.request_id))?;
        }
        Ok(())
    }

    /// The fields `edit` and `updateuserbyuserid` apply.
    async fn patch(&self, p: &Params, rename: bool) -> Result<UserPatch, FormaError> {
        let mut patch = UserPatch {
            first_name: p.text("firstname"),
            last_name: p.text("lastname"),
            email: p.text("email"),
            language: p.text("language"),
            extra: p.array("_customfields"),
            ..UserPatch::default()
        };
        if rename && let Some(userid) = p.non_empty("userid") {
            patch.username = Username::parse(plain_userid(&userid)).ok();
        }
        if let Some(valid) = p.non_empty("valid") {
            patch.active = Some(valid != "0");
        }
        if let Some(password) = p.non_empty("password") {
            patch.password = Some(Some(self.hash(password).await?));
        }
        self.define_fields(&patch.extra).await?;
        Ok(patch)
    }
}

/// `listUsers`: every user ordered by userid, ids as strings.
pub async fn list_users(ctx: &UserCtx<'_>) -> Reply {
    let mut users = ctx
        .dir
        .list_users(Page::all())
        .await
        .map_err(store_error(ctx.request_id))?;
    // Forma leaves its anonymous account out of the list (§4.2).
    users.retain(|u| u.role != PlatformRole::Anonymous);
    users.sort_by_key(|u| u.username.folded());
    let list = users
        .into_iter()
        .map(|u| {
            map([
                ("userid", u.username.as_str().into()),
                ("idst", u.id.0.to_string().into()),
                ("firstname", u.first_name.into()),
                ("lastname", u.last_name.into()),
            ])
        })
        .collect();
    Ok(map([("success", true.into()), ("list", Value::List(list))]))
}

/// `userdetails`: one user by `idst` (or path), or several by `idsts`, keyed by idst.
pub async fn user_details(ctx: &UserCtx<'_>, p: &Params) -> Reply {
    if let Some(id) = p.id_field("idst") {
        let Some(user) = ctx.by_idst(&id).await? else {
            return Err(FormaError::msg(format!("Invalid user ID: {id}.")));
        };
        return Ok(map([
            ("success", true.into()),
            ("details", ctx.details(&user).await?),
        ]));
    }
    let Some(list) = p.non_empty("idsts") else {
        return Err(FormaError::msg("Invalid passed parameter."));
    };
    let mut entries = Vec::new();
    for id in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let entry = match ctx.by_idst(id).await? {
            Some(user) => map([
                ("success", true.into()),
                ("message", "".into()),
                ("details", ctx.details(&user).await?),
            ]),
            None => map([
                ("success", false.into()),
                ("message", format!("Invalid user ID: {id}.").into()),
                ("detail", false.into()),
            ]),
        };
        entries.push((id.to_owned(), entry));
    }
    Ok(map([
        ("success", true.into()),
        ("details", Value::Map(entries)),
    ]))
}

/// `customfields`: the users' extra fields, id = name.
pub async fn custom_fields(ctx: &UserCtx<'_>) -> Reply {
    let names = ctx
        .dir
        .extra_fields(EntityKind::User)
        .await
        .map_err(store_error(ctx.request_id))?;
    if names.is_empty() {
        return Err(FormaError::msg("Error: unable to retrieve custom fields."));
    }
    let fields = names
        .into_iter()
        .map(|n| map([("id", n.clone().into()), ("name", n.into())]))
        .collect();
    Ok(map([
        ("success", true.into()),
        ("custom_fields", Value::List(fields)),
    ]))
}

/// `create`: one atomic create; any failure (duplicate userid included) is Forma's one
/// message and stores nothing. Without `password` the user has no usable password (D11).
/// `idst` (forcing the new id) is ignored: ids are the store's.
pub async fn create(ctx: &UserCtx<'_>, p: &Params) -> Reply {
    let failed = || FormaError::msg("Error: unable to create new user.");
    let userid = p.non_empty("userid").ok_or_else(failed)?;
    let username = Username::parse(plain_userid(&userid)).map_err(|_| failed())?;
    let mut new = NewUser::new(username);
    new.first_name = p.text("firstname").unwrap_or_default();
    new.last_name = p.text("lastname").unwrap_or_default();
    new.email = p.text("email").unwrap_or_default();
    new.language = p.text("language").unwrap_or_default();
    new.active = p.text("valid").as_deref() != Some("0");
    new.is_admin = matches!(p.text("role").as_deref(), Some("godadmin" | "admin"));
    new.extra = p.array("_customfields");
    if let (Some(ext), Some(kind)) = (p.non_empty("ext_user"), p.non_empty("ext_user_type")) {
        new.external_ids = vec![(format!("ext.user.{kind}"), ext)];
    }
    if let Some(password) = p.non_empty("password") {
        new.password = Some(ctx.hash(password).await?);
    }
    match ctx.dir.create_user(new).await {
        Ok(user) => Ok(map([("success", true.into()), ("idst", user.id.0.into())])),
        Err(e) if e.is_store_failure() => Err(FormaError::internal(ctx.request_id, &e)),
        Err(_) => Err(failed()),
    }
}

/// `edit`: the user by `idst` (or path); a failed write still answers success, as Forma's
/// ignored DB errors do (§4.2).
pub async fn edit(ctx: &UserCtx<'_>, p: &Params) -> Reply {
    if p.ext_not_found {
        return Err(FormaError::msg(
            "Error: user id to update has not been specified.",
        ));
    }
    let id = p.id_field("idst").unwrap_or_default();
    let Some(user) = ctx.by_idst(&id).await? else {
        return Err(FormaError::msg("Error: incorrect param idst."));
    };
    let patch = ctx.patch(p, true).await?;
    apply(ctx, user.id, patch).await
}

/// `updateuserbyuserid`: the user by `userid`, other fields as `edit`.
pub async fn update_by_userid(ctx: &UserCtx<'_>, p: &Params) -> Reply {
    let userid = p.text("userid").unwrap_or_default();
    let Some(user) = ctx.by_userid(&userid).await? else {
        return Err(FormaError::msg(format!("Error: invalid userid: {userid}.")));
    };
    let patch = ctx.patch(p, false).await?;
    apply(ctx, user.id, patch).await
}

async fn apply(ctx: &UserCtx<'_>, id: UserId, patch: UserPatch) -> Reply {
    if !patch.is_empty() {
        match ctx.dir.update_user(id, patch).await {
            Ok(_) => {}
            Err(e) if e.is_store_failure() => return Err(FormaError::internal(ctx.request_id, &e)),
            Err(error) => {
                tracing::info!(%error, "forma edit: change refused, answered success as Forma does")
            }
        }
    }
    Ok(map([("success", true.into())]))
}

/// `delete`: answers success for an unknown id too, as Forma does.
pub async fn delete(ctx: &UserCtx<'_>, p: &Params) -> Reply {
    let raw = p.id_field("idst").unwrap_or_default();
    let Some(id) = user_id(&raw) else {
        return Err(FormaError::msg(format!(
            "Error: unable to delete user #{raw}."
        )));
    };
    match ctx.dir.delete_user(id).await {
        Ok(()) | Err(DomainError::UserNotFound(_)) => Ok(map([
            ("success", true.into()),
            ("message", format!("User #{id} has been deleted.").into()),
        ])),
        Err(e) => Err(FormaError::internal(ctx.request_id, &e)),
    }
}

/// `checkUsername`: key order idst, success, message; `_DISABLED` for inactive users (D18).
/// `also_check_as_email` carries the e-mail address itself, OR-ed into the lookup.
pub async fn check_username(ctx: &UserCtx<'_>, p: &Params) -> Reply {
    let userid = p.text("userid").unwrap_or_default();
    let mut found = ctx.by_userid(&userid).await?;
    if found.is_none()
        && let Some(email) = p.non_empty("also_check_as_email")
    {
        found = ctx
            .dir
            .list_users(Page::all())
            .await
            .map_err(store_error(ctx.request_id))?
            .into_iter()
            .find(|u| u.email.eq_ignore_ascii_case(&email));
    }
    let Some(user) = found else {
        return Err(FormaError::msg("User not found"));
    };
    let message = if user.can_sign_in(Utc::now()) {
        ""
    } else {
        "_DISABLED"
    };
    Ok(map([
        ("idst", user.id.0.into()),
        ("success", true.into()),
        ("message", message.into()),
    ]))
}

/// `countusers`: `status` = `active` | `suspended` | `all` (default); the count as a string.
pub async fn count_users(ctx: &UserCtx<'_>, p: &Params) -> Reply {
    let filter = match p.text("status").as_deref() {
        Some("active") => Some(true),
        Some("suspended") => Some(false),
        _ => None,
    };
    let n = ctx
        .dir
        .count_users(filter)
        .await
        .map_err(store_error(ctx.request_id))?;
    Ok(map([
        ("success", true.into()),
        ("users_count", n.to_string().into()),
    ]))
}

/// `userdetailsbyuserid`: the 3.x shape, working (4.x crashes here, §6).
pub async fn details_by_userid(ctx: &UserCtx<'_>, p: &Params) -> Reply {
    let userid = p.text("userid").unwrap_or_default();
    let Some(user) = ctx.by_userid(&userid).await? else {
        return Err(FormaError::msg(format!("Error: invalid userid: {userid}.")));
    };
    Ok(map([
        ("success", true.into()),
        ("message", "".into()),
        ("details", ctx.details(&user).await?),
    ]))
}

/// `userdetailsfromcredentials`: `userid` with `password`, or `password_encoded` = the
/// stored hash string; the 3.x shape, working.
pub async fn details_from_credentials(ctx: &UserCtx<'_>, p: &Params) -> Reply {
    let (Some(userid), password, encoded) = (
        p.non_empty("userid"),
        p.non_empty("password"),
        p.non_empty("password_encoded"),
    ) else {
        return Err(FormaError::msg("Invalid parameters."));
    };
    if password.is_none() && encoded.is_none() {
        return Err(FormaError::msg("Invalid parameters."));
    }
    let denied = || FormaError::msg(format!("Invalid credentials specified for user: {userid}."));
    let user = ctx.by_userid(&userid).await?.ok_or_else(denied)?;
    let stored = user.password.clone().ok_or_else(denied)?;
    let ok = match (password, encoded) {
        (Some(plain), _) => {
            let policy = *ctx.policy;
            let hash = stored.clone();
            let check = ctx
                .passwords
                .run(move || policy.verify(&hash, &plain))
                .await
                .map_err(|_| FormaError::busy())?;
            matches!(check, gatehouse_domain::PasswordCheck::Valid { .. })
        }
        (None, Some(encoded)) => {
            gatehouse_schemes::ct::ct_eq(encoded.as_bytes(), stored.to_stored().as_bytes())
        }
        (None, None) => false,
    };
    if !ok {
        return Err(denied());
    }
    Ok(map([
        ("success", true.into()),
        ("message", "".into()),
        ("details", ctx.details(&user).await?),
    ]))
}
