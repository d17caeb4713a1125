//! The `course` module and `user/userCourses` (specs/forma.md §4.2, §4.3): Directory courses
//! and enrolments seen as Forma's; levels are enrolment roles and statuses are stored as
//! Forma's numbers (D18). A course's category is the id of a stored category, kept as text
//! in the course's `category`.

use gatehouse_domain::{
    Categories, Course, CourseId, CoursePatch, Directory, DomainError, Enrolment, EnrolmentRole,
    EnrolmentStatus, NewCourse, Page, UserId,
};

use super::super::codec::Params;
use super::super::error::FormaError;
use super::super::output::{Value, map};
use super::{datetime, positive_id, store_error, user_id};

type Reply = Result<Value, FormaError>;

/// What the course functions reach.
pub struct CourseCtx<'a> {
    /// The store as the Directory.
    pub dir: &'a dyn Directory,
    /// The category tree.
    pub categories: &'a dyn Categories,
    /// `<scheme>://<host><mount>`, for `course_link`.
    pub site: String,
    /// For internal-error messages.
    pub request_id: Option<&'a str>,
}

/// Forma's user-level names (§4.3).
fn level_from_name(name: &str) -> Option<EnrolmentRole> {
    EnrolmentRole::parse(name).ok()
}

/// Forma's subscription-status names (§4.3).
fn status_from_name(name: &str) -> Option<EnrolmentStatus> {
    Some(match name {
        "waiting_list" => EnrolmentStatus::WaitingList,
        "to_confirm" => EnrolmentStatus::ToConfirm,
        "subscribed" => EnrolmentStatus::Subscribed,
        "started" => EnrolmentStatus::Started,
        "completed" => EnrolmentStatus::Completed,
        "suspended" => EnrolmentStatus::Suspended,
        "overbooking" => EnrolmentStatus::Overbooking,
        other => {
            return other
                .parse()
                .ok()
                .and_then(|n| EnrolmentStatus::from_code(n).ok());
        }
    })
}

impl CourseCtx<'_> {
    fn err(&self) -> impl Fn(DomainError) -> FormaError + '_ {
        store_error(self.request_id)
    }

    /// The live course named by `course_id` or `course_code`.
    async fn selected(&self, p: &Params) -> Result<Option<Course>, FormaError> {
        if let Some(id) = p.non_empty("course_id").and_then(|t| positive_id(&t)) {
            let course = self.dir.course(CourseId(id)).await.map_err(self.err())?;
            return Ok(course.filter(|c| c.deleted_at.is_none()));
        }
        match p.non_empty("course_code") {
            Some(code) => self.dir.course_by_code(&code).await.map_err(self.err()),
            None => Ok(None),
        }
    }

    fn link(&self, id: CourseId) -> String {
        format!(
            "{}/appLms/index.php?modname=course&op=aula&idCourse={id}",
            self.site
        )
    }

    async fn category_name(&self, course: &Course) -> Result<(i64, String), FormaError> {
        let id = positive_id(&course.category).unwrap_or(0);
        let name = self
            .categories
            .categories()
            .await
            .map_err(self.err())?
            .into_iter()
            .find(|c| c.id == id)
            .map(|c| c.name)
            .unwrap_or_default();
        Ok((id, name))
    }

    async fn course_entry(&self, c: &Course) -> Reply {
        let (category_id, category) = self.category_name(c).await?;
        Ok(map([
            ("course_id", c.id.0.to_string().into()),
            ("code", c.code.clone().into()),
            ("course_name", c.title.clone().into()),
            ("course_description", c.description.clone().into()),
            ("course_box_description", "".into()),
            ("status", "2".into()),
            ("selling", "0".into()),
            ("price", "".into()),
            ("subscribe_method", "2".into()),
            ("course_edition", "0".into()),
            ("course_type", "elearning".into()),
            ("can_subscribe", "1".into()),
            ("sub_start_date", "".into()),
            ("sub_end_date", "".into()),
            ("date_begin", "0000-00-00".into()),
            ("date_end", "0000-00-00".into()),
            ("course_link", self.link(c.id).into()),
            ("img_course", "".into()),
            ("category_id", category_id.to_string().into()),
            ("category", category.into()),
            ("dates", Value::List(Vec::new())),
        ]))
    }
}

