//! The Users port.

use gatehouse_domain::{
    Attributes, Courses, CredentialKind, Credentials, DomainError, EnrolmentRole, EnrolmentStatus,
    Enrolments, EntityKind, EntityRef, NewCourse, NewCredential, NewUser, Page, PasswordHash,
    PlatformRole, Secret, UserId, UserPatch, Users,
};

use crate::support::{at, name, stores, user};

#[tokio::test]
async fn a_created_user_reads_back_by_id_and_by_username_in_any_case() {
    for t in stores().await {
        let s = &t.store;
        let mut new = NewUser::new(name("Alice"));
        new.first_name = "Alice".into();
        new.last_name = "Liddell".into();
        new.email = "alice@example.org".into();
        new.phone = "+39 055 000".into();
        new.official_code = "A-1".into();
        new.language = "english".into();
        new.role = PlatformRole::Teacher;
        new.is_admin = true;
        new.active = false;
        new.expires_at = Some(at(2_000_000_000));
        new.password = Some(PasswordHash::legacy_sha1(&"a".repeat(40), None).unwrap());
        let created = s.create_user(new).await.unwrap();
        assert_eq!(created.username.as_str(), "Alice", "{}", t.label);
        assert_eq!(created.auth_source, "platform", "{}", t.label);
        assert_eq!(created.created_at, created.updated_at, "{}", t.label);

        let by_id = s.user(created.id).await.unwrap().unwrap();
        assert_eq!(by_id, created, "{}", t.label);
        let by_name = s.user_by_username(&name("ALICE")).await.unwrap().unwrap();
        assert_eq!(by_name, created, "{}", t.label);
        assert!(s.user_by_username(&name("bob")).await.unwrap().is_none());
        assert!(s.user(UserId(9999)).await.unwrap().is_none());
        t.finish().await;
    }
}

