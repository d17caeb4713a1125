//! `gatehouse admin course ...` and `gatehouse admin enrol`.

use anyhow::anyhow;
use clap::{Args, Subcommand};
use gatehouse_domain::{Course, EnrolmentRole, EnrolmentStatus, NewCourse, Page};

use super::Admin;
use super::output::when;

/// `gatehouse admin course` verbs.
#[derive(Debug, Subcommand)]
pub enum CourseCommand {
    /// Create a course.
    Add {
        /// Unique course code.
        code: String,
        /// Title.
        #[arg(long)]
        title: String,
        /// Category.
        #[arg(long, default_value = "")]
        category: String,
        /// Language (e.g. english).
        #[arg(long, default_value = "english")]
        language: String,
    },
    /// List live courses.
    List,
    /// Show one course with its enrolments.
    Show {
        /// Course code.
        code: String,
    },
}

/// Options of `gatehouse admin enrol`.
#[derive(Debug, Args)]
pub struct EnrolArgs {
    /// Login name.
    pub username: String,
    /// Course code.
    pub course_code: String,
    /// Role in the course: guest, ghost, student, tutor, mentor, instructor, administrator (or 1–7).
    #[arg(long, default_value = "student")]
    pub role: String,
}

async fn find(admin: &Admin, code: &str) -> anyhow::Result<Course> {
    admin
        .store()
        .course_by_code(code)
        .await?
        .ok_or_else(|| anyhow!("course {code:?} not found"))
}

/// Runs one course verb.
pub async fn run(admin: &Admin, command: CourseCommand) -> anyhow::Result<()> {
    let store = admin.store();
    match command {
        CourseCommand::Add {
            code,
            title,
            category,
            language,
        } => {
            let operation = format!("course add {code}");
            let mut new = NewCourse::new(code, title);
            new.category = category;
            new.language = language;
            let course = admin
                .audited(operation, async { Ok(store.create_course(new).await?) })
                .await?;
            print_course(admin, &course).await
        }
        CourseCommand::List => {
            let courses = store.list_courses(Page::all()).await?;
            admin.out.list(
                &courses,
                &["ID", "CODE", "TITLE", "CATEGORY", "LANGUAGE", "VISIBILITY"],
                |c| {
                    vec![
                        c.id.to_string(),
                        c.code.clone(),
                        c.title.clone(),
                        c.category.clone(),
                        c.language.clone(),
                        c.visibility.as_str().to_owned(),
                    ]
                },
            )
        }
        CourseCommand::Show { code } => {
            let course = find(admin, &code).await?;
            print_course(admin, &course).await
        }
    }
}

async fn print_course(admin: &Admin, course: &Course) -> anyhow::Result<()> {
    let enrolments = admin.store().course_enrolments(course.id).await?;
    let mut members = Vec::new();
    for e in &enrolments {
        let name = admin
            .store()
            .user(e.user_id)
            .await?
            .map(|u| u.username.to_string())
            .unwrap_or_else(|| e.user_id.to_string());
        members.push((name, e.role.as_str()));
    }
    let json = serde_json::json!({
        "course": course,
        "enrolments": members.iter().map(|(u, r)| serde_json::json!({"username": u, "role": r})).collect::<Vec<_>>(),
    });
    let mut fields = vec![
        ("id", course.id.to_string()),
        ("code", course.code.clone()),
        ("title", course.title.clone()),
        ("category", course.category.clone()),
        ("language", course.language.clone()),
        ("visibility", course.visibility.as_str().to_owned()),
        ("created", when(Some(course.created_at))),
    ];
    for (user, role) in &members {
        fields.push(("enrolled", format!("{user} ({role})")));
    }
    admin.out.record(&json, fields)
}

/// Enrols a user in a course.
pub async fn enrol(admin: &Admin, args: EnrolArgs) -> anyhow::Result<()> {
    let operation = format!("enrol {} {}", args.username, args.course_code);
    let (user, course, enrolment) = admin
        .audited(operation, async {
            let user = super::user::find(admin, &args.username).await?;
            let course = find(admin, &args.course_code).await?;
            let role = EnrolmentRole::parse(&args.role)?;
            let enrolment = admin
                .store()
                .enrol(user.id, course.id, role, EnrolmentStatus::Subscribed)
                .await?;
            Ok((user, course, enrolment))
        })
        .await?;
    admin.out.done(
        &format!(
            "enrolled {} in {} as {}",
            user.username,
            course.code,
            enrolment.role.as_str()
        ),
        serde_json::json!({"ok": true, "username": user.username.as_str(), "course": course.code, "role": enrolment.role.as_str()}),
    )
}
