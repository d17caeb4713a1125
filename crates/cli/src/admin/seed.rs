//! `gatehouse admin seed`: bulk users, courses and enrolments for benchmarks (D11).

use clap::Args;
use gatehouse_domain::PasswordPolicy;

use super::Admin;

/// Options of `gatehouse admin seed`.
#[derive(Debug, Args)]
#[command(
    long_about = "Bulk-creates numbered users (and optionally courses and enrolments) straight in \
the configured database, for benchmarks only: every seeded user shares ONE precomputed Argon2id \
hash of --password, and each gets the external id `seed_id` = its username (for Chamilo's \
WSGetUser). Names that exist already are skipped, so running it twice adds nothing."
)]
pub struct SeedArgs {
    /// How many users: `<prefix>1` … `<prefix>N`.
    #[arg(long, value_name = "N")]
    pub users: u64,
    /// How many enrolments of seeded users in seeded courses (as students).
    #[arg(long, value_name = "M", default_value_t = 0)]
    pub enrolments: u64,
    /// How many courses: `<PREFIX>1` … (default: 100 when --enrolments is given, else 0).
    #[arg(long, value_name = "C")]
    pub courses: Option<u64>,
    /// Username prefix; courses use it in upper case.
    #[arg(long, default_value = "bench")]
    pub prefix: String,
    /// The password every seeded user shares (hashed once).
    #[arg(long, default_value = "bench-password")]
    pub password: String,
}

/// The external id every seeded user gets, valued with its username.
pub const SEED_ID: &str = "seed_id";

/// Runs `gatehouse admin seed`.
pub async fn run(admin: &Admin, args: SeedArgs) -> anyhow::Result<()> {
    let courses = args
        .courses
        .unwrap_or(if args.enrolments > 0 { 100 } else { 0 });
    let started = std::time::Instant::now();
    // One hash for everyone: hashing a million passwords would take hours (D11).
    let hash = PasswordPolicy::default().hash(&args.password)?;
    let store = &admin.store;
    let course_prefix = args.prefix.to_ascii_uppercase();
    let operation = format!(
        "seed users={} courses={courses} enrolments={}",
        args.users, args.enrolments
    );
    let (users, external_ids, created_courses, enrolments) = admin
        .audited(operation, async {
            let users = store
                .seed_users(&args.prefix, args.users, Some(hash))
                .await?;
            let external_ids = store
                .seed_external_ids(&args.prefix, args.users, SEED_ID)
                .await?;
            let created_courses = store.seed_courses(&course_prefix, courses).await?;
            let enrolments = store
                .seed_enrolments(
                    &args.prefix,
                    args.users,
                    &course_prefix,
                    courses,
                    args.enrolments,
                )
                .await?;
            Ok((users, external_ids, created_courses, enrolments))
        })
        .await?;
    let seconds = started.elapsed().as_secs_f64();
    admin.out.done(
        &format!(
            "seeded {users} users, {external_ids} external ids, {created_courses} courses and \
             {enrolments} enrolments in {seconds:.1} s"
        ),
        serde_json::json!({
            "users": users,
            "external_ids": external_ids,
            "courses": created_courses,
            "enrolments": enrolments,
            "seconds": seconds,
        }),
    )
}
