//! How admin commands print: an aligned table by default, one JSON value with `--json`.

use serde::Serialize;

/// Output mode of one admin command.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// Print JSON instead of a table.
    pub json: bool,
}

impl Output {
    /// Prints a list: a table with `headers`, or a JSON array of `items`.
    pub fn list<T: Serialize>(
        &self,
        items: &[T],
        headers: &[&str],
        row: impl Fn(&T) -> Vec<String>,
    ) -> anyhow::Result<()> {
        if self.json {
            println!("{}", serde_json::to_string_pretty(items)?);
        } else {
            let rows: Vec<Vec<String>> = items.iter().map(row).collect();
            print!("{}", table(headers, &rows));
        }
        Ok(())
    }

    /// Prints one record: `key: value` lines, or a JSON object.
    pub fn record<T: Serialize>(
        &self,
        item: &T,
        fields: Vec<(&str, String)>,
    ) -> anyhow::Result<()> {
        if self.json {
            println!("{}", serde_json::to_string_pretty(item)?);
        } else {
            let width = fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
            for (key, value) in fields {
                println!("{key:<width$}  {value}");
            }
        }
        Ok(())
    }

    /// Prints a short confirmation, or `{"ok":true,...}` in JSON mode.
    pub fn done(&self, message: &str, json: serde_json::Value) -> anyhow::Result<()> {
        if self.json {
            println!("{}", serde_json::to_string_pretty(&json)?);
        } else {
            println!("{message}");
        }
        Ok(())
    }
}

/// An aligned text table.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let width = widths.get(i).copied().unwrap_or(0);
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<width$}  "));
            }
        }
        out.trim_end().to_owned() + "\n"
    };
    let mut out = line(headers.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// A timestamp for tables.
pub fn when(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| "-".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_their_columns() {
        let text = table(
            &["ID", "NAME"],
            &[
                vec!["1".into(), "alice".into()],
                vec!["10".into(), "bob".into()],
            ],
        );
        assert_eq!(text, "ID  NAME\n1   alice\n10  bob\n");
    }
}
