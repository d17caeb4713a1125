//! Moving an install between databases: [`SqlStore::export_to`] writes every row as JSON
//! lines, [`SqlStore::import_from`] reads them into another (freshly migrated) database of
//! either engine.
//!
//! The format, one JSON object a line:
//! - first a header, `{"kind":"gatehouse-export","format":1,"schema_version":N,"engine":…,
//!   "exported_at":…,"master_key_check":…}`;
//! - then one line per row, `{"kind":"<table>","row":{"<column>":value,…}}`, tables in
//!   [`TABLES`] order (parents before children), values as integers, strings or null,
//!   exactly as stored: password hashes as hashes, secrets still sealed under the master key
//!   (their associated data names the credential or site secret, not the database, so they
//!   open anywhere the same key is used);
//! - last `{"kind":"end","rows":N}`, so a truncated stream is refused rather than half read.
//!
//! The rows are copied, ids included, so every dialect's rendering of an id (Chamilo
//! `user_id`, Forma `idst`, coreBOS `19x<id>`) stays the same after the move.

use std::io::{BufRead, Write};

use serde_json::{Map, Value, json};
use sqlx::any::AnyRow;
use sqlx::{Any, Column, Row, Transaction, ValueRef};

use crate::error::reason;
use crate::store::{Engine, MASTER_KEY_CHECK, MASTER_KEY_CHECK_AAD, MASTER_KEY_CHECK_VALUE};
use crate::{SqlStore, StoreError};

/// The version of the export format; an import refuses any other.
pub const EXPORT_FORMAT: i64 = 1;

/// The `kind` of the header line.
const HEADER_KIND: &str = "gatehouse-export";
/// The `kind` of the last line.
const END_KIND: &str = "end";
/// Rows read per query while exporting.
const PAGE: i64 = 1000;

/// One table of the export: its name, the columns that order it (its primary key) and
/// whether its `id` comes from an auto-increment that PostgreSQL must be told about.
struct Table {
    name: &'static str,
    order_by: &'static str,
    identity: bool,
}

const fn table(name: &'static str, order_by: &'static str, identity: bool) -> Table {
    Table {
        name,
        order_by,
        identity,
    }
}

/// Every table of the schema but the runner's `schema_migrations` and `store_meta` (whose
/// one row, the master-key check, travels in the header), parents before children.
/// A unit test fails when a migration adds a table that is missing here.
const TABLES: &[Table] = &[
    table("users", "id", true),
    table("external_ids", "entity_kind, entity_id, name", false),
    table("extra_fields", "id", true),
    table("extra_values", "field_id, entity_id", false),
    table("course_categories", "id", true),
    table("courses", "id", true),
    table("enrolments", "user_id, course_id", false),
    table("credentials", "id", true),
    table("site_secrets", "name", false),
    table("course_sessions", "id", true),
    table("session_users", "session_id, user_id", false),
    table("session_courses", "session_id, course_id", false),
    table("course_descriptions", "course_id, kind", false),
    table("crm_records", "id", true),
    table("pbx_queues", "id", true),
    table("pbx_queue_members", "queue_id, interface", false),
    table("pbx_calls", "id", true),
    table("pbx_sounds", "id", true),
    table("pbx_extensions", "user_id", false),
    table("sessions", "id_hash", false),
    table("challenges", "id", true),
    table("forma_rest_tokens", "user_id", false),
    table("single_use_markers", "scope, key_hash", false),
    table("wildix_replay", "token_hash", false),
    table("lockouts", "subject_kind, subject_key", false),
    table("audit_events", "id", true),
];

/// What an export or import moved: rows per table, in [`TABLES`] order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransferSummary {
    /// `(table, rows written)`; for an import, rows already present are not counted.
    pub written: Vec<(&'static str, u64)>,
    /// Rows an import skipped because the target already had a row with the same key.
    pub skipped: u64,
}

impl TransferSummary {
    /// Rows written in all.
    pub fn total(&self) -> u64 {
        self.written.iter().map(|(_, n)| n).sum()
    }

