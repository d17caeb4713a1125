//! VTQL, the legacy vtiger query language of `query` (specs/corebos.md §8.6; D2).
//!
//! A hand-written lexer and recursive-descent parser produce a [`Select`]; [`eval`] runs it
//! over a module's rows in Rust, so no input ever reaches SQL. `AND` binds tighter than `OR`
//! (D2) and parentheses are a syntax error, as in the legacy grammar.

mod eval;
mod lexer;
mod parser;

pub use eval::{Row, run};
pub use parser::parse;

/// A parsed `SELECT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Select {
    /// What to return.
    pub columns: Columns,
    /// The module named after `FROM`, as written.
    pub module: String,
    /// `WHERE`: alternatives joined by `OR`, each a conjunction joined by `AND`.
    pub filter: Vec<Vec<Predicate>>,
    /// `ORDER BY` fields and whether descending.
    pub order: Option<(Vec<String>, bool)>,
    /// `LIMIT [offset,] count`.
    pub limit: Option<(u64, u64)>,
}

/// The select list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Columns {
    /// `*`.
    All,
    /// `count(*)`.
    Count,
    /// Named fields.
    Fields(Vec<String>),
}

/// One condition `field op value(s)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Predicate {
    /// The field.
    pub field: String,
    /// The comparison.
    pub op: Comparison,
    /// One value, or the list of `IN (...)`.
    pub values: Vec<String>,
}

/// The comparison operators of the legacy grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `=`.
    Eq,
    /// `!=` or `<>`.
    Ne,
    /// `<`.
    Lt,
    /// `>`.
    Gt,
    /// `<=`.
    Le,
    /// `>=`.
    Ge,
    /// `LIKE` with `%` and `_` wildcards.
    Like,
    /// `IN (...)`.
    In,
}

impl Select {
    /// Every field the statement names (select list, conditions, order), for the
    /// unknown-column check.
    pub fn fields(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        if let Columns::Fields(fields) = &self.columns {
            names.extend(fields.iter().map(String::as_str));
        }
        for conjunction in &self.filter {
            names.extend(conjunction.iter().map(|p| p.field.as_str()));
        }
        if let Some((fields, _)) = &self.order {
            names.extend(fields.iter().map(String::as_str));
        }
        names
    }
}
