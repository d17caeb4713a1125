//! The markdown tables of a run, the targets of issue #10, and rewriting the table section
//! of bench/RESULTS.md.

use crate::Options;
use crate::load::Stats;
use crate::scenarios::KEY_CHECKED;

/// NuSOAP's `WSGetUser`-like call with a key check, on one core (issue #10).
const NUSOAP_RPS: f64 = 1_700.0;

/// One scenario's figures.
#[derive(Debug, Clone)]
pub struct Row {
    /// Scenario name.
    pub scenario: String,
    /// What was measured.
    pub stats: Stats,
    /// Ratio to the baseline of the same run (filled in by [`Report::push`]).
    pub ratio: Option<f64>,
    /// For the flood: logins/s of the flood.
    pub flood_logins: Option<f64>,
    /// For the flood: the read's rate without the flood.
    pub alone: Option<f64>,
    /// Server CPU time per successful request, in microseconds (all threads).
    pub cpu_us: Option<f64>,
}

impl Row {
    /// A row for `stats`.
    pub fn new(scenario: &str, stats: Stats) -> Self {
        Self {
            scenario: scenario.to_owned(),
            stats,
            ratio: None,
            flood_logins: None,
            alone: None,
            cpu_us: None,
        }
    }

    /// The target of issue #10 and whether it is met.
    fn target(&self) -> (String, Option<bool>) {
        let rate = self.stats.rate();
        let name = self.scenario.as_str();
        if KEY_CHECKED.contains(&name) {
            let ratio = self.ratio.unwrap_or(0.0);
            let mut target = "≥ 0.5 × healthz and ≥ 15,000/s".to_owned();
            let mut met = ratio >= 0.5 && rate >= 15_000.0;
            if name == "chamilo-soap-getuser" {
                target.push_str(&format!(
                    " and ≥ 10 × NuSOAP ({})",
                    thousands(10.0 * NUSOAP_RPS)
                ));
                met &= rate >= 10.0 * NUSOAP_RPS;
            }
            return (target, Some(met));
        }
        match name {
            "chamilo-soap-create" | "forma-create" => ("≥ 3,000/s".into(), Some(rate >= 3_000.0)),
            "argon2-login" => ("≥ 25/s per core".into(), Some(rate >= 25.0)),
            "read-during-login-flood" => match self.alone {
                Some(alone) => {
                    let ratio = rate / alone.max(1.0);
                    (
                        format!(
                            "≥ 0.8 × without flood (here {ratio:.2} ×; flood {:.0} logins/s)",
                            self.flood_logins.unwrap_or(0.0)
                        ),
                        Some(ratio >= 0.8),
                    )
                }
                None => ("≥ 0.8 × without flood".into(), None),
            },
            "create-with-password" => ("reported beside logins/s (D11)".into(), None),
            _ => (String::new(), None),
        }
    }
}

/// The scale comparison of one key-checked read.
#[derive(Debug, Clone)]
pub struct ScaleRow {
    /// Scenario name.
    pub scenario: String,
    /// req/s on the main ("1k") store.
    pub small: Option<f64>,
    /// req/s on the large store.
    pub large: f64,
    /// Its ratio to healthz in the large store's run.
    pub large_ratio: f64,
    /// Errors in either run.
    pub errors: u64,
    /// The first error of the large run.
    pub first_error: Option<String>,
}

/// A memory figure.
#[derive(Debug, Clone)]
pub struct MemoryRow {
    /// What was measured.
    pub what: String,
    /// The figure.
    pub value: String,
    /// The target.
    pub target: String,
    /// Met?
    pub met: Option<bool>,
    /// Errors while measuring.
    pub errors: u64,
}

/// Everything a run measured.
#[derive(Debug, Clone)]
pub struct Report {
    /// Scenario rows, in run order.
    pub rows: Vec<Row>,
    /// The scale run.
    pub scale: Vec<ScaleRow>,
    /// Memory figures.
    pub memory: Vec<MemoryRow>,
    /// Lines printed under the tables (stores seeded, settings).
    pub notes: Vec<String>,
    settings: String,
}

impl Report {
    /// An empty report of a run with `options`.
    pub fn new(options: &Options) -> Self {
        let database = match &options.server.database_url {
            Some(_) => "PostgreSQL (--database-url)",
            None => "SQLite in the data directory",
        };
        Self {
            rows: Vec::new(),
            scale: Vec::new(),
            memory: Vec::new(),
            notes: Vec::new(),
            settings: format!(
                "{} s per scenario, {} connections ({} more flood `authenticate`), server {} with \
                 `--workers 1`, load generator {}; rate limits off (`[guard] rate_limits = false`, D10); {database}.",
                options.duration.as_secs_f64(),
                options.connections,
                options.flood_connections,
                if options.server.pin {
                    "on core 0 (`taskset -c 0`)"
                } else {
                    "unpinned"
                },
                if options.server.pin {
                    "on core 1"
                } else {
                    "unpinned"
                },
            ),
        }
    }

    /// Adds a row, with its ratio to the healthz row of this run.
    pub fn push(&mut self, mut row: Row) {
        row.ratio = self
            .rate_of("healthz")
            .map(|base| row.stats.rate() / base.max(1.0));
        self.rows.push(row);
    }