/// `courses`: live courses, optionally of one `category` (its id).
pub async fn courses(ctx: &CourseCtx<'_>, p: &Params) -> Reply {
    let all = ctx.dir.list_courses(Page::all()).await.map_err(ctx.err())?;
    let wanted = p.non_empty("category");
    let mut list = Vec::new();
    for course in all
        .iter()
        .filter(|c| wanted.as_deref().is_none_or(|w| c.category == w))
    {
        list.push(ctx.course_entry(course).await?);
    }
    Ok(map([
        ("success", true.into()),
        ("courses", Value::List(list)),
    ]))
}

/// The user and course of a subscription call; Forma's errors for missing ones (§4.3).
async fn subject(ctx: &CourseCtx<'_>, p: &Params) -> Result<(UserId, Course), FormaError> {
    let Some(user) = p.id_field("idst").as_deref().and_then(user_id) else {
        return Err(FormaError::msg("INVALID REQUEST"));
    };
    let exists = ctx.dir.user(user).await.map_err(ctx.err())?.is_some();
    match (exists, ctx.selected(p).await?) {
        (true, Some(course)) => Ok((user, course)),
        _ => Err(FormaError::msg("NO_DATA_FOUND")),
    }
}

/// `addUserSubscription`: enrols at `user_level` (default student); an existing enrolment
/// is left as it is and still answers success, as Forma does.
pub async fn add_subscription(ctx: &CourseCtx<'_>, p: &Params) -> Reply {
    let (user, course) = subject(ctx, p).await?;
    let level = match p.non_empty("user_level") {
        Some(name) => level_from_name(&name).ok_or_else(|| FormaError::msg("INVALID REQUEST"))?,
        None => EnrolmentRole::Student,
    };
    let existing = ctx
        .dir
        .enrolment(user, course.id)
        .await
        .map_err(ctx.err())?;
    if existing.is_none() {
        ctx.dir
            .enrol(user, course.id, level, EnrolmentStatus::Subscribed)
            .await
            .map_err(ctx.err())?;
    }
    Ok(map([
        ("success", true.into()),
        ("message", "User has been subscribed to the course".into()),
    ]))
}

/// `updateUserSubscription`: new level and/or status; `subscribed` is applied (Forma
/// drops status 0, a bug not kept).
pub async fn update_subscription(ctx: &CourseCtx<'_>, p: &Params) -> Reply {
    let (user, course) = subject(ctx, p).await?;
    let Some(current) = ctx
        .dir
        .enrolment(user, course.id)
        .await
        .map_err(ctx.err())?
    else {
        return Err(FormaError::Empty);
    };
    let role = match p.non_empty("user_level") {
        Some(name) => level_from_name(&name).ok_or(FormaError::Empty)?,
        None => current.role,
    };
    let status = match p.non_empty("user_status") {
        Some(name) => status_from_name(&name).ok_or(FormaError::Empty)?,
        None => current.status,
    };
    ctx.dir
        .enrol(user, course.id, role, status)
        .await
        .map_err(ctx.err())?;
    Ok(map([
        ("success", true.into()),
        ("message", "User subscription has been updated".into()),
    ]))
}

/// `deleteUserSubscription`: missing idst or no enrolment is the empty error.
pub async fn delete_subscription(ctx: &CourseCtx<'_>, p: &Params) -> Reply {
    let (user, course) = subject(ctx, p).await.map_err(|_| FormaError::Empty)?;
    if !ctx.dir.unenrol(user, course.id).await.map_err(ctx.err())? {
        return Err(FormaError::Empty);
    }
    Ok(map([
        ("success", true.into()),
        ("message", "User has been removed from the course".into()),
    ]))
}

