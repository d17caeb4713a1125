//! The Pbx port: call queues, calls, sounds, extensions and replay marks.

use chrono::{Duration, Utc};
use gatehouse_domain::{
    CallFilter, DomainError, NewCallQueue, NewCallRecord, NewSound, Page, Pbx, Users,
};

use crate::support::{at, stores, user};

fn call(start: i64, src: &str, dst: &str) -> NewCallRecord {
    NewCallRecord {
        start: at(start),
        end: at(start + 30),
        src: src.into(),
        dst: dst.into(),
        billsec: 25,
        disposition: "ANSWERED".into(),
        channel: format!("SIP/{src}"),
        context: "users".into(),
        callerid: String::new(),
        originated: false,
    }
}

#[tokio::test]
async fn queues_are_created_listed_and_their_dynamic_members_added_and_removed() {
    for t in stores().await {
        let s = &t.store;
        let q = s
            .create_queue(NewCallQueue {
                name: "Sales".into(),
                members: vec!["1001".into(), "1002".into()],
                ..NewCallQueue::default()
            })
            .await
            .unwrap();
        assert_eq!(q.strategy, "ringall", "{}", t.label);
        assert_eq!(q.members.len(), 2, "{}", t.label);
        let dup = s
            .create_queue(NewCallQueue {
                name: "Sales".into(),
                ..NewCallQueue::default()
            })
            .await;
        assert!(
            matches!(dup, Err(DomainError::Invalid { .. })),
            "{}",
            t.label
        );
        assert!(s.add_queue_member(q.id, "1003", true).await.unwrap());
        assert!(!s.add_queue_member(q.id, "1003", true).await.unwrap());
        // Only dynamic members are removed through the dynamic door.
        assert!(!s.remove_queue_member(q.id, "1001").await.unwrap());
        assert!(s.remove_queue_member(q.id, "1003").await.unwrap());
        let (list, total) = s.queues(Page::all()).await.unwrap();
        assert_eq!((list.len(), total), (1, 1), "{}", t.label);
        assert_eq!(s.queue(q.id).await.unwrap().unwrap().members.len(), 2);
        assert!(s.queue(q.id + 100).await.unwrap().is_none());
        t.finish().await;
    }
}

