//! The Credentials port.

use gatehouse_domain::{
    Attributes, Courses, CredentialFilter, CredentialId, CredentialKind, Credentials, DomainError,
    EntityKind, EntityRef, ExtraValue, NewCourse, NewCredential, Secret, SiteSecrets, UserId,
    UserPatch, Users,
};
use gatehouse_store::{MasterKey, SqlStore};

use crate::support::{at, stores, user};

fn new_credential(
    owner: UserId,
    kind: CredentialKind,
    public_id: &str,
    secret: &str,
) -> NewCredential {
    NewCredential {
        kind,
        owner,
        public_id: public_id.into(),
        label: format!("{public_id} label"),
        secret: Secret::new(secret),
        allowed_cidrs: vec![],
        expires_at: None,
    }
}

async fn owner(s: &SqlStore) -> UserId {
    user(s, "owner").await.id
}

#[tokio::test]
async fn an_issued_credential_reads_back_by_public_id_and_by_id() {
    for t in stores().await {
        let s = &t.store;
        let owner = owner(s).await;
        let mut new = new_credential(owner, CredentialKind::WildixApp, "app-1", "hmac-key");
        new.allowed_cidrs = vec![
            "10.0.0.0/8".parse().unwrap(),
            "2001:db8::/32".parse().unwrap(),
        ];
        new.expires_at = Some(at(2_000_000_000));
        let issued = s.issue_credential(new).await.unwrap();
        assert_eq!(issued.kind, CredentialKind::WildixApp, "{}", t.label);
        assert_eq!(issued.owner, owner, "{}", t.label);
        assert_eq!(issued.label, "app-1 label", "{}", t.label);
        assert_eq!(issued.allowed_cidrs.len(), 2, "{}", t.label);
        assert_eq!(issued.expires_at, Some(at(2_000_000_000)), "{}", t.label);
        assert_eq!(issued.revoked_at, None, "{}", t.label);
        assert_eq!(issued.rotated_at, None, "{}", t.label);
        assert_eq!(
            s.credential("app-1").await.unwrap().unwrap(),
            issued,
            "{}",
            t.label
        );
        assert_eq!(
            s.credential_by_id(issued.id).await.unwrap().unwrap(),
            issued,
            "{}",
            t.label
        );
        assert!(
            s.credential("app-2").await.unwrap().is_none(),
            "{}",
            t.label
        );
        assert!(
            s.credential_by_id(CredentialId(9999))
                .await
                .unwrap()
                .is_none(),
            "{}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn issuing_needs_a_unique_public_id_and_an_existing_owner() {
    for t in stores().await {
        let s = &t.store;
        let owner = owner(s).await;
        s.issue_credential(new_credential(
            owner,
            CredentialKind::ChamiloApiKey,
            "gh_1",
            "k1",
        ))
        .await
        .unwrap();
        let err = s
            .issue_credential(new_credential(
                owner,
                CredentialKind::ChamiloApiKey,
                "gh_1",
                "k2",
            ))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                DomainError::Invalid {
                    field: "public_id",
                    ..
                }
            ),
            "{}: {err:?}",
            t.label
        );
        let err = s
            .issue_credential(new_credential(
                UserId(9999),
                CredentialKind::ChamiloApiKey,
                "gh_2",
                "k3",
            ))
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
async fn a_credential_is_found_by_its_secret_within_its_kind_only() {
    for t in stores().await {
        let s = &t.store;
        let owner = owner(s).await;
        let api = s
            .issue_credential(new_credential(
                owner,
                CredentialKind::ChamiloApiKey,
                "gh_a",
                "shared-secret",
            ))
            .await
            .unwrap();
        let soap = s
            .issue_credential(new_credential(
                owner,
                CredentialKind::ChamiloSoapApiKey,
                "gh_b",
                "shared-secret",
            ))
            .await
            .unwrap();
        let found = s
            .find_by_secret(CredentialKind::ChamiloApiKey, &Secret::new("shared-secret"))
            .await
            .unwrap();
        assert_eq!(found.map(|c| c.id), Some(api.id), "{}", t.label);
        let found = s
            .find_by_secret(
                CredentialKind::ChamiloSoapApiKey,
                &Secret::new("shared-secret"),
            )
            .await
            .unwrap();
        assert_eq!(found.map(|c| c.id), Some(soap.id), "{}", t.label);
        assert!(
            s.find_by_secret(
                CredentialKind::CorebosAccessKey,
                &Secret::new("shared-secret")
            )
            .await
            .unwrap()
            .is_none(),
            "{}",
            t.label
        );
        assert!(
            s.find_by_secret(CredentialKind::ChamiloApiKey, &Secret::new("other"))
                .await
                .unwrap()
                .is_none(),
            "{}",
            t.label
        );
        // Revoked credentials are still found: the caller decides what revocation means.
        s.revoke_credential(api.id).await.unwrap();
        let found = s
            .find_by_secret(CredentialKind::ChamiloApiKey, &Secret::new("shared-secret"))
            .await
            .unwrap()
            .unwrap();
        assert!(found.revoked_at.is_some(), "{}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn a_credential_is_found_by_its_secret_with_its_owner_in_one_read() {
    for t in stores().await {
        let s = &t.store;
        let owner = owner(s).await;
        let other = user(s, "other").await;
        let key = s
            .issue_credential(new_credential(
                owner,
                CredentialKind::ChamiloApiKey,
                "gh_a",
                "owner-key",
            ))
            .await
            .unwrap();
        let secret = Secret::new("owner-key");
        let holder = s
            .find_by_secret_with_owner(CredentialKind::ChamiloApiKey, &secret, false)
            .await
            .unwrap()
            .expect("found");
        assert_eq!(holder.credential, key, "{}", t.label);
        assert_eq!(
            Some(holder.credential.clone()),
            s.find_by_secret(CredentialKind::ChamiloApiKey, &secret)
                .await
                .unwrap(),
            "{}",
            t.label
        );
        assert_eq!(
            Some(holder.owner),
            s.user(owner).await.unwrap(),
            "{}",
            t.label
        );
        assert_eq!(holder.extra, None, "{}", t.label);
        // No extra values yet: an empty list when asked for.
        let holder = s
            .find_by_secret_with_owner(CredentialKind::ChamiloApiKey, &secret, true)
            .await
            .unwrap()
            .expect("found");
        assert_eq!(holder.credential, key, "{}", t.label);
        assert_eq!(holder.extra, Some(vec![]), "{}", t.label);
        // Another kind, another secret: nothing.
        for (kind, secret) in [
            (CredentialKind::ChamiloSoapApiKey, "owner-key"),
            (CredentialKind::ChamiloApiKey, "other"),
        ] {
            for with_extra in [false, true] {
                let found = s
                    .find_by_secret_with_owner(kind, &Secret::new(secret), with_extra)
                    .await
                    .unwrap();
                assert!(found.is_none(), "{}: {kind:?} {secret}", t.label);
            }
        }
        // Revoked: still found, the caller decides.
        s.revoke_credential(key.id).await.unwrap();
        let holder = s
            .find_by_secret_with_owner(CredentialKind::ChamiloApiKey, &secret, true)
            .await
            .unwrap()
            .expect("found");
        assert!(holder.credential.revoked_at.is_some(), "{}", t.label);
        assert_eq!(holder.owner.id, owner, "{}", t.label);
        assert_ne!(holder.owner.id, other.id, "{}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn the_owner_comes_with_their_own_extra_values_only_in_field_order() {
    for t in stores().await {
        let s = &t.store;
        let owner = owner(s).await;
        let other = user(s, "other").await;
        // A course with the owner's numeric id: its values share `entity_id`.
        let course = s.create_course(NewCourse::new("C1", "One")).await.unwrap();
        assert_eq!(course.id.0, owner.0, "{}", t.label);
        let owner_ref = EntityRef {
            kind: EntityKind::User,
            id: owner.0,
        };
        for field in ["zeta", "alpha", "mid"] {
            s.define_extra_field(EntityKind::User, field).await.unwrap();
        }
        s.define_extra_field(EntityKind::Course, "course_only")
            .await
            .unwrap();
        for (field, value) in [("zeta", "z"), ("alpha", "a"), ("mid", "")] {
            assert!(s.set_extra_value(owner_ref, field, value).await.unwrap());
        }
        let other_ref = EntityRef {
            kind: EntityKind::User,
            id: other.id.0,
        };
        assert!(
            s.set_extra_value(other_ref, "alpha", "theirs")
                .await
                .unwrap()
        );
        let course_ref = EntityRef {
            kind: EntityKind::Course,
            id: course.id.0,
        };
        assert!(
            s.set_extra_value(course_ref, "course_only", "c")
                .await
                .unwrap()
        );
        s.issue_credential(new_credential(
            owner,
            CredentialKind::ChamiloApiKey,
            "gh_a",
            "owner-key",
        ))
        .await
        .unwrap();
        let holder = s
            .find_by_secret_with_owner(
                CredentialKind::ChamiloApiKey,
                &Secret::new("owner-key"),
                true,
            )
            .await
            .unwrap()
            .expect("found");
        let expected: Vec<ExtraValue> = [("alpha", "a"), ("mid", ""), ("zeta", "z")]
            .into_iter()
            .map(|(field, value)| ExtraValue {
                field: field.into(),
                value: value.into(),
            })
            .collect();
        assert_eq!(holder.extra.as_ref(), Some(&expected), "{}", t.label);
        assert_eq!(
            holder.extra,
            Some(s.extra_values(owner_ref).await.unwrap()),
            "{}",
            t.label
        );
        assert_eq!(holder.owner.id, owner, "{}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn a_row_whose_secret_does_not_open_to_the_one_sent_is_passed_over() {
    for t in stores().await {
        let s = &t.store;
        let owner = owner(s).await;
        let other = user(s, "other").await;
        s.define_extra_field(EntityKind::User, "a").await.unwrap();
        s.define_extra_field(EntityKind::User, "b").await.unwrap();
        for field in ["a", "b"] {
            let entity = EntityRef {
                kind: EntityKind::User,
                id: owner.0,
            };
            s.set_extra_value(entity, field, "owner's").await.unwrap();
        }
        let other_ref = EntityRef {
            kind: EntityKind::User,
            id: other.id.0,
        };
        s.set_extra_value(other_ref, "b", "other's").await.unwrap();
        let first = s
            .issue_credential(new_credential(
                owner,
                CredentialKind::ChamiloApiKey,
                "gh_first",
                "first-key",
            ))
            .await
            .unwrap();
        let second = s
            .issue_credential(new_credential(
                other.id,
                CredentialKind::ChamiloApiKey,
                "gh_second",
                "second-key",
            ))
            .await
            .unwrap();
        // The first row now carries the second key's lookup hash: the index finds both rows
        // (the first with two extra values), and only the second opens to the key sent.
        let pool = pool_of(&t.url).await;
        sqlx::query(
            "UPDATE credentials SET secret_hash = \
             (SELECT secret_hash FROM credentials WHERE id = $1) WHERE id = $2",
        )
        .bind(second.id.0)
        .bind(first.id.0)
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
        for with_extra in [false, true] {
            let holder = s
                .find_by_secret_with_owner(
                    CredentialKind::ChamiloApiKey,
                    &Secret::new("second-key"),
                    with_extra,
                )
                .await
                .unwrap()
                .expect("found");
            assert_eq!(holder.credential.id, second.id, "{}", t.label);
            assert_eq!(holder.owner.id, other.id, "{}", t.label);
            let extra = with_extra.then(|| {
                vec![ExtraValue {
                    field: "b".into(),
                    value: "other's".into(),
                }]
            });
            assert_eq!(holder.extra, extra, "{}", t.label);
        }
        // The first key itself no longer matches its row's hash: found nowhere.
        let found = s
            .find_by_secret_with_owner(
                CredentialKind::ChamiloApiKey,
                &Secret::new("first-key"),
                true,
            )
            .await
            .unwrap();
        assert!(found.is_none(), "{}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn reveal_returns_the_secret_and_rotation_replaces_it() {
    for t in stores().await {
        let s = &t.store;
        let owner = owner(s).await;
        let c = s
            .issue_credential(new_credential(
                owner,
                CredentialKind::CorebosAccessKey,
                "acc",
                "old-key",
            ))
            .await
            .unwrap();
        assert_eq!(
            s.reveal(c.id).await.unwrap().expose(),
            "old-key",
            "{}",
            t.label
        );
        let rotated = s
            .rotate_credential(c.id, Secret::new("new-key"))
            .await
            .unwrap();
        assert!(rotated.rotated_at.is_some(), "{}", t.label);
        assert_eq!(rotated.public_id, "acc", "{}", t.label);
        assert_eq!(
            s.reveal(c.id).await.unwrap().expose(),
            "new-key",
            "{}",
            t.label
        );
        assert!(
            s.find_by_secret(CredentialKind::CorebosAccessKey, &Secret::new("old-key"))
                .await
                .unwrap()
                .is_none(),
            "{}",
            t.label
        );
        let found = s
            .find_by_secret(CredentialKind::CorebosAccessKey, &Secret::new("new-key"))
            .await
            .unwrap();
        assert_eq!(found, Some(rotated), "{}", t.label);
        let err = s.reveal(CredentialId(9999)).await.unwrap_err();
        assert!(
            matches!(err, DomainError::CredentialIdNotFound(_)),
            "{}: {err:?}",
            t.label
        );
        let err = s
            .rotate_credential(CredentialId(9999), Secret::new("x"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::CredentialIdNotFound(_)),
            "{}: {err:?}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn revocation_is_for_good_and_keeps_its_first_time() {
    for t in stores().await {
        let s = &t.store;
        let owner = owner(s).await;
        let c = s
            .issue_credential(new_credential(
                owner,
                CredentialKind::ChamiloApiKey,
                "gh_r",
                "r",
            ))
            .await
            .unwrap();
        let revoked = s.revoke_credential(c.id).await.unwrap();
        let when = revoked.revoked_at.expect("revoked");
        assert!(!revoked.is_usable(when), "{}", t.label);
        let again = s.revoke_credential(c.id).await.unwrap();
        assert_eq!(again.revoked_at, Some(when), "{}", t.label);
        let err = s
            .rotate_credential(c.id, Secret::new("fresh"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::Invalid { .. }),
            "{}: {err:?}",
            t.label
        );
        let err = s.revoke_credential(CredentialId(9999)).await.unwrap_err();
        assert!(
            matches!(err, DomainError::CredentialIdNotFound(_)),
            "{}: {err:?}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn credentials_list_by_owner_and_kind_without_revoked_ones_unless_asked() {
    for t in stores().await {
        let s = &t.store;
        let a = user(s, "a").await.id;
        let b = user(s, "b").await.id;
        let c1 = s
            .issue_credential(new_credential(a, CredentialKind::ChamiloApiKey, "1", "s1"))
            .await
            .unwrap();
        let c2 = s
            .issue_credential(new_credential(a, CredentialKind::WildixApp, "2", "s2"))
            .await
            .unwrap();
        let c3 = s
            .issue_credential(new_credential(b, CredentialKind::ChamiloApiKey, "3", "s3"))
            .await
            .unwrap();
        s.revoke_credential(c3.id).await.unwrap();
        let ids = |list: Vec<gatehouse_domain::Credential>| {
            list.into_iter().map(|c| c.id).collect::<Vec<_>>()
        };
        assert_eq!(
            ids(s
                .list_credentials(CredentialFilter::default())
                .await
                .unwrap()),
            [c1.id, c2.id]
        );
        let all = CredentialFilter {
            include_revoked: true,
            ..CredentialFilter::default()
        };
        assert_eq!(
            ids(s.list_credentials(all).await.unwrap()),
            [c1.id, c2.id, c3.id],
            "{}",
            t.label
        );
        let of_a = CredentialFilter {
            owner: Some(a),
            ..CredentialFilter::default()
        };
        assert_eq!(
            ids(s.list_credentials(of_a).await.unwrap()),
            [c1.id, c2.id],
            "{}",
            t.label
        );
        let keys = CredentialFilter {
            kind: Some(CredentialKind::ChamiloApiKey),
            include_revoked: true,
            ..CredentialFilter::default()
        };
        assert_eq!(
            ids(s.list_credentials(keys).await.unwrap()),
            [c1.id, c3.id],
            "{}",
            t.label
        );
        let b_keys = CredentialFilter {
            owner: Some(b),
            kind: Some(CredentialKind::ChamiloApiKey),
            include_revoked: false,
        };
        assert!(
            s.list_credentials(b_keys).await.unwrap().is_empty(),
            "{}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn a_secret_is_never_stored_in_clear() {
    const SECRET: &str = "plain-text-canary-7f3a9c";
    for t in stores().await {
        let s = &t.store;
        let owner = owner(s).await;
        s.issue_credential(new_credential(
            owner,
            CredentialKind::ChamiloApiKey,
            "gh_canary",
            SECRET,
        ))
        .await
        .unwrap();
        s.put_site_secret("canary", &Secret::new(SECRET))
            .await
            .unwrap();
        // Every stored column, as text.
        let rows = sqlx::query(
            "SELECT public_id || '|' || label || '|' || secret_sealed || '|' || secret_hash AS line FROM credentials \
             UNION ALL SELECT name || '|' || secret_sealed AS line FROM site_secrets",
        )
        .fetch_all(&pool_of(&t.url).await)
        .await
        .unwrap();
        for row in rows {
            let line: String = sqlx::Row::get(&row, "line");
            assert!(!line.contains(SECRET), "{}: {line}", t.label);
        }
        if let Some(path) = &t.sqlite_path {
            // The database file and its write-ahead log, byte by byte.
            for file in [path.clone(), path.with_extension("sqlite-wal")] {
                if let Ok(bytes) = std::fs::read(&file) {
                    let found = bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes());
                    assert!(!found, "{} holds the secret in clear", file.display());
                }
            }
        }
        t.finish().await;
    }
}

#[tokio::test]
async fn a_credential_under_another_master_key_is_unreadable() {
    for t in stores().await {
        let owner = owner(&t.store).await;
        let c = t
            .store
            .issue_credential(new_credential(
                owner,
                CredentialKind::ChamiloApiKey,
                "gh_k",
                "the-key",
            ))
            .await
            .unwrap();
        let other = t.reopen_with(MasterKey::generate()).await;
        let err = other.reveal(c.id).await.unwrap_err();
        assert!(
            matches!(&err, DomainError::SecretUnreadable(what) if what == "credential:gh_k"),
            "{}: {err:?}",
            t.label
        );
        assert!(err.is_store_failure(), "{}", t.label);
        let err = other
            .find_by_secret(CredentialKind::ChamiloApiKey, &Secret::new("the-key"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::SecretUnreadable(_)),
            "{}: {err:?}",
            t.label
        );
        for with_extra in [false, true] {
            let err = other
                .find_by_secret_with_owner(
                    CredentialKind::ChamiloApiKey,
                    &Secret::new("the-key"),
                    with_extra,
                )
                .await
                .unwrap_err();
            assert!(
                matches!(err, DomainError::SecretUnreadable(_)),
                "{}: {err:?}",
                t.label
            );
        }
        other.close().await;
        t.finish().await;
    }
}

/// A raw pool on the test database, to read what is really stored.
async fn pool_of(url: &str) -> sqlx::AnyPool {
    sqlx::AnyPool::connect(url).await.expect("raw pool")
}

#[tokio::test]
async fn a_signing_credential_reads_with_its_secret_and_owner_as_the_separate_reads_do() {
    for t in stores().await {
        let s = &t.store;
        let owner = owner(s).await;
        let mut new = new_credential(owner, CredentialKind::WildixApp, "app-1", "hmac-key");
        new.allowed_cidrs = vec!["10.0.0.0/8".parse().unwrap()];
        new.expires_at = Some(at(2_000_000_000));
        let issued = s.issue_credential(new).await.unwrap();
        let revoked = s.revoke_credential(issued.id).await.unwrap();
        let found = s.signing_credential("app-1").await.unwrap().unwrap();
        // The credential's own id, expiry and issue time, not the owner's same-named columns.
        assert_eq!(found.credential, revoked, "{}", t.label);
        assert_eq!(
            found.secret.as_ref().unwrap().expose(),
            "hmac-key",
            "{}",
            t.label
        );
        assert_eq!(found.owner, s.user(owner).await.unwrap(), "{}", t.label);
        assert!(
            s.signing_credential("app-2").await.unwrap().is_none(),
            "{}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn a_signing_credential_carries_an_inactive_owner_for_the_caller_to_judge() {
    for t in stores().await {
        let s = &t.store;
        let owner = owner(s).await;
        s.issue_credential(new_credential(
            owner,
            CredentialKind::WildixApp,
            "app-1",
            "hmac-key",
        ))
        .await
        .unwrap();
        let patch = UserPatch {
            active: Some(false),
            ..UserPatch::default()
        };
        s.update_user(owner, patch).await.unwrap();
        let found = s.signing_credential("app-1").await.unwrap().unwrap();
        let user = found.owner.expect("owner");
        assert_eq!((user.id, user.active), (owner, false), "{}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn a_signing_credential_under_another_master_key_keeps_its_unreadable_secret_as_an_error() {
    for t in stores().await {
        let owner = owner(&t.store).await;
        let c = t
            .store
            .issue_credential(new_credential(
                owner,
                CredentialKind::WildixApp,
                "app-1",
                "hmac-key",
            ))
            .await
            .unwrap();
        let other = t.reopen_with(MasterKey::generate()).await;
        // The credential still reads, so the caller can refuse it for what it is first.
        let found = other.signing_credential("app-1").await.unwrap().unwrap();
        assert_eq!(found.credential, c, "{}", t.label);
        assert!(
            matches!(&found.secret, Err(DomainError::SecretUnreadable(what)) if what == "credential:app-1"),
            "{}: {:?}",
            t.label,
            found.secret
        );
        other.close().await;
        t.finish().await;
    }
}