/// `getUsersSubscription`: a course's enrolments, optionally only `user_ids` (comma list).
pub async fn users_subscription(ctx: &CourseCtx<'_>, p: &Params) -> Reply {
    let Some(course) = ctx.selected(p).await? else {
        return Err(FormaError::msg("NO_DATA_FOUND"));
    };
    let only: Option<Vec<i64>> = p
        .non_empty("user_ids")
        .map(|l| l.split(',').filter_map(positive_id).collect());
    let mut list = Vec::new();
    for e in ctx
        .dir
        .course_enrolments(course.id)
        .await
        .map_err(ctx.err())?
    {
        if only.as_ref().is_some_and(|ids| !ids.contains(&e.user_id.0)) {
            continue;
        }
        let Some(user) = ctx.dir.user(e.user_id).await.map_err(ctx.err())? else {
            continue;
        };
        list.push(map([
            ("id", user.id.0.to_string().into()),
            ("userid", user.username.as_str().into()),
            (
                "fullname",
                format!("{} {}", user.first_name, user.last_name)
                    .trim()
                    .to_owned()
                    .into(),
            ),
            ("level", e.role.level().to_string().into()),
            ("status", e.status.code().to_string().into()),
            ("date_begin", datetime(e.created_at).into()),
            ("date_expire", "".into()),
            (
                "date_begin_timestamp",
                e.created_at.timestamp().to_string().into(),
            ),
            ("date_expire_timestamp", "".into()),
            ("del", "0".into()),
            ("date_complete", "".into()),
        ]));
    }
    Ok(map([
        ("success", true.into()),
        ("courseSubscriptions", Value::List(list)),
    ]))
}

/// `userCourses`: the 4.x shape keyed by user, with a `course_link` to this server (HEAD
/// hard-codes a customer host, §4.2); `filter` = `completed` | `notcompleted` | `notstarted`.
pub async fn user_courses(ctx: &CourseCtx<'_>, p: &Params) -> Reply {
    let ids: Vec<String> = match (p.id_field("idst"), p.non_empty("idsts")) {
        (Some(id), _) => vec![id],
        (None, Some(list)) => list.split(',').map(|s| s.trim().to_owned()).collect(),
        (None, None) => return Err(FormaError::msg("Invalid passed parameter.")),
    };
    let filter = p.non_empty("filter");
    let keep = |e: &Enrolment| match filter.as_deref() {
        Some("completed") => e.status == EnrolmentStatus::Completed,
        Some("notcompleted") => e.status != EnrolmentStatus::Completed,
        Some("notstarted") => e.status == EnrolmentStatus::Subscribed,
        _ => true,
    };
    let mut by_user = Vec::new();
    for raw in ids {
        let Some(uid) = user_id(&raw) else { continue };
        let mut list = Vec::new();
        for e in ctx
            .dir
            .user_enrolments(uid)
            .await
            .map_err(ctx.err())?
            .into_iter()
            .filter(|e| keep(e))
        {
            let Some(course) = ctx.dir.course(e.course_id).await.map_err(ctx.err())? else {
                continue;
            };
            let members = ctx
                .dir
                .course_enrolments(course.id)
                .await
                .map_err(ctx.err())?;
            let waiting = members
                .iter()
                .filter(|m| m.status == EnrolmentStatus::WaitingList)
                .count();
            list.push(map([
                ("course_id", course.id.0.into()),
                ("course_type", "elearning".into()),
                ("course_name", course.title.clone().into()),
                ("course_description", course.description.clone().into()),
                ("course_link", ctx.link(course.id).into()),
                ("user_status", e.status.code().to_string().into()),
                (
                    "numof_associated",
                    i64::try_from(members.len()).unwrap_or(0).into(),
                ),
                ("numof_waiting", i64::try_from(waiting).unwrap_or(0).into()),
                ("id_user", uid.0.into()),
                ("enrolled", i64::try_from(members.len()).unwrap_or(0).into()),
                ("first_lo_type", false.into()),
                ("dates", Value::List(Vec::new())),
            ]));
        }
        by_user.push((uid.0.to_string(), map([("courses", Value::List(list))])));
    }
    Ok(map([
        ("success", true.into()),
        ("courses", Value::Map(by_user)),
    ]))
}

fn course_fields(p: &Params) -> CoursePatch {
    let first = |names: &[&str]| names.iter().find_map(|n| p.text(n));
    CoursePatch {
        title: first(&["course_name"]),
        description: first(&["course_descr", "course_description"]),
        language: first(&["course_lang", "course_language"]),
        category: first(&["course_category_id", "category_id"]),
        ..CoursePatch::default()
    }
}