    fn add(&mut self, table: &'static str) {
        match self.written.iter_mut().find(|(name, _)| *name == table) {
            Some((_, n)) => *n += 1,
            None => self.written.push((table, 1)),
        }
    }
}

/// How an import treats a database that already holds rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImportMode {
    /// Refuse unless every exported table is empty (the safe default).
    #[default]
    EmptyOnly,
    /// Import anyway; a row whose key is already present is kept as it is and counted as
    /// skipped, so importing the same export twice changes nothing the second time.
    Merge,
}

/// One line of an export: its number (from 1) and its object.
type Line = (usize, Map<String, Value>);

fn transfer_error(reason: impl Into<String>) -> StoreError {
    StoreError::Transfer(reason.into())
}

impl SqlStore {
    /// Writes every row of the database to `out` as JSON lines (see the module docs), from
    /// one consistent snapshot.
    pub async fn export_to(&self, out: &mut dyn Write) -> Result<TransferSummary, StoreError> {
        let query_error = |e: sqlx::Error| transfer_error(format!("export: {}", reason(&e)));
        let io_error = |e: std::io::Error| transfer_error(format!("export: writing: {e}"));
        let mut tx = match self.engine {
            // A snapshot, so rows written meanwhile by a running instance cannot tear it.
            Engine::Postgres => {
                self.pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await
            }
            Engine::Sqlite => self.pool.begin().await,
        }
        .map_err(query_error)?;
        let check: String = sqlx::query("SELECT value FROM store_meta WHERE name = $1")
            .bind(MASTER_KEY_CHECK)
            .fetch_optional(&mut *tx)
            .await
            .map_err(query_error)?
            .map(|row| row.try_get("value"))
            .transpose()
            .map_err(query_error)?
            .ok_or_else(|| transfer_error("export: the database has no master-key check; run gatehouse admin migrate first"))?;
        let version: i64 = sqlx::query("SELECT MAX(version) AS version FROM schema_migrations")
            .fetch_one(&mut *tx)
            .await
            .map_err(query_error)?
            .try_get::<Option<i64>, _>("version")
            .map_err(query_error)?
            .unwrap_or(0);
        let header = json!({
            "kind": HEADER_KIND,
            "format": EXPORT_FORMAT,
            "schema_version": version,
            "engine": self.engine(),
            "exported_at": chrono::Utc::now().to_rfc3339(),
            "master_key_check": check,
        });
        writeln!(out, "{header}").map_err(io_error)?;
        let mut summary = TransferSummary::default();
        for table in TABLES {
            summary.written.push((table.name, 0));
            let mut offset = 0;
            loop {
                let rows = sqlx::query(&format!(
                    "SELECT * FROM {} ORDER BY {} LIMIT {PAGE} OFFSET {offset}",
                    table.name, table.order_by
                ))
                .fetch_all(&mut *tx)
                .await
                .map_err(query_error)?;
                for row in &rows {
                    let line =
                        json!({"kind": table.name, "row": row_to_json(row).map_err(query_error)?});
                    writeln!(out, "{line}").map_err(io_error)?;
                    summary.add(table.name);
                }
                if (rows.len() as i64) < PAGE {
                    break;
                }
                offset += PAGE;
            }
        }
        writeln!(
            out,
            "{}",
            json!({"kind": END_KIND, "rows": summary.total()})
        )
        .map_err(io_error)?;
        out.flush().map_err(io_error)?;
        tx.rollback().await.map_err(query_error)?;
        Ok(summary)
    }

