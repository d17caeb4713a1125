//! Reading columns back: integer Unix microseconds, 0/1 flags, and decoding errors as
//! [`DomainError`]s.

use chrono::{DateTime, Utc};
use gatehouse_domain::{DomainError, DomainResult};
use sqlx::any::AnyRow;
use sqlx::{Any, Row};

use crate::error::corrupt;

/// Now, at the precision the store keeps (microseconds), so what a write returns equals
/// what a later read returns.
pub(crate) fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_micros(Utc::now().timestamp_micros()).unwrap_or_default()
}

/// The stored form of an instant: Unix microseconds.
pub(crate) fn to_micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// An optional instant in its stored form.
pub(crate) fn to_micros_opt(at: Option<DateTime<Utc>>) -> Option<i64> {
    at.map(to_micros)
}

/// One column of a row.
pub(crate) fn get<'r, T>(row: &'r AnyRow, column: &str) -> DomainResult<T>
where
    T: sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    row.try_get(column).map_err(|e| corrupt(column, e))
}

/// A timestamp column.
pub(crate) fn time(row: &AnyRow, column: &str) -> DomainResult<DateTime<Utc>> {
    let micros: i64 = get(row, column)?;
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| corrupt(column, format!("{micros} is out of range")))
}

/// A nullable timestamp column.
pub(crate) fn time_opt(row: &AnyRow, column: &str) -> DomainResult<Option<DateTime<Utc>>> {
    let micros: Option<i64> = get(row, column)?;
    micros
        .map(|m| {
            DateTime::from_timestamp_micros(m)
                .ok_or_else(|| corrupt(column, format!("{m} is out of range")))
        })
        .transpose()
}

/// A 0/1 flag column.
pub(crate) fn flag(row: &AnyRow, column: &str) -> DomainResult<bool> {
    Ok(get::<i64>(row, column)? != 0)
}

/// A page bound as SQL wants it (`LIMIT`/`OFFSET` are signed).
pub(crate) fn bound(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// An error for a value the domain refuses when read back.
pub(crate) fn unreadable(column: &str, err: DomainError) -> DomainError {
    corrupt(column, err)
}