#[tokio::test]
async fn a_page_of_queues_carries_each_queues_members_in_order_and_the_total() {
    for t in stores().await {
        let s = &t.store;
        let mut ids = Vec::new();
        for (name, members) in [
            ("Sales", vec!["1003", "1001"]),
            ("Empty", vec![]),
            ("Support", vec!["2001"]),
        ] {
            let q = s
                .create_queue(NewCallQueue {
                    name: name.into(),
                    members: members.into_iter().map(String::from).collect(),
                    ..NewCallQueue::default()
                })
                .await
                .unwrap();
            ids.push(q.id);
        }
        s.add_queue_member(ids[0], "1000", true).await.unwrap();
        let members = |q: &gatehouse_domain::CallQueue| {
            q.members
                .iter()
                .map(|m| (m.interface.clone(), m.dynamic))
                .collect::<Vec<_>>()
        };
        let (all, total) = s.queues(Page::all()).await.unwrap();
        assert_eq!(total, 3, "{}", t.label);
        assert_eq!(
            all.iter().map(|q| q.name.as_str()).collect::<Vec<_>>(),
            ["Sales", "Empty", "Support"],
            "{}",
            t.label
        );
        // Members in the order they were added, not by name.
        assert_eq!(
            members(&all[0]),
            [
                ("1003".to_owned(), false),
                ("1001".to_owned(), false),
                ("1000".to_owned(), true)
            ],
            "{}",
            t.label
        );
        assert!(all[1].members.is_empty(), "{}", t.label);
        assert_eq!(members(&all[2]), [("2001".to_owned(), false)]);
        for q in &all {
            assert_eq!(&s.queue(q.id).await.unwrap().unwrap(), q, "{}", t.label);
        }
        let (window, total) = s
            .queues(Page {
                offset: 1,
                limit: 1,
            })
            .await
            .unwrap();
        assert_eq!(total, 3, "{}", t.label);
        assert_eq!(window, all[1..2], "{}", t.label);
        // A page past the end still tells how many there are.
        let (past, total) = s
            .queues(Page {
                offset: 5,
                limit: 10,
            })
            .await
            .unwrap();
        assert_eq!((past.len(), total), (0, 3), "{}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn no_queues_is_an_empty_page_of_none() {
    for t in stores().await {
        let (none, total) = t.store.queues(Page::first(10)).await.unwrap();
        assert_eq!((none.len(), total), (0, 0), "{}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn calls_are_filtered_by_start_and_extension_newest_first() {
    for t in stores().await {
        let s = &t.store;
        for (start, src, dst) in [
            (100, "1001", "1002"),
            (200, "1002", "1003"),
            (300, "1003", "1001"),
        ] {
            s.record_call(call(start, src, dst)).await.unwrap();
        }
        let (all, total) = s.calls(&CallFilter::default(), Page::all()).await.unwrap();
        assert_eq!(total, 3, "{}", t.label);
        assert_eq!(all[0].call.start, at(300), "{}", t.label);
        let window = CallFilter {
            from: Some(at(150)),
            to: Some(at(300)),
            extension: Some("1001".into()),
        };
        let (found, total) = s.calls(&window, Page::first(10)).await.unwrap();
        assert_eq!(total, 1, "{}", t.label);
        assert_eq!(found[0].call.src, "1003", "{}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn sounds_are_replaced_by_directory_and_name_and_deleted() {
    for t in stores().await {
        let s = &t.store;
        let sound = |dir: &str, text: &str| NewSound {
            directory: dir.into(),
            name: "welcome".into(),
            text: text.into(),
            voice: String::new(),
            audio_file: None,
        };
        s.put_sound(sound("custom", "one")).await.unwrap();
        s.put_sound(sound("custom", "two")).await.unwrap();
        s.put_sound(sound("moh", "x")).await.unwrap();
        let custom = s.sounds(Some("custom")).await.unwrap();
        assert_eq!(custom.len(), 1, "{}", t.label);
        assert_eq!(custom[0].sound.text, "two", "{}", t.label);
        assert_eq!(s.sounds(None).await.unwrap().len(), 2);
        assert_eq!(
            s.delete_sounds("welcome", Some("moh")).await.unwrap().len(),
            1
        );
        assert_eq!(s.delete_sounds("welcome", None).await.unwrap().len(), 1);
        assert!(s.sounds(None).await.unwrap().is_empty());
        t.finish().await;
    }
}

#[tokio::test]
async fn an_extension_belongs_to_one_user_and_goes_with_them() {
    for t in stores().await {
        let s = &t.store;
        let ann = user(s, "ann").await;
        let ben = user(s, "ben").await;
        s.set_extension(ann.id, Some("1001")).await.unwrap();
        let taken = s.set_extension(ben.id, Some("1001")).await;
        assert!(
            matches!(taken, Err(DomainError::Invalid { .. })),
            "{}",
            t.label
        );
        s.set_extension(ann.id, Some("1005")).await.unwrap();
        assert_eq!(s.extensions().await.unwrap(), [(ann.id, "1005".to_owned())]);
        s.delete_user(ann.id).await.unwrap();
        assert!(s.extensions().await.unwrap().is_empty(), "{}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn a_replay_mark_is_taken_once_until_it_expires() {
    for t in stores().await {
        let s = &t.store;
        let later = Utc::now() + Duration::seconds(300);
        assert!(s.mark_once("abc", later).await.unwrap());
        assert!(!s.mark_once("abc", later).await.unwrap(), "{}", t.label);
        let past = Utc::now() - Duration::seconds(1);
        assert!(s.mark_once("old", past).await.unwrap());
        assert!(s.mark_once("old", later).await.unwrap(), "{}", t.label);
        t.finish().await;
    }
}
