//! VTQL through `query`: a table of statements with the rows or errors they give
//! (specs/corebos.md §8.6; D2), and injection attempts that must stay harmless.

use serde_json::Value;

use crate::corebos_support::{Crm, error};

/// Five accounts and four contacts with known values.
async fn seeded() -> (Crm, String) {
    let crm = Crm::new().await;
    let sid = crm.admin_session().await;
    let accounts = [
        ("Acme", "Technology", "120", "Paris"),
        ("Globex", "Banking", "45", "Berlin"),
        ("Initech", "Technology", "9", "Austin"),
        ("Umbrella", "Healthcare", "3000", "Raccoon City"),
        ("O'Reilly", "Education", "60", "Sebastopol"),
    ];
    for (name, industry, employees, city) in accounts {
        let element = serde_json::json!({
            "accountname": name, "industry": industry, "employees": employees, "bill_city": city
        });
        create(&crm, &sid, "Accounts", &element).await;
    }
    let contacts = [
        ("Ann", "Smith", "ann@acme.example"),
        ("Bob", "Smithers", "bob@globex.example"),
        ("Cid", "Jones", "cid@initech.example"),
        ("Dee", "smith", ""),
    ];
    for (first, last, email) in contacts {
        let element = serde_json::json!({"firstname": first, "lastname": last, "email": email});
        create(&crm, &sid, "Contacts", &element).await;
    }
    (crm, sid)
}

async fn create(crm: &Crm, sid: &str, module: &str, element: &Value) {
    let (text, json) = crm
        .post(&[
            ("operation", "create"),
            ("sessionName", sid),
            ("elementType", module),
            ("element", &element.to_string()),
        ])
        .await;
    assert_eq!(json["success"], true, "{text}");
}