    /// Reads an export (see the module docs) from `input` into this database, all in one
    /// transaction: on any error nothing is written.
    ///
    /// Refuses an export sealed under another master key (its secrets could not be
    /// opened here), one made by a newer schema, a stream cut short, and — with
    /// [`ImportMode::EmptyOnly`] — a database that already holds rows.
    pub async fn import_from(
        &self,
        input: &mut dyn BufRead,
        mode: ImportMode,
    ) -> Result<TransferSummary, StoreError> {
        let mut lines = input.lines().enumerate();
        let mut next = || -> Result<Option<Line>, StoreError> {
            let Some((index, line)) = lines.next() else {
                return Ok(None);
            };
            let number = index + 1;
            let line = line.map_err(|e| transfer_error(format!("import: line {number}: {e}")))?;
            match serde_json::from_str::<Value>(&line) {
                Ok(Value::Object(object)) => Ok(Some((number, object))),
                Ok(_) => Err(transfer_error(format!(
                    "import: line {number}: not a JSON object"
                ))),
                Err(e) => Err(transfer_error(format!("import: line {number}: {e}"))),
            }
        };
        let (_, header) = next()?.ok_or_else(|| transfer_error("import: the input is empty"))?;
        self.check_header(&header)?;

        let query_error = |e: sqlx::Error| transfer_error(format!("import: {}", reason(&e)));
        let mut tx = self
            .write_tx()
            .await
            .map_err(|e| transfer_error(format!("import: {e}")))?;
        if mode == ImportMode::EmptyOnly {
            for table in TABLES {
                let row = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {}", table.name))
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(query_error)?;
                let n: i64 = row.try_get("n").map_err(query_error)?;
                if n > 0 {
                    return Err(transfer_error(format!(
                        "import: {} is not empty (table {} has {n} rows); import into a freshly migrated database, or pass --merge to keep existing rows and add the rest",
                        self.url(),
                        table.name
                    )));
                }
            }
        }
        let mut summary = TransferSummary::default();
        let mut ended = false;
        while let Some((number, object)) = next()? {
            if ended {
                return Err(transfer_error(format!(
                    "import: line {number}: data after the end line"
                )));
            }
            let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
            if kind == END_KIND {
                let expected = object.get("rows").and_then(Value::as_u64);
                let read = summary.total() + summary.skipped;
                if expected != Some(read) {
                    return Err(transfer_error(format!(
                        "import: line {number}: the end line announces {expected:?} rows, {read} were read"
                    )));
                }
                ended = true;
                continue;
            }
            let table = TABLES.iter().find(|t| t.name == kind).ok_or_else(|| {
                transfer_error(format!("import: line {number}: unknown kind {kind:?}"))
            })?;
            let Some(Value::Object(row)) = object.get("row") else {
                return Err(transfer_error(format!(
                    "import: line {number}: no \"row\" object"
                )));
            };
            let inserted = insert_row(&mut tx, table.name, row)
                .await
                .map_err(|e| transfer_error(format!("import: line {number} ({kind}): {e}")))?;
            if inserted {
                summary.add(table.name);
            } else {
                summary.skipped += 1;
            }
        }
        if !ended {
            return Err(transfer_error(
                "import: the input ends without its end line (cut short?); nothing was imported",
            ));
        }
        if self.engine == Engine::Postgres {
            // Explicit ids do not advance PostgreSQL's identity sequences: move each past
            // the largest id, so the next row created gets a fresh one.
            for table in TABLES.iter().filter(|t| t.identity) {
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence('{0}', 'id'), \
                     COALESCE((SELECT MAX(id) FROM {0}), 0) + 1, false)",
                    table.name
                ))
                .execute(&mut *tx)
                .await
                .map_err(query_error)?;
            }
        }
        tx.commit().await.map_err(query_error)?;
        Ok(summary)
    }

    /// Checks an export's header: the format, the schema version and the master key.
    fn check_header(&self, header: &Map<String, Value>) -> Result<(), StoreError> {
        if header.get("kind").and_then(Value::as_str) != Some(HEADER_KIND) {
            return Err(transfer_error(
                "import: the first line is not a gatehouse export header (made by gatehouse admin export?)",
            ));
        }
        let format = header.get("format").and_then(Value::as_i64);
        if format != Some(EXPORT_FORMAT) {
            return Err(transfer_error(format!(
                "import: export format {format:?} is not the format {EXPORT_FORMAT} this gatehouse reads"
            )));
        }
        let version = header
            .get("schema_version")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        if version > crate::migrate::latest_version() {
            return Err(transfer_error(format!(
                "import: the export comes from schema version {version}, newer than this gatehouse ({}); upgrade gatehouse first",
                crate::migrate::latest_version()
            )));
        }
        let check = header
            .get("master_key_check")
            .and_then(Value::as_str)
            .unwrap_or("");
        match self.sealer.open(MASTER_KEY_CHECK_AAD, check) {
            Ok(value) if value == MASTER_KEY_CHECK_VALUE => Ok(()),
            _ => Err(transfer_error(
                "master key: the export's secrets were sealed under another master key; run the import with the source install's key (GATEHOUSE_MASTER_KEY or its master.key)",
            )),
        }
    }
}

