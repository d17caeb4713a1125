//! Bulk seeding for benchmarks (`gatehouse admin seed --users N`, D11): users, their
//! external ids, courses and enrolments, in multi-row statements inside large transactions.

use gatehouse_domain::{DomainError, PasswordHash, Username};

use crate::SqlStore;
use crate::error::db;
use crate::rows::{now, to_micros};

/// Users per INSERT statement: two parameters each, far below both engines' limits.
const ROWS_PER_STATEMENT: u64 = 500;
/// Statements per transaction: large transactions amortise the commit's fsync.
const STATEMENTS_PER_TRANSACTION: u64 = 100;

/// `INSERT ... VALUES` for `rows` users; `$1` is the shared password, `$2` the shared time.
fn insert_sql(rows: u64) -> String {
    let mut sql = String::from(
        "INSERT INTO users (username, username_folded, password, created_at, updated_at) VALUES ",
    );
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        let p = 3 + 2 * i;
        sql.push_str(&format!("(${}, ${}, $1, $2, $2)", p, p + 1));
    }
    sql.push_str(" ON CONFLICT (username_folded) DO NOTHING");
    sql
}

impl SqlStore {
    /// Creates `count` active students named `<prefix>1` … `<prefix><count>`, all with the
    /// same `password` hash; names that exist already are skipped. Returns how many were created.
    /// For benchmarks: multi-row INSERTs in large transactions, fast enough for a million users.
    pub async fn seed_users(
        &self,
        prefix: &str,
        count: u64,
        password: Option<PasswordHash>,
    ) -> Result<u64, DomainError> {
        if count == 0 {
            return Ok(0);
        }
        let longest = format!("{prefix}{count}");
        if Username::parse(&longest)?.as_str() != longest {
            return Err(DomainError::invalid(
                "prefix",
                "must not start or end with whitespace",
            ));
        }
        let password = password.as_ref().map(PasswordHash::to_stored);
        let at = to_micros(now());
        let full_sql = insert_sql(ROWS_PER_STATEMENT);
        let mut created = 0;
        let mut next = 1;
        while next <= count {
            let mut tx = self.write_tx().await?;
            for _ in 0..STATEMENTS_PER_TRANSACTION {
                if next > count {
                    break;
                }
                let rows = ROWS_PER_STATEMENT.min(count - next + 1);
                let partial_sql;
                let sql = if rows == ROWS_PER_STATEMENT {
                    &full_sql
                } else {
                    partial_sql = insert_sql(rows);
                    &partial_sql
                };
                let mut query = sqlx::query(sql).bind(password.clone()).bind(at);
                for n in next..next + rows {
                    let name = format!("{prefix}{n}");
                    let folded = name.to_ascii_lowercase();
                    query = query.bind(name).bind(folded);
                }
                created += query.execute(&mut *tx).await.map_err(db)?.rows_affected();
                next += rows;
            }
            tx.commit().await.map_err(db)?;
        }
        Ok(created)
    }

    /// Gives every user `<prefix>1` … `<prefix><count>` the external id `name` whose value is
    /// the username, so Chamilo SOAP's `WSGetUser` finds seeded users; users that have one
    /// already keep it. Returns how many were added. For benchmarks.
    pub async fn seed_external_ids(
        &self,
        prefix: &str,
        count: u64,
        name: &str,
    ) -> Result<u64, DomainError> {
        let mut added = 0;
        let mut next = 1;
        while next <= count {
            let mut tx = self.write_tx().await?;
            for _ in 0..STATEMENTS_PER_TRANSACTION {
                if next > count {
                    break;
                }
                let rows = ROWS_PER_STATEMENT.min(count - next + 1);
                let mut sql = String::from(
                    "INSERT INTO external_ids (entity_kind, entity_id, name, value) \
                     SELECT 'user', id, $1, username FROM users WHERE username_folded IN (",
                );
                push_placeholders(&mut sql, 2, rows);
                sql.push_str(") ON CONFLICT DO NOTHING");
                let mut query = sqlx::query(&sql).bind(name.to_owned());
                for n in next..next + rows {
                    query = query.bind(format!("{prefix}{n}").to_ascii_lowercase());
                }
                added += query.execute(&mut *tx).await.map_err(db)?.rows_affected();
                next += rows;
            }
            tx.commit().await.map_err(db)?;
        }
        Ok(added)
    }

