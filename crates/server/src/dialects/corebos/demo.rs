//! The sandbox's demo CRM records: a few Accounts and Contacts to query right away.

use std::collections::BTreeMap;

use gatehouse_domain::{Crm, DomainError, NewCrmRecord, UserId};

/// (account name, industry, city, employees) and (first, last, email, account index).
const ACCOUNTS: [(&str, &str, &str, &str); 3] = [
    ("Acme Corporation", "Technology", "Paris", "120"),
    ("Globex", "Banking", "Berlin", "45"),
    ("Initech", "Technology", "Austin", "9"),
];
const CONTACTS: [(&str, &str, &str, usize); 4] = [
    ("Ann", "Smith", "ann.smith@acme.example", 0),
    ("Bob", "Jones", "bob.jones@globex.example", 1),
    ("Cid", "Lee", "cid.lee@initech.example", 2),
    ("Dee", "Ray", "dee.ray@acme.example", 0),
];

/// Seeds demo Accounts and Contacts assigned to `owner`, through the `Crm` port.
pub async fn seed<C: Crm + ?Sized>(crm: &C, owner: UserId) -> Result<(), DomainError> {
    let accounts_prefix = super::modules::by_name("Accounts").map_or(11, |m| m.id_prefix);
    let mut account_ids = Vec::new();
    for (name, industry, city, employees) in ACCOUNTS {
        let fields = BTreeMap::from([
            ("accountname".to_owned(), name.to_owned()),
            ("industry".to_owned(), industry.to_owned()),
            ("bill_city".to_owned(), city.to_owned()),
            ("employees".to_owned(), employees.to_owned()),
        ]);
        let record = crm
            .create_record(NewCrmRecord {
                module: "Accounts".into(),
                fields,
                assigned_user: Some(owner),
            })
            .await?;
        account_ids.push(format!("{accounts_prefix}x{}", record.id));
    }
    for (first, last, email, account) in CONTACTS {
        let mut fields = BTreeMap::from([
            ("firstname".to_owned(), first.to_owned()),
            ("lastname".to_owned(), last.to_owned()),
            ("email".to_owned(), email.to_owned()),
            ("leadsource".to_owned(), "--None--".to_owned()),
        ]);
        if let Some(id) = account_ids.get(account) {
            fields.insert("account_id".to_owned(), id.clone());
        }
        crm.create_record(NewCrmRecord {
            module: "Contacts".into(),
            fields,
            assigned_user: Some(owner),
        })
        .await?;
    }
    Ok(())
}