/// One row as a JSON object of its columns: integers, strings or null.
fn row_to_json(row: &AnyRow) -> Result<Map<String, Value>, sqlx::Error> {
    let mut object = Map::new();
    for (i, column) in row.columns().iter().enumerate() {
        let value = if row.try_get_raw(i)?.is_null() {
            Value::Null
        } else if let Ok(n) = row.try_get::<i64, _>(i) {
            Value::from(n)
        } else {
            Value::from(row.try_get::<String, _>(i)?)
        };
        object.insert(column.name().to_owned(), value);
    }
    Ok(object)
}

/// Inserts one exported row; `false` if a row with the same key was already there.
async fn insert_row(
    tx: &mut Transaction<'static, Any>,
    table: &str,
    row: &Map<String, Value>,
) -> Result<bool, String> {
    let mut columns = Vec::with_capacity(row.len());
    let mut values = Vec::with_capacity(row.len());
    let mut binds: Vec<&Value> = Vec::new();
    for (column, value) in row {
        if column.is_empty()
            || !column
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit())
        {
            return Err(format!("column name {column:?} is not one of gatehouse's"));
        }
        columns.push(column.as_str());
        match value {
            // A literal NULL: PostgreSQL would refuse a NULL bound as text in a BIGINT column.
            Value::Null => values.push("NULL".to_owned()),
            Value::Number(_) | Value::String(_) => {
                binds.push(value);
                values.push(format!("${}", binds.len()));
            }
            other => {
                return Err(format!(
                    "column {column}: {other} is not an integer, a string or null"
                ));
            }
        }
    }
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES ({}) ON CONFLICT DO NOTHING",
        columns.join(", "),
        values.join(", ")
    );
    let mut query = sqlx::query::<Any>(&sql).persistent(false);
    for value in binds {
        query = match value {
            Value::String(text) => query.bind(text.clone()),
            Value::Number(n) => query.bind(
                n.as_i64()
                    .ok_or_else(|| format!("{n} is not a 64-bit integer"))?,
            ),
            _ => unreachable!("only strings and numbers are bound"),
        };
    }
    let done = query.execute(&mut **tx).await.map_err(|e| reason(&e))?;
    Ok(done.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MasterKey, StoreOptions};

    #[tokio::test]
    async fn every_table_of_the_schema_is_exported() {
        let store = SqlStore::connect(
            &StoreOptions::with_url("sqlite::memory:"),
            MasterKey::generate(),
        )
        .await
        .unwrap();
        store.migrate().await.unwrap();
        let rows = sqlx::query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .fetch_all(&store.pool)
        .await
        .unwrap();
        let mut schema: Vec<String> = rows.iter().map(|r| r.get::<String, _>("name")).collect();
        schema.retain(|name| name != "schema_migrations" && name != "store_meta");
        let mut exported: Vec<String> = TABLES.iter().map(|t| t.name.to_owned()).collect();
        exported.sort();
        assert_eq!(
            exported, schema,
            "a table is missing from (or extra in) transfer::TABLES"
        );
    }
}
