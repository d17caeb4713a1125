//! `PBX/settings/CallQueues`: list, create, one queue with members, dynamic members.

use axum::response::Response;
use gatehouse_domain::{CallQueue, NewCallQueue, Page, Pbx};
use serde_json::{Value, json};

use crate::dialects::wildix::codec::{self, Paging};
use crate::dialects::wildix::error::WildixError;

fn render(queue: &CallQueue, with_members: bool) -> Value {
    let mut row = json!({
        "id": queue.id,
        "name": queue.name,
        "description": queue.description,
        "strategy": queue.strategy,
    });
    if with_members {
        row["members"] = queue
            .members
            .iter()
            .map(|m| {
                json!({
                    "member": m.interface,
                    "stateInterface": m.interface,
                    "dynamic": m.dynamic,
                })
            })
            .collect();
    }
    row
}

/// Lists the call queues.
pub async fn list_call_queues(pbx: &dyn Pbx, paging: Paging) -> Result<Response, WildixError> {
    let (queues, total) = pbx
        .queues(Page {
            offset: paging.start,
            limit: paging.count,
        })
        .await?;
    let rows = queues.iter().map(|q| render(q, false)).collect();
    Ok(codec::records(rows, paging, total))
}

/// Creates a call queue and answers it with its members.
pub async fn create_call_queue(pbx: &dyn Pbx, new: NewCallQueue) -> Result<Response, WildixError> {
    let queue = pbx.create_queue(new).await?;
    Ok(codec::result(render(&queue, true)))
}

/// One call queue with its members.
pub async fn get_call_queue(pbx: &dyn Pbx, id: i64) -> Result<Response, WildixError> {
    let queue = pbx.queue(id).await?.ok_or(WildixError::NotFound)?;
    Ok(codec::result(render(&queue, true)))
}

/// Adds a dynamic member to a queue (idempotent).
pub async fn add_dynamic_member(
    pbx: &dyn Pbx,
    queue: i64,
    member: &str,
) -> Result<Response, WildixError> {
    pbx.queue(queue).await?.ok_or(WildixError::NotFound)?;
    pbx.add_queue_member(queue, member, true).await?;
    get_call_queue(pbx, queue).await
}

/// Removes a dynamic member; a member that is not there is 404.
pub async fn remove_dynamic_member(
    pbx: &dyn Pbx,
    queue: i64,
    member: &str,
) -> Result<Response, WildixError> {
    pbx.queue(queue).await?.ok_or(WildixError::NotFound)?;
    if !pbx.remove_queue_member(queue, member).await? {
        return Err(WildixError::NotFound);
    }
    get_call_queue(pbx, queue).await
}