    /// Creates `count` courses coded `<prefix>1` … `<prefix><count>` (title = code); codes
    /// taken by a live course are skipped. Returns how many were created. For benchmarks.
    pub async fn seed_courses(&self, prefix: &str, count: u64) -> Result<u64, DomainError> {
        if prefix.trim().is_empty() {
            return Err(DomainError::invalid("prefix", "must not be empty"));
        }
        let at = to_micros(now());
        let mut created = 0;
        let mut next = 1;
        let mut tx = self.write_tx().await?;
        while next <= count {
            let rows = ROWS_PER_STATEMENT.min(count - next + 1);
            let mut sql =
                String::from("INSERT INTO courses (code, title, created_at, updated_at) VALUES ");
            for i in 0..rows {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("(${0}, ${0}, $1, $1)", i + 2));
            }
            sql.push_str(" ON CONFLICT (code) WHERE deleted_at IS NULL DO NOTHING");
            let mut query = sqlx::query(&sql).bind(at);
            for n in next..next + rows {
                query = query.bind(format!("{prefix}{n}"));
            }
            created += query.execute(&mut *tx).await.map_err(db)?.rows_affected();
            next += rows;
        }
        tx.commit().await.map_err(db)?;
        Ok(created)
    }

    /// Enrols seeded users in seeded courses as students: enrolment `i` (from 0) puts user
    /// `<user_prefix>{i % users + 1}` in course `<course_prefix>{(i % users + i / users) % courses + 1}`,
    /// so every user gets distinct courses and the courses fill evenly. Pairs that exist (or
    /// whose user or course is missing) are skipped. Returns how many were added. For benchmarks.
    pub async fn seed_enrolments(
        &self,
        user_prefix: &str,
        users: u64,
        course_prefix: &str,
        courses: u64,
        count: u64,
    ) -> Result<u64, DomainError> {
        if count == 0 {
            return Ok(0);
        }
        if users == 0 || courses == 0 || count > users.saturating_mul(courses) {
            return Err(DomainError::invalid(
                "enrolments",
                format!(
                    "{count} enrolments need at least that many user-course pairs ({users} users × {courses} courses)"
                ),
            ));
        }
        let at = to_micros(now());
        let mut added = 0;
        let mut next = 0;
        while next < count {
            let mut tx = self.write_tx().await?;
            for _ in 0..STATEMENTS_PER_TRANSACTION {
                if next >= count {
                    break;
                }
                let rows = ROWS_PER_STATEMENT.min(count - next);
                // The pairs come in as a VALUES list joined to both tables through their
                // unique indexes; `WHERE 1 = 1` lets SQLite parse the trailing ON CONFLICT.
                let mut sql = String::from("WITH pairs (uname, code) AS (VALUES ");
                for i in 0..rows {
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    let p = 2 + 2 * i;
                    sql.push_str(&format!("(${}, ${})", p, p + 1));
                }
                sql.push_str(
                    ") INSERT INTO enrolments (user_id, course_id, role, status, created_at) \
                     SELECT u.id, c.id, 3, 0, $1 FROM pairs p \
                     JOIN users u ON u.username_folded = p.uname \
                     JOIN courses c ON c.code = p.code AND c.deleted_at IS NULL \
                     WHERE 1 = 1 ON CONFLICT DO NOTHING",
                );
                let mut query = sqlx::query(&sql).bind(at);
                for i in next..next + rows {
                    let user = i % users;
                    let course = (user + i / users) % courses;
                    query = query
                        .bind(format!("{user_prefix}{}", user + 1).to_ascii_lowercase())
                        .bind(format!("{course_prefix}{}", course + 1));
                }
                added += query.execute(&mut *tx).await.map_err(db)?.rows_affected();
                next += rows;
            }
            tx.commit().await.map_err(db)?;
        }
        Ok(added)
    }
}

/// Appends `$first, $first+1, …` (`count` placeholders) to `sql`.
fn push_placeholders(sql: &mut String, first: u64, count: u64) {
    for i in 0..count {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("${}", first + i));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_statements_share_the_password_and_time_parameters() {
        assert_eq!(
            insert_sql(2),
            "INSERT INTO users (username, username_folded, password, created_at, updated_at) \
             VALUES ($3, $4, $1, $2, $2), ($5, $6, $1, $2, $2) ON CONFLICT (username_folded) DO NOTHING"
        );
    }
}
