//! Running a [`Select`] over a module's rows, in Rust (the sandbox's modules are small).
//!
//! Comparisons follow MySQL's default collation, which coreBOS runs on: text compares
//! case-insensitively; two numbers compare as numbers.

use std::cmp::Ordering;

use super::{Columns, Comparison, Predicate, Select};

/// A row: field name and string value, in the module's field order, `id` last.
pub type Row = Vec<(String, String)>;

/// The rows a statement selects, and how many matched before `LIMIT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The selected rows (for `count(*)`, one row `count`).
    pub rows: Vec<Row>,
    /// How many rows matched, ignoring `LIMIT` (`moreinfo.totalrows`).
    pub total: usize,
}

/// The implicit `LIMIT` of the legacy grammar (§8.6).
pub const IMPLICIT_LIMIT: u64 = 100;

/// Runs `select` over `rows`. `is_reference` tells which fields hold ws ids: a condition on
/// one must give a ws id (`NxM`), and only the record part is compared (§8.6); a value
/// without `x` is `Err(())`, which the caller answers with `INVALID_ID_ATTRIBUTE`.
pub fn run(
    select: &Select,
    rows: Vec<Row>,
    is_reference: &dyn Fn(&str) -> bool,
) -> Result<Outcome, ()> {
    for predicate in select.filter.iter().flatten() {
        if is_reference(&predicate.field) && predicate.values.iter().any(|v| !v.contains('x')) {
            return Err(());
        }
    }
    let mut matched: Vec<Row> = rows
        .into_iter()
        .filter(|row| {
            select.filter.is_empty()
                || select.filter.iter().any(|conjunction| {
                    conjunction
                        .iter()
                        .all(|p| holds(p, value(row, &p.field), is_reference(&p.field)))
                })
        })
        .collect();
    let total = matched.len();
    if select.columns == Columns::Count {
        return Ok(Outcome {
            rows: vec![vec![("count".to_owned(), total.to_string())]],
            total,
        });
    }
    if let Some((fields, descending)) = &select.order {
        matched.sort_by(|a, b| {
            let ordering = fields
                .iter()
                .map(|f| compare(value(a, f), value(b, f)))
                .find(|o| *o != Ordering::Equal)
                .unwrap_or(Ordering::Equal);
            if *descending {
                ordering.reverse()
            } else {
                ordering
            }
        });
    }
    let (offset, count) = select.limit.unwrap_or((0, IMPLICIT_LIMIT));
    let window = matched
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(count).unwrap_or(usize::MAX));
    let rows = match &select.columns {
        Columns::Fields(fields) => window
            .map(|row| {
                let mut picked: Row = fields
                    .iter()
                    .map(|f| (f.clone(), value(&row, f).to_owned()))
                    .collect();
                // `id` is always appended (§8.6).
                if !fields.iter().any(|f| f == "id") {
                    picked.push(("id".to_owned(), value(&row, "id").to_owned()));
                }
                picked
            })
            .collect(),
        _ => window.collect(),
    };
    Ok(Outcome { rows, total })
}

fn value<'r>(row: &'r Row, field: &str) -> &'r str {
    row.iter()
        .find(|(name, _)| name == field)
        .map_or("", |(_, v)| v.as_str())
}

/// The record part of a ws id (`11x5` -> `5`).
fn record_part(text: &str) -> &str {
    text.split_once('x').map_or(text, |(_, id)| id)
}

fn holds(predicate: &Predicate, actual: &str, reference: bool) -> bool {
    let normalise = |s: &'_ str| -> String {
        if reference {
            record_part(s).to_owned()
        } else {
            s.to_owned()
        }
    };
    let actual = normalise(actual);
    let wanted = predicate
        .values
        .first()
        .map(|v| normalise(v))
        .unwrap_or_default();
    match predicate.op {
        Comparison::Eq => compare(&actual, &wanted) == Ordering::Equal,
        Comparison::Ne => compare(&actual, &wanted) != Ordering::Equal,
        Comparison::Lt => compare(&actual, &wanted) == Ordering::Less,
        Comparison::Gt => compare(&actual, &wanted) == Ordering::Greater,
        Comparison::Le => compare(&actual, &wanted) != Ordering::Greater,
        Comparison::Ge => compare(&actual, &wanted) != Ordering::Less,
        Comparison::Like => like(&actual.to_lowercase(), &wanted.to_lowercase()),
        Comparison::In => predicate
            .values
            .iter()
            .any(|v| compare(&actual, &normalise(v)) == Ordering::Equal),
    }
}

/// Numbers as numbers, everything else case-insensitively.
fn compare(a: &str, b: &str) -> Ordering {
    match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => a.to_lowercase().cmp(&b.to_lowercase()),
    }
}

/// SQL `LIKE`: `%` any run, `_` one character.
fn like(text: &str, pattern: &str) -> bool {
    let t: Vec<char> = text.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    // matches[i][j]: t[..i] matches p[..j]; iterative to stay linear in memory per row.
    let mut previous = vec![false; p.len() + 1];
    previous[0] = true;
    for j in 1..=p.len() {
        previous[j] = previous[j - 1] && p[j - 1] == '%';
    }
    for i in 1..=t.len() {
        let mut current = vec![false; p.len() + 1];
        for j in 1..=p.len() {
            current[j] = match p[j - 1] {
                '%' => current[j - 1] || previous[j],
                '_' => previous[j - 1],
                c => previous[j - 1] && c == t[i - 1],
            };
        }
        previous = current;
    }
    previous[p.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_handles_both_wildcards() {
        assert!(like("smith", "sm%"));
        assert!(like("smith", "%i_h"));
        assert!(!like("smith", "sm_"));
        assert!(like("", "%"));
    }

    #[test]
    fn numbers_compare_as_numbers_and_text_ignores_case() {
        assert_eq!(compare("9", "10"), Ordering::Less);
        assert_eq!(compare("Smith", "smith"), Ordering::Equal);
    }
}
