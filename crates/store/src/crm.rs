//! The [`Crm`] port: records of every coreBOS module in one table, fields as JSON text.

use std::collections::BTreeMap;

use async_trait::async_trait;
use gatehouse_domain::{Crm, CrmRecord, DomainResult, NewCrmRecord, RecordId, UserId};
use sqlx::any::AnyRow;

use crate::SqlStore;
use crate::error::{corrupt, db};
use crate::rows::{get, now, time, to_micros};

const COLUMNS: &str = "id, module, fields, assigned_user_id, created_at, modified_at";

fn fields_to_text(fields: &BTreeMap<String, String>) -> DomainResult<String> {
    serde_json::to_string(fields).map_err(|e| corrupt("fields", e))
}

fn record_from_row(row: &AnyRow) -> DomainResult<CrmRecord> {
    let fields: String = get(row, "fields")?;
    let assigned: Option<i64> = get(row, "assigned_user_id")?;
    Ok(CrmRecord {
        id: RecordId(get(row, "id")?),
        module: get(row, "module")?,
        fields: serde_json::from_str(&fields).map_err(|e| corrupt("fields", e))?,
        assigned_user: assigned.map(UserId),
        created_at: time(row, "created_at")?,
        modified_at: time(row, "modified_at")?,
    })
}

#[async_trait]
impl Crm for SqlStore {
    async fn create_record(&self, new: NewCrmRecord) -> DomainResult<CrmRecord> {
        let now = to_micros(now());
        let row = sqlx::query(&format!(
            "INSERT INTO crm_records (module, fields, assigned_user_id, created_at, modified_at) \
             VALUES ($1, $2, $3, $4, $4) RETURNING {COLUMNS}"
        ))
        .bind(&new.module)
        .bind(fields_to_text(&new.fields)?)
        .bind(new.assigned_user.map(|u| u.0))
        .bind(now)
        .fetch_one(&mut *self.write_conn().await?)
        .await
        .map_err(db)?;
        record_from_row(&row)
    }

    async fn crm_record(&self, id: RecordId) -> DomainResult<Option<CrmRecord>> {
        sqlx::query(&format!("SELECT {COLUMNS} FROM crm_records WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(&mut *self.reader().await?)
            .await
            .map_err(db)?
            .as_ref()
            .map(record_from_row)
            .transpose()
    }

    async fn replace_record(
        &self,
        id: RecordId,
        fields: BTreeMap<String, String>,
        assigned_user: Option<UserId>,
    ) -> DomainResult<Option<CrmRecord>> {
        sqlx::query(&format!(
            "UPDATE crm_records SET fields = $1, assigned_user_id = $2, modified_at = $3 \
             WHERE id = $4 RETURNING {COLUMNS}"
        ))
        .bind(fields_to_text(&fields)?)
        .bind(assigned_user.map(|u| u.0))
        .bind(to_micros(now()))
        .bind(id.0)
        .fetch_optional(&mut *self.write_conn().await?)
        .await
        .map_err(db)?
        .as_ref()
        .map(record_from_row)
        .transpose()
    }

    async fn delete_record(&self, id: RecordId) -> DomainResult<bool> {
        let done = sqlx::query("DELETE FROM crm_records WHERE id = $1")
            .bind(id.0)
            .execute(&mut *self.write_conn().await?)
            .await
            .map_err(db)?;
        Ok(done.rows_affected() > 0)
    }

    async fn module_records(&self, module: &str) -> DomainResult<Vec<CrmRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM crm_records WHERE module = $1 ORDER BY id"
        ))
        .bind(module)
        .fetch_all(&mut *self.reader().await?)
        .await
        .map_err(db)?;
        rows.iter().map(record_from_row).collect()
    }
}
