//! Bulk seeding for benchmarks (`gatehouse admin seed --users N`, D11).

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