/// `addCourse`: `course_name` required; `course_code` defaults to a fresh one.
pub async fn add_course(ctx: &CourseCtx<'_>, p: &Params) -> Reply {
    let failed = || FormaError::msg("Creation failed");
    let fields = course_fields(p);
    let title = fields
        .title
        .clone()
        .filter(|t| !t.is_empty())
        .ok_or_else(failed)?;
    let code = p
        .non_empty("course_code")
        .unwrap_or_else(|| format!("C{}", crate::site_secrets::random_hex(8).to_uppercase()));
    let kind = p
        .non_empty("course_type")
        .unwrap_or_else(|| "elearning".into());
    let mut new = NewCourse::new(code, title);
    new.description = fields.description.unwrap_or_default();
    new.language = fields.language.unwrap_or_default();
    new.category = fields.category.unwrap_or_default();
    match ctx.dir.create_course(new).await {
        Ok(course) => Ok(map([
            ("success", true.into()),
            ("message", format!("_ok_course - {kind}").into()),
            ("course_id", course.id.0.into()),
        ])),
        Err(e) if e.is_store_failure() => Err(FormaError::internal(ctx.request_id, &e)),
        Err(_) => Err(failed()),
    }
}

/// `updateCourse`: the fields of `addCourse` on `course_id`.
pub async fn update_course(ctx: &CourseCtx<'_>, p: &Params) -> Reply {
    let raw = p.text("course_id").unwrap_or_default();
    let Some(course) = ctx.selected(p).await? else {
        return Err(FormaError::msg(format!("Course not found:{raw}")));
    };
    ctx.dir
        .update_course(course.id, course_fields(p))
        .await
        .map_err(ctx.err())?;
    Ok(map([
        ("success", true.into()),
        ("course_id", course.id.0.into()),
    ]))
}

/// `deleteCourse`: soft-deletes; unknown → `Course not found:<id>`.
pub async fn delete_course(ctx: &CourseCtx<'_>, p: &Params) -> Reply {
    let raw = p.text("course_id").unwrap_or_default();
    let Some(course) = ctx.selected(p).await? else {
        return Err(FormaError::msg(format!("Course not found:{raw}")));
    };
    match ctx.dir.delete_course(course.id).await {
        Ok(()) => Ok(map([
            ("success", true.into()),
            ("course_id", course.id.0.into()),
        ])),
        Err(e) if e.is_store_failure() => Err(FormaError::internal(ctx.request_id, &e)),
        Err(_) => Err(FormaError::msg("Delete Failed")),
    }
}

/// `addCategory`: `name` under `category_id` (0 or absent = root).
pub async fn add_category(ctx: &CourseCtx<'_>, p: &Params) -> Reply {
    let Some(name) = p.non_empty("name") else {
        return Err(FormaError::msg("Wrong parameters"));
    };
    let parent = p.non_empty("category_id").map_or(Some(0), |t| {
        t.trim().parse::<i64>().ok().filter(|n| *n >= 0)
    });
    let Some(parent) = parent else {
        return Err(FormaError::msg("Wrong parameters"));
    };
    if parent > 0 {
        let all = ctx.categories.categories().await.map_err(ctx.err())?;
        if !all.iter().any(|c| c.id == parent) {
            return Err(FormaError::msg("Cannot create category"));
        }
    }
    let category = ctx
        .categories
        .add_category(parent, &name)
        .await
        .map_err(ctx.err())?;
    Ok(map([
        ("success", true.into()),
        ("category_id", category.id.into()),
        ("parent_category_id", category.parent_id.into()),
    ]))
}

/// `getCategories`: every category, ordered by id.
pub async fn get_categories(ctx: &CourseCtx<'_>) -> Reply {
    let list = ctx
        .categories
        .categories()
        .await
        .map_err(ctx.err())?
        .into_iter()
        .map(|c| {
            map([
                ("category_id", c.id.into()),
                ("parent_category_id", c.parent_id.into()),
                ("name", c.name.into()),
            ])
        })
        .collect();
    Ok(map([
        ("success", true.into()),
        ("categories", Value::List(list)),
    ]))
}
