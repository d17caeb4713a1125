//! `gatehouse admin export` and `gatehouse admin import`: moving an install between
//! databases (SQLite to PostgreSQL, or a server to another) as JSON lines.
//!
//! The format is the store's (see `gatehouse_store::SqlStore::export_to`): a header line
//! with the format version and a master-key check, one line per row with a `kind` naming
//! its table, and an end line with the row count. Secrets stay sealed under the master
//! key, so the import must run with the same `GATEHOUSE_MASTER_KEY` (or `master.key`).

use std::io::Write;

use clap::Args;
use gatehouse_store::{ImportMode, TransferSummary};

use super::Admin;

/// Options of `gatehouse admin import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Import into a database that already holds rows: rows whose key is already present
    /// are kept as they are (so importing the same export twice changes nothing).
    #[arg(long)]
    pub merge: bool,
}

/// Writes the whole database to stdout; the summary goes to stderr.
pub async fn export(admin: &Admin) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let summary = admin.store.export_to(&mut out).await?;
    out.flush()?;
    drop(out);
    eprintln!(
        "exported {} rows from {} ({})",
        summary.total(),
        admin.store.url(),
        admin.store.engine()
    );
    Ok(())
}

/// Reads an export from stdin into the configured database, in one transaction.
pub async fn import(admin: &Admin, args: ImportArgs) -> anyhow::Result<()> {
    let mode = if args.merge {
        ImportMode::Merge
    } else {
        ImportMode::EmptyOnly
    };
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let summary = admin
        .audited("import".to_owned(), async {
            Ok(admin.store.import_from(&mut input, mode).await?)
        })
        .await?;
    admin.out.done(
        &describe(&summary, admin.store.url()),
        serde_json::json!({
            "ok": true,
            "engine": admin.store.engine(),
            "imported": summary.total(),
            "skipped": summary.skipped,
            "tables": summary.written.iter().map(|(t, n)| (t.to_string(), serde_json::Value::from(*n))).collect::<serde_json::Map<_, _>>(),
        }),
    )
}

fn describe(summary: &TransferSummary, url: &str) -> String {
    let mut text = format!("imported {} rows into {url}", summary.total());
    if summary.skipped > 0 {
        text.push_str(&format!(
            " ({} already present, kept as they were)",
            summary.skipped
        ));
    }
    text
}
