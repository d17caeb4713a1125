//! The Crm port.

use std::collections::BTreeMap;

use gatehouse_domain::{Crm, NewCrmRecord, RecordId};

use crate::support::{stores, user};

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn records_are_created_read_replaced_listed_and_deleted() {
    for t in stores().await {
        let s = &t.store;
        let ann = user(s, "ann").await;
        let created = s
            .create_record(NewCrmRecord {
                module: "Contacts".into(),
                fields: fields(&[("lastname", "Smith"), ("note", "é/\"'")]),
                assigned_user: Some(ann.id),
            })
            .await
            .unwrap();
        assert_eq!(
            s.crm_record(created.id).await.unwrap(),
            Some(created.clone()),
            "{}",
            t.label
        );
        s.create_record(NewCrmRecord {
            module: "Accounts".into(),
            fields: fields(&[("accountname", "Acme")]),
            assigned_user: None,
        })
        .await
        .unwrap();
        let contacts = s.module_records("Contacts").await.unwrap();
        assert_eq!(contacts, vec![created.clone()], "{}", t.label);
        let replaced = s
            .replace_record(created.id, fields(&[("lastname", "Jones")]), None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            replaced.fields,
            fields(&[("lastname", "Jones")]),
            "{}",
            t.label
        );
        assert_eq!(replaced.assigned_user, None, "{}", t.label);
        assert!(
            s.replace_record(RecordId(9999), BTreeMap::new(), None)
                .await
                .unwrap()
                .is_none(),
            "{}",
            t.label
        );
        assert!(s.delete_record(created.id).await.unwrap(), "{}", t.label);
        assert!(!s.delete_record(created.id).await.unwrap(), "{}", t.label);
        assert_eq!(s.crm_record(created.id).await.unwrap(), None, "{}", t.label);
    }
}
