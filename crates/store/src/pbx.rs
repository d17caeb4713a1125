//! The [`Pbx`] port: call queues, call history, sounds, extensions and Wildix replay marks
//! (migration 20).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use gatehouse_domain::{
    CallFilter, CallQueue, CallRecord, DomainError, DomainResult, NewCallQueue, NewCallRecord,
    NewSound, Page, Pbx, QueueMember, Sound, UserId,
};
use sqlx::any::AnyRow;

use crate::SqlStore;
use crate::error::{db, unique_or};
use crate::rows::{bound, flag, get, now, time, to_micros};

const CALL_COLUMNS: &str = "id, started_at, ended_at, src, dst, billsec, disposition, channel, \
                            context, callerid, originated";
const SOUND_COLUMNS: &str = "id, directory, name, text, voice, audio_file, created_at";

fn call_from_row(row: &AnyRow) -> DomainResult<CallRecord> {
    Ok(CallRecord {
        id: get(row, "id")?,
        call: NewCallRecord {
            start: time(row, "started_at")?,
            end: time(row, "ended_at")?,
            src: get(row, "src")?,
            dst: get(row, "dst")?,
            billsec: get(row, "billsec")?,
            disposition: get(row, "disposition")?,
            channel: get(row, "channel")?,
            context: get(row, "context")?,
            callerid: get(row, "callerid")?,
            originated: flag(row, "originated")?,
        },
    })
}

fn sound_from_row(row: &AnyRow) -> DomainResult<Sound> {
    Ok(Sound {
        id: get(row, "id")?,
        sound: NewSound {
            directory: get(row, "directory")?,
            name: get(row, "name")?,
            text: get(row, "text")?,
            voice: get(row, "voice")?,
            audio_file: get(row, "audio_file")?,
        },
        created_at: time(row, "created_at")?,
    })
}

/// Queues with their members from rows of one queue column set joined to its members
/// (`LEFT JOIN pbx_queue_members`), ordered by queue and then member: a queue spans
/// consecutive rows, one per member, and a queue without members has one row whose member
/// columns are NULL. A row whose queue id is NULL (an empty page) carries no queue.
fn queues_from_rows(rows: &[AnyRow]) -> DomainResult<Vec<CallQueue>> {
    let mut out: Vec<CallQueue> = Vec::new();
    for row in rows {
        let Some(id) = get::<Option<i64>>(row, "id")? else {
            continue;
        };
        if out.last().is_none_or(|q| q.id != id) {
            out.push(CallQueue {
                id,
                name: get(row, "name")?,
                description: get(row, "description")?,
                strategy: get(row, "strategy")?,
                members: Vec::new(),
            });
        }
        if let Some(interface) = get::<Option<String>>(row, "interface")? {
            if let Some(queue) = out.last_mut() {
                queue.members.push(QueueMember {
                    interface,
                    dynamic: flag(row, "dynamic")?,
                });
            }
        }
    }
    Ok(out)
}

/// The `WHERE` clause of a call filter and its bound values, numbered from `$1`.
fn call_where(filter: &CallFilter) -> (String, Vec<CallBind>) {
    let mut clauses = Vec::new();
    let mut binds = Vec::new();
    if let Some(from) = filter.from {
        binds.push(CallBind::Int(to_micros(from)));
        clauses.push(format!("started_at >= ${}", binds.len()));
    }
    if let Some(to) = filter.to {
        binds.push(CallBind::Int(to_micros(to)));
        clauses.push(format!("started_at <= ${}", binds.len()));
    }
    if let Some(ext) = &filter.extension {
        binds.push(CallBind::Text(ext.clone()));
        let n = binds.len();
        clauses.push(format!("(src = ${n} OR dst = ${n})"));
    }
    if clauses.is_empty() {
        (String::new(), binds)
    } else {
        (format!(" WHERE {}", clauses.join(" AND ")), binds)
    }
}

enum CallBind {
    Int(i64),
    Text(String),
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    binds: &'q [CallBind],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for bind in binds {
        query = match bind {
            CallBind::Int(n) => query.bind(*n),
            CallBind::Text(t) => query.bind(t.as_str()),
        };
    }
    query
}