/// What a statement should give.
enum Expect {
    /// These values of `field`, in order.
    Rows(&'static str, &'static [&'static str]),
    /// `count(*)`.
    Count(&'static str),
    /// An error code (and, if given, the exact message).
    Error(&'static str, Option<&'static str>),
}

use Expect::{Count, Error, Rows};

#[tokio::test]
async fn vtql_statements_give_the_expected_rows_or_errors() {
    let (crm, sid) = seeded().await;
    let syntax = "QUERY_SYNTAX_ERROR";
    let cases: Vec<(&str, Expect)> = vec![
        (
            "select accountname from Accounts;",
            Rows(
                "accountname",
                &["Acme", "Globex", "Initech", "Umbrella", "O'Reilly"],
            ),
        ),
        (
            "SELECT accountname FROM Accounts",
            Rows(
                "accountname",
                &["Acme", "Globex", "Initech", "Umbrella", "O'Reilly"],
            ),
        ),
        (
            "select accountname from accounts;",
            Rows(
                "accountname",
                &["Acme", "Globex", "Initech", "Umbrella", "O'Reilly"],
            ),
        ),
        (
            "select * from Accounts where accountname = 'Acme';",
            Rows("accountname", &["Acme"]),
        ),
        (
            "select accountname from Accounts where accountname = 'acme';",
            Rows("accountname", &["Acme"]),
        ),
        (
            "select accountname from Accounts where accountname != 'Acme' limit 2;",
            Rows("accountname", &["Globex", "Initech"]),
        ),
        (
            "select accountname from Accounts where accountname <> 'Acme' limit 1;",
            Rows("accountname", &["Globex"]),
        ),
        (
            "select accountname from Accounts where employees > 100;",
            Rows("accountname", &["Acme", "Umbrella"]),
        ),
        (
            "select accountname from Accounts where employees >= 120;",
            Rows("accountname", &["Acme", "Umbrella"]),
        ),
        (
            "select accountname from Accounts where employees < 45;",
            Rows("accountname", &["Initech"]),
        ),
        (
            "select accountname from Accounts where employees <= 45;",
            Rows("accountname", &["Globex", "Initech"]),
        ),
        (
            "select accountname from Accounts where employees = 9;",
            Rows("accountname", &["Initech"]),
        ),
        (
            "select accountname from Accounts where industry = 'Technology' order by accountname desc;",
            Rows("accountname", &["Initech", "Acme"]),
        ),
        (
            "select accountname from Accounts order by employees;",
            Rows(
                "accountname",
                &["Initech", "Globex", "O'Reilly", "Acme", "Umbrella"],
            ),
        ),
        (
            "select accountname from Accounts order by employees asc limit 1, 2;",
            Rows("accountname", &["Globex", "O'Reilly"]),
        ),
        (
            "select accountname from Accounts order by bill_city desc limit 2;",
            Rows("accountname", &["O'Reilly", "Umbrella"]),
        ),
        (
            "select accountname from Accounts where accountname like 'A%';",
            Rows("accountname", &["Acme"]),
        ),
        (
            "select accountname from Accounts where accountname like '%e%' order by accountname;",
            Rows(
                "accountname",
                &["Acme", "Globex", "Initech", "O'Reilly", "Umbrella"],
            ),
        ),
        (
            "select accountname from Accounts where accountname like '_lobex';",
            Rows("accountname", &["Globex"]),
        ),
        (
            "select accountname from Accounts where accountname in ('Acme', 'Umbrella', 'Nope');",
            Rows("accountname", &["Acme", "Umbrella"]),
        ),
        (
            "select accountname from Accounts where accountname = 'O''Reilly';",
            Rows("accountname", &["O'Reilly"]),
        ),
        (
            "select accountname from Accounts where accountname = 'O\\'Reilly';",
            Rows("accountname", &["O'Reilly"]),
        ),
        // D2: AND binds tighter than OR.
        (
            "select accountname from Accounts where accountname = 'Acme' or industry = 'Technology' and employees < 10;",
            Rows("accountname", &["Acme", "Initech"]),
        ),
        (
            "select accountname from Accounts where industry = 'Technology' and employees < 10 or accountname = 'Umbrella';",
            Rows("accountname", &["Initech", "Umbrella"]),
        ),
        (
            "select accountname from Accounts where industry = 'Banking' or industry = 'Education';",
            Rows("accountname", &["Globex", "O'Reilly"]),
        ),
        (
            "select accountname from Accounts where industry = 'Technology' and bill_city = 'Paris';",
            Rows("accountname", &["Acme"]),
        ),
        ("select count(*) from Accounts;", Count("5")),
        (
            "select count(*) from Accounts where industry = 'Technology';",
            Count("2"),
        ),
        (
            "select COUNT(*) from Contacts where lastname like 'smith%';",
            Count("3"),
        ),
        (
            "select lastname from Contacts where lastname = 'smith';",
            Rows("lastname", &["Smith", "smith"]),
        ),
        (
            "select firstname from Contacts where email = '';",
            Rows("firstname", &["Dee"]),
        ),
        (
            "select firstname from Contacts where assigned_user_id = '19x1' limit 2;",
            Rows("firstname", &["Ann", "Bob"]),
        ),
        (
            "select firstname from Contacts where assigned_user_id = 19x1 limit 1;",
            Rows("firstname", &["Ann"]),
        ),
        (
            "select firstname from Contacts where firstname = 'Nobody';",
            Rows("firstname", &[]),
        ),
        (
            "select firstname from Contacts limit 0;",
            Rows("firstname", &[]),
        ),
        (
            "select firstname from Contacts limit 10, 5;",
            Rows("firstname", &[]),
        ),
        (
            "select user_name from Users order by user_name;",
            Rows("user_name", &["admin", "alice"]),
        ),
        // Errors.
        (
            "select firstname from Contacts where assigned_user_id = '1';",
            Error("INVALID_ID_ATTRIBUTE", Some("Id specified is incorrect")),
        ),
        (
            "select nosuchfield from Contacts;",
            Error(
                "ACCESS_DENIED",
                Some("Permission to access '.nosuchfield.' attribute denied."),
            ),
        ),
        (
            "select firstname from Contacts where nosuch = 'x';",
            Error(
                "ACCESS_DENIED",
                Some("Permission to access '.nosuch.' attribute denied."),
            ),
        ),
        (
            "select firstname from Contacts order by nosuch;",
            Error(
                "ACCESS_DENIED",
                Some("Permission to access '.nosuch.' attribute denied."),
            ),
        ),
        (
            "select user_password from Users;",
            Error(
                "ACCESS_DENIED",
                Some("Permission to access '.user_password.' attribute denied."),
            ),
        ),
        (
            "select * from Nope;",
            Error(
                "ACCESS_DENIED",
                Some("Permission to perform the operation is denied for Nope"),
            ),
        ),
        (
            "select * from Contacts where (lastname = 'Smith');",
            Error(
                syntax,
                Some(
                    "Syntax Error on line 1: token '(' Unexpected PARENOPEN((), expected one of: COLUMNNAME",
                ),
            ),
        ),
        (
            "select * from Contacts where lastname = \"Smith\";",
            Error(syntax, Some("Unexpected input at line1: \\\"")),
        ),
        (
            "select from Contacts;",
            Error(
                syntax,
                Some(
                    "Syntax Error on line 1: token 'from' Unexpected FRM(from), expected one of: ASTERISK,COUNT,COLUMNNAME",
                ),
            ),
        ),
        ("select * Contacts;", Error(syntax, None)),
        ("selec * from Contacts;", Error(syntax, None)),
        ("select * from Contacts where;", Error(syntax, None)),
        (
            "select * from Contacts where lastname;",
            Error(syntax, None),
        ),
        (
            "select * from Contacts where lastname = ;",
            Error(syntax, None),
        ),
        (
            "select * from Contacts where lastname in ();",
            Error(syntax, None),
        ),
        ("select * from Contacts limit;", Error(syntax, None)),
        ("select * from Contacts limit -1;", Error(syntax, None)),
        (
            "select * from Contacts order lastname;",
            Error(syntax, None),
        ),
        (
            "select * from Contacts; select * from Users;",
            Error(syntax, None),
        ),
        (
            "select * from Contacts where lastname = 'unterminated;",
            Error(syntax, None),
        ),
        ("", Error(syntax, None)),
        (
            "select Contacts.lastname from Contacts;",
            Error(syntax, None),
        ),
        (
            "select * from Contacts where lastname is null;",
            Error(syntax, None),
        ),
    ];
    assert!(cases.len() >= 40);
    for (statement, expect) in cases {
        let (text, json) = crm
            .get(&[
                ("operation", "query"),
                ("sessionName", &sid),
                ("query", statement),
            ])
            .await;
        match expect {
            Rows(field, values) => {
                let rows = json["result"]
                    .as_array()
                    .unwrap_or_else(|| panic!("{statement}: {text}"));
                let got: Vec<&str> = rows
                    .iter()
                    .map(|r| r[field].as_str().unwrap_or("?"))
                    .collect();
                assert_eq!(got, values, "{statement}");
                assert!(
                    rows.iter().all(|r| r["id"].is_string()),
                    "{statement}: id appended"
                );
            }
            Count(n) => {
                assert_eq!(
                    json["result"],
                    serde_json::json!([{"count": n}]),
                    "{statement}"
                );
            }
            Error(code, message) => {
                assert_eq!(json["error"]["code"], code, "{statement}: {text}");
                if let Some(message) = message {
                    assert_eq!(text, error(code, message), "{statement}");
                }
            }
        }
    }
}

#[tokio::test]
async fn totalrows_counts_the_matches_before_limit() {
    let (crm, sid) = seeded().await;
    let (text, _) = crm
        .get(&[
            ("operation", "query"),
            ("sessionName", &sid),
            (
                "query",
                "select accountname from Accounts order by accountname limit 1;",
            ),
        ])
        .await;
    assert!(text.ends_with(r#""moreinfo":{"totalrows":"5"}}"#), "{text}");
    assert!(
        text.starts_with(r#"{"success":true,"result":[{"accountname":"Acme","id":"11x"#),
        "{text}"
    );
}

#[tokio::test]
async fn without_a_limit_at_most_a_hundred_rows_come_back() {
    let crm = Crm::new().await;
    let sid = crm.admin_session().await;
    for i in 0..105 {
        create(
            &crm,
            &sid,
            "Leads",
            &serde_json::json!({"lastname": format!("L{i}"), "company": "C"}),
        )
        .await;
    }
    let (_, json) = crm
        .get(&[
            ("operation", "query"),
            ("sessionName", &sid),
            ("query", "select lastname from Leads;"),
        ])
        .await;
    assert_eq!(json["result"].as_array().unwrap().len(), 100);
    assert_eq!(json["moreinfo"]["totalrows"], "105");
}

#[tokio::test]
async fn injection_attempts_give_errors_or_no_rows_never_database_errors() {
    let (crm, sid) = seeded().await;
    let attempts = [
        "select * from Contacts where lastname = '' or '1'='1';",
        "select * from Contacts where lastname = 'x'; drop table crm_records; --';",
        "select * from Contacts where lastname = 'x'' or 1=1 --';",
        "select * from Contacts where lastname = '\\' or 1=1 -- ';",
        "select * from Contacts; delete from users;",
        "select * from crm_records;",
        "select * from Contacts where id = 1 union select * from users;",
        "select * from Contacts where \"lastname\" = 'x';",
        "select * from `Contacts`;",
        "select lastname,(select 1) from Contacts;",
        "select * from sqlite_master;",
        "select * from Contacts where lastname = 'x' /* comment */;",
        "select * from Contacts where lastname like '%' escape '\\';",
    ];
    for statement in attempts {
        let (text, json) = crm
            .get(&[
                ("operation", "query"),
                ("sessionName", &sid),
                ("query", statement),
            ])
            .await;
        let code = json["error"]["code"].as_str().unwrap_or("");
        assert!(
            code != "DATABASE_QUERY_ERROR" && code != "INTERNAL_SERVER_ERROR",
            "{statement}: {text}"
        );
        if json["success"] == true {
            assert_eq!(json["result"], serde_json::json!([]), "{statement}: {text}");
        }
    }
    // The table is still there.
    let (_, json) = crm
        .get(&[
            ("operation", "query"),
            ("sessionName", &sid),
            ("query", "select count(*) from Contacts;"),
        ])
        .await;
    assert_eq!(json["result"][0]["count"], "4");
}