#[tokio::test]
async fn usernames_are_unique_case_insensitively() {
    for t in stores().await {
        let s = &t.store;
        user(s, "alice").await;
        let err = s
            .create_user(NewUser::new(name("ALICE")))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, DomainError::UsernameTaken(n) if n == "ALICE"),
            "{}: {err:?}",
            t.label
        );
        let bob = user(s, "bob").await;
        let patch = UserPatch {
            username: Some(name("Alice")),
            ..UserPatch::default()
        };
        let err = s.update_user(bob.id, patch).await.unwrap_err();
        assert!(
            matches!(err, DomainError::UsernameTaken(_)),
            "{}: {err:?}",
            t.label
        );
        assert_eq!(s.count_users(None).await.unwrap(), 2, "{}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn a_taken_external_id_leaves_no_user_behind() {
    for t in stores().await {
        let s = &t.store;
        let mut first = NewUser::new(name("first"));
        first.external_ids = vec![("hr".into(), "42".into())];
        first.extra = vec![("badge".into(), "red".into())];
        let first = s.create_user(first).await.unwrap();

        let mut second = NewUser::new(name("second"));
        second.external_ids = vec![("hr".into(), "42".into())];
        second.extra = vec![("shoe_size".into(), "44".into())];
        let err = s.create_user(second).await.unwrap_err();
        assert!(
            matches!(&err, DomainError::ExternalIdTaken { kind: "user", name, value } if name == "hr" && value == "42"),
            "{}: {err:?}",
            t.label
        );
        assert!(
            s.user_by_username(&name("second")).await.unwrap().is_none(),
            "{}",
            t.label
        );
        assert_eq!(s.count_users(None).await.unwrap(), 1, "{}", t.label);
        // The extra field the failed create would have defined is gone with it.
        assert_eq!(
            s.extra_fields(EntityKind::User).await.unwrap(),
            vec!["badge"],
            "{}",
            t.label
        );
        let found = s
            .find_by_external_id(EntityKind::User, "hr", "42")
            .await
            .unwrap();
        assert_eq!(found, Some(first.id.0), "{}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn a_create_with_one_external_id_is_all_or_nothing_and_names_what_was_taken() {
    // Without extra values such a create is one round trip (one statement string on SQLite,
    // one WITH on PostgreSQL); a refused one falls back to the step-by-step transaction.
    for t in stores().await {
        let s = &t.store;
        let mut first = NewUser::new(name("first"));
        first.external_ids = vec![("hr".into(), "42".into())];
        first.password = Some(PasswordHash::legacy_md5(&"b".repeat(32), None).unwrap());
        let first = s.create_user(first).await.unwrap();
        assert_eq!(
            s.user(first.id).await.unwrap().as_ref(),
            Some(&first),
            "{}",
            t.label
        );
        let found = s
            .find_by_external_id(EntityKind::User, "hr", "42")
            .await
            .unwrap();
        assert_eq!(found, Some(first.id.0), "{}", t.label);

        for _ in 0..3 {
            // The external id is taken: nothing of the new user stays.
            let mut second = NewUser::new(name("second"));
            second.external_ids = vec![("hr".into(), "42".into())];
            let err = s.create_user(second).await.unwrap_err();
            assert!(
                matches!(&err, DomainError::ExternalIdTaken { kind: "user", name, value } if name == "hr" && value == "42"),
                "{}: {err:?}",
                t.label
            );
            // The username is taken (checked first, as before): its external id is not stored.
            let mut again = NewUser::new(name("FIRST"));
            again.external_ids = vec![("hr".into(), "43".into())];
            let err = s.create_user(again).await.unwrap_err();
            assert!(
                matches!(&err, DomainError::UsernameTaken(n) if n == "FIRST"),
                "{}: {err:?}",
                t.label
            );
            let mut both = NewUser::new(name("first"));
            both.external_ids = vec![("hr".into(), "42".into())];
            let err = s.create_user(both).await.unwrap_err();
            assert!(
                matches!(err, DomainError::UsernameTaken(_)),
                "{}: {err:?}",
                t.label
            );
        }
        assert!(s.user_by_username(&name("second")).await.unwrap().is_none());
        let none = s
            .find_by_external_id(EntityKind::User, "hr", "43")
            .await
            .unwrap();
        assert_eq!(none, None, "{}", t.label);
        assert_eq!(s.count_users(None).await.unwrap(), 1, "{}", t.label);

        // The writer is left outside any transaction: later writes of every shape work.
        let mut third = NewUser::new(name("third"));
        third.external_ids = vec![("hr".into(), "43".into())];
        let third = s.create_user(third).await.unwrap();
        let patch = UserPatch {
            email: Some("third@example.org".into()),
            ..UserPatch::default()
        };
        s.update_user(third.id, patch).await.unwrap();
        let plain = s.create_user(NewUser::new(name("plain"))).await.unwrap();
        assert!(plain.id.0 > third.id.0, "{}", t.label);
        let found = s
            .find_by_external_id(EntityKind::User, "hr", "43")
            .await
            .unwrap();
        assert_eq!(found, Some(third.id.0), "{}", t.label);
        assert_eq!(s.count_users(None).await.unwrap(), 3, "{}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn a_patch_changes_only_the_fields_it_names() {
    for t in stores().await {
        let s = &t.store;
        let mut new = NewUser::new(name("carol"));
        new.first_name = "Carol".into();
        new.email = "carol@example.org".into();
        new.expires_at = Some(at(1_900_000_000));
        new.password =
            Some(PasswordHash::legacy_md5(&"b".repeat(32), Some("salt".into())).unwrap());
        let carol = s.create_user(new).await.unwrap();
        s.define_extra_field(EntityKind::User, "badge")
            .await
            .unwrap();

        let patch = UserPatch {
            last_name: Some("Jones".into()),
            active: Some(false),
            expires_at: Some(None),
            role: Some(PlatformRole::HrManager),
            extra: vec![
                ("badge".into(), "blue".into()),
                ("missing".into(), "x".into()),
            ],
            ..UserPatch::default()
        };
        let patched = s.update_user(carol.id, patch).await.unwrap();
        assert_eq!(patched.first_name, "Carol", "{}", t.label);
        assert_eq!(patched.email, "carol@example.org", "{}", t.label);
        assert_eq!(patched.last_name, "Jones", "{}", t.label);
        assert!(!patched.active, "{}", t.label);
        assert_eq!(patched.expires_at, None, "{}", t.label);
        assert_eq!(patched.role, PlatformRole::HrManager, "{}", t.label);
        assert_eq!(patched.password, carol.password, "{}", t.label);
        assert!(patched.updated_at >= carol.updated_at, "{}", t.label);
        assert_eq!(
            s.user(carol.id).await.unwrap().unwrap(),
            patched,
            "{}",
            t.label
        );

        let entity = EntityRef {
            kind: EntityKind::User,
            id: carol.id.0,
        };
        let values = s.extra_values(entity).await.unwrap();
        assert_eq!(values.len(), 1, "{}", t.label);
        assert_eq!(
            (values[0].field.as_str(), values[0].value.as_str()),
            ("badge", "blue")
        );
        assert!(
            !s.extra_field_exists(EntityKind::User, "missing")
                .await
                .unwrap(),
            "{}",
            t.label
        );

        let renamed = s
            .update_user(
                carol.id,
                UserPatch {
                    username: Some(name("Caroline")),
                    ..UserPatch::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(renamed.username.as_str(), "Caroline", "{}", t.label);
        assert!(
            s.user_by_username(&name("carol")).await.unwrap().is_none(),
            "{}",
            t.label
        );

        let err = s
            .update_user(UserId(9999), UserPatch::default())
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::UserNotFound(UserId(9999))),
            "{}: {err:?}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn deleting_a_user_takes_its_enrolments_credentials_and_attributes_with_it() {
    for t in stores().await {
        let s = &t.store;
        let mut new = NewUser::new(name("dave"));
        new.external_ids = vec![("hr".into(), "7".into())];
        new.extra = vec![("badge".into(), "green".into())];
        let dave = s.create_user(new).await.unwrap();
        let course = s
            .create_course(NewCourse::new("C1", "Course"))
            .await
            .unwrap();
        s.enrol(
            dave.id,
            course.id,
            EnrolmentRole::Student,
            EnrolmentStatus::Subscribed,
        )
        .await
        .unwrap();
        let credential = s
            .issue_credential(NewCredential {
                kind: CredentialKind::ChamiloApiKey,
                owner: dave.id,
                public_id: "gh_dave".into(),
                label: String::new(),
                secret: Secret::new("dave-secret"),
                allowed_cidrs: vec![],
                expires_at: None,
            })
            .await
            .unwrap();

        s.delete_user(dave.id).await.unwrap();
        assert!(s.user(dave.id).await.unwrap().is_none(), "{}", t.label);
        assert!(
            s.enrolment(dave.id, course.id).await.unwrap().is_none(),
            "{}",
            t.label
        );
        assert!(
            s.course_enrolments(course.id).await.unwrap().is_empty(),
            "{}",
            t.label
        );
        assert!(
            s.credential_by_id(credential.id).await.unwrap().is_none(),
            "{}",
            t.label
        );
        assert!(
            s.find_by_external_id(EntityKind::User, "hr", "7")
                .await
                .unwrap()
                .is_none()
        );
        let entity = EntityRef {
            kind: EntityKind::User,
            id: dave.id.0,
        };
        assert!(
            s.extra_values(entity).await.unwrap().is_empty(),
            "{}",
            t.label
        );
        // The field itself stays: it belongs to the platform, not to the user.
        assert!(
            s.extra_field_exists(EntityKind::User, "badge")
                .await
                .unwrap(),
            "{}",
            t.label
        );
        // The freed external id may be given to someone else.
        let mut again = NewUser::new(name("erin"));
        again.external_ids = vec![("hr".into(), "7".into())];
        s.create_user(again).await.unwrap();

        let err = s.delete_user(dave.id).await.unwrap_err();
        assert!(
            matches!(err, DomainError::UserNotFound(_)),
            "{}: {err:?}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn a_password_can_be_replaced_and_removed() {
    for t in stores().await {
        let s = &t.store;
        let frank = user(s, "frank").await;
        assert!(frank.password.is_none(), "{}", t.label);
        let hash = PasswordHash::Argon2("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into());
        s.set_password(frank.id, Some(hash.clone())).await.unwrap();
        assert_eq!(
            s.user(frank.id).await.unwrap().unwrap().password,
            Some(hash),
            "{}",
            t.label
        );
        s.set_password(frank.id, None).await.unwrap();
        assert_eq!(
            s.user(frank.id).await.unwrap().unwrap().password,
            None,
            "{}",
            t.label
        );
        let err = s.set_password(UserId(9999), None).await.unwrap_err();
        assert!(
            matches!(err, DomainError::UserNotFound(_)),
            "{}: {err:?}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn users_list_in_id_order_by_page_and_count_by_activity() {
    for t in stores().await {
        let s = &t.store;
        for n in 0..5 {
            let mut new = NewUser::new(name(&format!("u{n}")));
            new.active = n % 2 == 0;
            s.create_user(new).await.unwrap();
        }
        let all = s.list_users(Page::all()).await.unwrap();
        let names: Vec<&str> = all.iter().map(|u| u.username.as_str()).collect();
        assert_eq!(names, ["u0", "u1", "u2", "u3", "u4"], "{}", t.label);
        assert!(all.windows(2).all(|w| w[0].id < w[1].id), "{}", t.label);
        let page = s
            .list_users(Page {
                offset: 1,
                limit: 2,
            })
            .await
            .unwrap();
        let names: Vec<&str> = page.iter().map(|u| u.username.as_str()).collect();
        assert_eq!(names, ["u1", "u2"], "{}", t.label);
        assert_eq!(
            s.list_users(Page::first(0)).await.unwrap().len(),
            0,
            "{}",
            t.label
        );
        assert_eq!(s.count_users(None).await.unwrap(), 5, "{}", t.label);
        assert_eq!(s.count_users(Some(true)).await.unwrap(), 3, "{}", t.label);
        assert_eq!(s.count_users(Some(false)).await.unwrap(), 2, "{}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn concurrent_creates_each_keep_their_own_outcome() {
    // On SQLite creates that arrive together share one transaction, each in a savepoint:
    // a refused one must not take the others with it, nor leave anything behind.
    for t in stores().await {
        let s = &t.store;
        let mut taken = NewUser::new(name("taken"));
        taken.external_ids = vec![("hr".into(), "0".into())];
        s.create_user(taken).await.unwrap();
        let mut tasks = Vec::new();
        for n in 0..60_u32 {
            let store = s.clone();
            tasks.push(tokio::spawn(async move {
                // A third ask for a login already taken, a third come in twins asking for
                // the same new login, a third for new logins (some with a taken external id).
                let login = match n % 3 {
                    0 => "taken".to_owned(),
                    1 => format!("twin{}", n / 6),
                    _ => format!("user{n}"),
                };
                let mut new = NewUser::new(name(&login));
                if n % 3 == 2 && n % 5 == 0 {
                    new.external_ids = vec![("hr".into(), "0".into())];
                } else if n % 2 == 1 {
                    new.external_ids = vec![("hr".into(), (1000 + n).to_string())];
                }
                let external = new.external_ids.first().map(|(_, v)| v.clone());
                (n, login, external, store.create_user(new).await)
            }));
        }
        let mut created = 0;
        let mut twins = std::collections::BTreeMap::new();
        for task in tasks {
            let (n, login, external, outcome) = task.await.unwrap();
            let outcome = outcome.inspect(|user| {
                assert_eq!(user.username.as_str(), login, "{}", t.label);
            });
            match (n % 3, external.as_deref(), outcome) {
                (0, _, Err(DomainError::UsernameTaken(l))) => assert_eq!(l, "taken"),
                (1, _, outcome) => twins.entry(login).or_insert_with(Vec::new).push(outcome),
                (2, Some("0"), Err(DomainError::ExternalIdTaken { value, .. })) => {
                    assert_eq!(value, "0")
                }
                (2, external, Ok(user)) => {
                    created += 1;
                    if let Some(value) = external {
                        let found = s
                            .find_by_external_id(EntityKind::User, "hr", value)
                            .await
                            .unwrap();
                        assert_eq!(found, Some(user.id.0), "{}: {n}", t.label);
                    }
                }
                (_, _, outcome) => panic!("{}: create {n} ({login}): {outcome:?}", t.label),
            }
        }
        assert_eq!(twins.len(), 10, "{}", t.label);
        for (login, outcomes) in twins {
            let ok = outcomes.iter().filter(|o| o.is_ok()).count();
            let refused = outcomes
                .iter()
                .filter(|o| matches!(o, Err(DomainError::UsernameTaken(l)) if *l == login))
                .count();
            assert_eq!((ok, refused), (1, 1), "{}: {login} {outcomes:?}", t.label);
            created += 1;
        }
        assert_eq!(
            s.count_users(None).await.unwrap(),
            1 + created,
            "{}",
            t.label
        );
        assert!(s.user_by_username(&name("user5")).await.unwrap().is_none());
        // The writer is usable afterwards.
        let after = s.create_user(NewUser::new(name("after"))).await.unwrap();
        assert_eq!(s.user(after.id).await.unwrap(), Some(after), "{}", t.label);
        t.finish().await;
    }
}