    /// The row of `scenario`.
    pub fn row(&self, scenario: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.scenario == scenario)
    }

    /// The req/s of `scenario`.
    pub fn rate_of(&self, scenario: &str) -> Option<f64> {
        self.row(scenario).map(|r| r.stats.rate())
    }

    /// Errors in any measurement.
    pub fn errors(&self) -> u64 {
        self.rows.iter().map(|r| r.stats.errors).sum::<u64>()
            + self.scale.iter().map(|r| r.errors).sum::<u64>()
            + self.memory.iter().map(|r| r.errors).sum::<u64>()
    }

    /// The report as markdown.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!("Settings: {}\n\n", self.settings));
        out.push_str(
            "| Scenario | req/s | p50 ms | p99 ms | server CPU µs/req | × healthz | errors | target | met |\n",
        );
        out.push_str("|---|---:|---:|---:|---:|---:|---:|---|---|\n");
        for row in &self.rows {
            let (target, met) = row.target();
            out.push_str(&format!(
                "| {} | {} | {:.2} | {:.2} | {} | {} | {} | {} | {} |\n",
                row.scenario,
                thousands(row.stats.rate()),
                row.stats.quantile_ms(0.5),
                row.stats.quantile_ms(0.99),
                row.cpu_us.map_or("–".into(), |us| format!("{us:.0}")),
                row.ratio.map_or("–".into(), |r| format!("{r:.2}")),
                errors_cell(row.stats.errors, row.stats.first_error.as_deref()),
                target,
                met_cell(met),
            ));
        }
        if !self.scale.is_empty() {
            out.push_str("\n| Scale: key-checked read | 1k users req/s | 1M users req/s | 1M / 1k | 1M × healthz | errors | target | met |\n");
            out.push_str("|---|---:|---:|---:|---:|---:|---|---|\n");
            for row in &self.scale {
                let ratio = row.small.map(|s| row.large / s.max(1.0));
                out.push_str(&format!(
                    "| {} | {} | {} | {} | {:.2} | {} | ≥ 0.9 | {} |\n",
                    row.scenario,
                    row.small.map_or("–".into(), thousands),
                    thousands(row.large),
                    ratio.map_or("–".into(), |r| format!("{r:.2}")),
                    row.large_ratio,
                    errors_cell(row.errors, row.first_error.as_deref()),
                    met_cell(ratio.map(|r| r >= 0.9)),
                ));
            }
        }
        if !self.memory.is_empty() {
            out.push_str("\n| Memory | figure | target | met |\n|---|---|---|---|\n");
            for row in &self.memory {
                out.push_str(&format!(
                    "| {} | {} | {} | {} |\n",
                    row.what,
                    row.value,
                    row.target,
                    met_cell(row.met)
                ));
            }
        }
        if !self.notes.is_empty() {
            out.push('\n');
            for note in &self.notes {
                out.push_str(&format!("- {note}\n"));
            }
        }
        out
    }
}

/// The markers around the generated section of RESULTS.md.
pub const BEGIN: &str = "<!-- bench:begin (generated by gatehouse-bench --write-results) -->";
/// See [`BEGIN`].
pub const END: &str = "<!-- bench:end -->";
/// The markers around the section a `--database-url` (PostgreSQL) run writes, so it never
/// replaces the main SQLite table.
pub const PG_BEGIN: &str = "<!-- bench:postgres:begin (generated by gatehouse-bench --database-url ... --write-results) -->";
/// See [`PG_BEGIN`].
pub const PG_END: &str = "<!-- bench:postgres:end -->";

/// The section markers a run writes between: the PostgreSQL section for a
/// `--database-url` run, the main one otherwise.
pub fn markers(postgres: bool) -> (&'static str, &'static str) {
    if postgres {
        (PG_BEGIN, PG_END)
    } else {
        (BEGIN, END)
    }
}

/// Replaces the text between `begin` and `end` in `document` by `table` (appending both
/// markers if they are missing).
pub fn rewrite_section(document: &str, (begin, end): (&str, &str), table: &str) -> String {
    match (document.find(begin), document.find(end)) {
        (Some(from), Some(to)) if to > from => {
            format!("{}{begin}\n{table}{}", &document[..from], &document[to..])
        }
        _ => format!("{document}\n{begin}\n{table}{end}\n"),
    }
}

fn met_cell(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "**missed**",
        None => "–",
    }
}

fn errors_cell(errors: u64, first: Option<&str>) -> String {
    match (errors, first) {
        (0, _) => "0".into(),
        (n, Some(first)) => format!(
            "**{n}** ({})",
            first.replace('|', "/").chars().take(80).collect::<String>()
        ),
        (n, None) => format!("**{n}**"),
    }
}

/// `12345.6` → `12,346`.
pub fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(1_234_567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(0.4), "0");
    }

    #[test]
    fn the_generated_section_is_replaced_and_the_rest_kept() {
        let doc = format!("# R\nintro\n{BEGIN}\nold\n{END}\nreading\n");
        let new = rewrite_section(&doc, markers(false), "new\n");
        assert_eq!(new, format!("# R\nintro\n{BEGIN}\nnew\n{END}\nreading\n"));
        let appended = rewrite_section("# R\n", markers(false), "t\n");
        assert!(appended.ends_with(&format!("{BEGIN}\nt\n{END}\n")));
        // A PostgreSQL run adds or replaces its own section and leaves the main one alone.
        let with_pg = rewrite_section(&new, markers(true), "pg\n");
        assert!(with_pg.starts_with(&format!("# R\nintro\n{BEGIN}\nnew\n{END}\nreading\n")));
        assert!(with_pg.ends_with(&format!("{PG_BEGIN}\npg\n{PG_END}\n")));
        let again = rewrite_section(&with_pg, markers(true), "pg2\n");
        assert!(again.contains(&format!("{PG_BEGIN}\npg2\n{PG_END}")) && !again.contains("pg\n"));
    }
}