#[async_trait]
impl Pbx for SqlStore {
    async fn create_queue(&self, new: NewCallQueue) -> DomainResult<CallQueue> {
        if new.name.trim().is_empty() {
            return Err(DomainError::invalid("name", "must not be empty"));
        }
        let strategy = if new.strategy.is_empty() {
            "ringall"
        } else {
            new.strategy.as_str()
        };
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "INSERT INTO pbx_queues (name, description, strategy, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(&new.name)
        .bind(&new.description)
        .bind(strategy)
        .bind(to_micros(now()))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            unique_or(e, || {
                DomainError::invalid("name", format!("a queue called {:?} exists", new.name))
            })
        })?;
        let id: i64 = get(&row, "id")?;
        for (position, member) in new.members.iter().enumerate() {
            sqlx::query(
                "INSERT INTO pbx_queue_members (queue_id, interface, dynamic, position) \
                 VALUES ($1, $2, 0, $3) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(member.as_str())
            .bind(bound(position as u64))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        self.queue(id)
            .await?
            .ok_or_else(|| DomainError::Internal(format!("queue {id} vanished")))
    }

    async fn queues(&self, page: Page) -> DomainResult<(Vec<CallQueue>, u64)> {
        // One round trip for the page, its members and the total (it took 2 + one per queue):
        // the count is a one-row table that the page is LEFT JOINed to, so even a page past
        // the end answers one row carrying the total.
        let rows = sqlx::query(
            "WITH page AS (SELECT id, name, description, strategy FROM pbx_queues \
             ORDER BY id LIMIT $1 OFFSET $2) \
             SELECT t.total, p.id, p.name, p.description, p.strategy, m.interface, m.dynamic \
             FROM (SELECT COUNT(*) AS total FROM pbx_queues) t \
             LEFT JOIN page p ON 1 = 1 \
             LEFT JOIN pbx_queue_members m ON m.queue_id = p.id \
             ORDER BY p.id, m.position, m.interface",
        )
        .bind(bound(page.limit))
        .bind(bound(page.offset))
        .fetch_all(&mut *self.reader().await?)
        .await
        .map_err(db)?;
        let total: i64 = match rows.first() {
            Some(row) => get(row, "total")?,
            None => 0,
        };
        Ok((queues_from_rows(&rows)?, total.max(0) as u64))
    }

    async fn queue(&self, id: i64) -> DomainResult<Option<CallQueue>> {
        // The queue and its members in one round trip.
        let rows = sqlx::query(
            "SELECT q.id, q.name, q.description, q.strategy, m.interface, m.dynamic \
             FROM pbx_queues q LEFT JOIN pbx_queue_members m ON m.queue_id = q.id \
             WHERE q.id = $1 ORDER BY m.position, m.interface",
        )
        .bind(id)
        .fetch_all(&mut *self.reader().await?)
        .await
        .map_err(db)?;
        Ok(queues_from_rows(&rows)?.pop())
    }

    async fn add_queue_member(
        &self,
        queue: i64,
        interface: &str,
        dynamic: bool,
    ) -> DomainResult<bool> {
        let mut tx = self.write_tx().await?;
        let next: i64 = get(
            &sqlx::query(
                "SELECT COALESCE(MAX(position), -1) + 1 AS n FROM pbx_queue_members \
                 WHERE queue_id = $1",
            )
            .bind(queue)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?,
            "n",
        )?;
        let done = sqlx::query(
            "INSERT INTO pbx_queue_members (queue_id, interface, dynamic, position) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(queue)
        .bind(interface)
        .bind(i64::from(dynamic))
        .bind(next)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(done.rows_affected() > 0)
    }

    async fn remove_queue_member(&self, queue: i64, interface: &str) -> DomainResult<bool> {
        let done = sqlx::query(
            "DELETE FROM pbx_queue_members WHERE queue_id = $1 AND interface = $2 AND dynamic = 1",
        )
        .bind(queue)
        .bind(interface)
        .execute(&mut *self.write_conn().await?)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() > 0)
    }

    async fn record_call(&self, call: NewCallRecord) -> DomainResult<CallRecord> {
        let row = sqlx::query(&format!(
            "INSERT INTO pbx_calls (started_at, ended_at, src, dst, billsec, disposition, \
             channel, context, callerid, originated) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {CALL_COLUMNS}"
        ))
        .bind(to_micros(call.start))
        .bind(to_micros(call.end))
        .bind(&call.src)
        .bind(&call.dst)
        .bind(call.billsec)
        .bind(&call.disposition)
        .bind(&call.channel)
        .bind(&call.context)
        .bind(&call.callerid)
        .bind(i64::from(call.originated))
        .fetch_one(&mut *self.write_conn().await?)
        .await
        .map_err(db)?;
        call_from_row(&row)
    }

    async fn calls(&self, filter: &CallFilter, page: Page) -> DomainResult<(Vec<CallRecord>, u64)> {
        let (clause, binds) = call_where(filter);
        let n = binds.len();
        let list_sql = format!(
            "SELECT {CALL_COLUMNS} FROM pbx_calls{clause} ORDER BY started_at DESC, id DESC \
             LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let rows = bind_all(sqlx::query(&list_sql), &binds)
            .bind(bound(page.limit))
            .bind(bound(page.offset))
            .fetch_all(&mut *self.reader().await?)
            .await
            .map_err(db)?;
        let count_sql = format!("SELECT COUNT(*) AS n FROM pbx_calls{clause}");
        let total: i64 = get(
            &bind_all(sqlx::query(&count_sql), &binds)
                .fetch_one(&mut *self.reader().await?)
                .await
                .map_err(db)?,
            "n",
        )?;
        let calls = rows
            .iter()
            .map(call_from_row)
            .collect::<DomainResult<_>>()?;
        Ok((calls, total.max(0) as u64))
    }

    async fn put_sound(&self, sound: NewSound) -> DomainResult<Sound> {
        for (field, value) in [("directory", &sound.directory), ("filename", &sound.name)] {
            if value.trim().is_empty() {
                return Err(DomainError::invalid(field, "must not be empty"));
            }
        }
        let row = sqlx::query(&format!(
            "INSERT INTO pbx_sounds (directory, name, text, voice, audio_file, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (directory, name) DO UPDATE SET text = excluded.text, \
             voice = excluded.voice, audio_file = excluded.audio_file, \
             created_at = excluded.created_at RETURNING {SOUND_COLUMNS}"
        ))
        .bind(&sound.directory)
        .bind(&sound.name)
        .bind(&sound.text)
        .bind(&sound.voice)
        .bind(sound.audio_file.as_deref())
        .bind(to_micros(now()))
        .fetch_one(&mut *self.write_conn().await?)
        .await
        .map_err(db)?;
        sound_from_row(&row)
    }

    async fn sounds(&self, directory: Option<&str>) -> DomainResult<Vec<Sound>> {
        let rows = match directory {
            Some(dir) => {
                sqlx::query(&format!(
                    "SELECT {SOUND_COLUMNS} FROM pbx_sounds WHERE directory = $1 ORDER BY name"
                ))
                .bind(dir)
                .fetch_all(&mut *self.reader().await?)
                .await
            }
            None => {
                sqlx::query(&format!(
                    "SELECT {SOUND_COLUMNS} FROM pbx_sounds ORDER BY directory, name"
                ))
                .fetch_all(&mut *self.reader().await?)
                .await
            }
        }
        .map_err(db)?;
        rows.iter().map(sound_from_row).collect()
    }

    async fn delete_sounds(&self, name: &str, directory: Option<&str>) -> DomainResult<Vec<Sound>> {
        let found: Vec<Sound> = self
            .sounds(directory)
            .await?
            .into_iter()
            .filter(|s| s.sound.name == name)
            .collect();
        for sound in &found {
            sqlx::query("DELETE FROM pbx_sounds WHERE id = $1")
                .bind(sound.id)
                .execute(&mut *self.write_conn().await?)
                .await
                .map_err(db)?;
        }
        Ok(found)
    }

    async fn set_extension(&self, user: UserId, extension: Option<&str>) -> DomainResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM pbx_extensions WHERE user_id = $1")
            .bind(user.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if let Some(ext) = extension {
            sqlx::query("INSERT INTO pbx_extensions (user_id, extension) VALUES ($1, $2)")
                .bind(user.0)
                .bind(ext)
                .execute(&mut *tx)
                .await
                .map_err(|e| {
                    unique_or(e, || {
                        DomainError::invalid("extension", format!("{ext} belongs to another user"))
                    })
                })?;
        }
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn extensions(&self) -> DomainResult<Vec<(UserId, String)>> {
        sqlx::query("SELECT user_id, extension FROM pbx_extensions ORDER BY user_id")
            .fetch_all(&mut *self.reader().await?)
            .await
            .map_err(db)?
            .iter()
            .map(|row| Ok((UserId(get(row, "user_id")?), get(row, "extension")?)))
            .collect()
    }

    async fn mark_once(&self, key: &str, until: DateTime<Utc>) -> DomainResult<bool> {
        let now = to_micros(now());
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM wildix_replay WHERE token_hash = $1 AND expires_at < $2")
            .bind(key)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let done = sqlx::query(
            "INSERT INTO wildix_replay (token_hash, expires_at) VALUES ($1, $2) \
             ON CONFLICT DO NOTHING",
        )
        .bind(key)
        .bind(to_micros(until))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(done.rows_affected() > 0)
    }
}
