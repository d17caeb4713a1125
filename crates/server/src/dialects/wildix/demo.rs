//! The sandbox's PBX demo data: extensions for the demo users, two call queues and a few
//! days of call history, written through the [`Pbx`] port.

use chrono::{Duration, Utc};
use gatehouse_domain::{DomainResult, NewCallQueue, NewCallRecord, Pbx, User, UserId};

/// Seeds the demo PBX: the administrator gets extension 1000, the demo users 1001, 1002, ….
pub async fn seed(pbx: &dyn Pbx, admin: UserId, users: &[User]) -> DomainResult<()> {
    pbx.set_extension(admin, Some("1000")).await?;
    let mut extensions = Vec::new();
    for (i, user) in users.iter().enumerate() {
        let ext = (1001 + i).to_string();
        pbx.set_extension(user.id, Some(&ext)).await?;
        extensions.push(ext);
    }
    let ext = |i: usize| extensions.get(i).cloned().unwrap_or_else(|| "1000".into());
    pbx.create_queue(NewCallQueue {
        name: "Sales".into(),
        description: "Incoming sales calls".into(),
        strategy: "ringall".into(),
        members: vec![ext(0), ext(1)],
    })
    .await?;
    pbx.create_queue(NewCallQueue {
        name: "Support".into(),
        description: "Customer support line".into(),
        strategy: "rrmemory".into(),
        members: vec![ext(2)],
    })
    .await?;
    let today = Utc::now()
        .date_naive()
        .and_hms_opt(9, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_else(Utc::now);
    let calls = [
        (3, 0, "1000", ext(0), 125, "ANSWERED"),
        (3, 2, &ext(1), ext(2), 0, "NO ANSWER"),
        (2, 1, "+390212345678", ext(0), 310, "ANSWERED"),
        (1, 4, &ext(2), "1000".to_owned(), 47, "ANSWERED"),
        (1, 6, "+442071234567", ext(1), 0, "BUSY"),
        (0, 0, &ext(0), ext(1), 18, "ANSWERED"),
    ];
    for (days_ago, hour, src, dst, billsec, disposition) in calls {
        let start = today - Duration::days(days_ago) + Duration::hours(hour);
        pbx.record_call(NewCallRecord {
            start,
            end: start + Duration::seconds(billsec + 7),
            src: src.to_owned(),
            channel: format!("SIP/{src}"),
            dst,
            billsec,
            disposition: disposition.into(),
            context: "users".into(),
            callerid: String::new(),
            originated: false,
        })
        .await?;
    }
    Ok(())
}
