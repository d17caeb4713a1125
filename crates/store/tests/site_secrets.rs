//! The SiteSecrets port.

use gatehouse_domain::{DomainError, Secret, SiteSecrets};
use gatehouse_store::MasterKey;

use crate::support::stores;

#[tokio::test]
async fn site_secrets_are_set_replaced_read_and_listed() {
    for t in stores().await {
        let s = &t.store;
        assert!(
            s.site_secret("forma_secret").await.unwrap().is_none(),
            "{}",
            t.label
        );
        s.put_site_secret("forma_secret", &Secret::new("one"))
            .await
            .unwrap();
        s.put_site_secret("chamilo_security_key", &Secret::new("k"))
            .await
            .unwrap();
        s.put_site_secret("forma_secret", &Secret::new("two"))
            .await
            .unwrap();
        let value = s.site_secret("forma_secret").await.unwrap().unwrap();
        assert_eq!(value.expose(), "two", "{}", t.label);
        assert_eq!(
            s.site_secret_names().await.unwrap(),
            ["chamilo_security_key", "forma_secret"],
            "{}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn a_site_secret_under_another_master_key_is_unreadable() {
    for t in stores().await {
        t.store
            .put_site_secret("forma_sso_secret", &Secret::new("s3"))
            .await
            .unwrap();
        let other = t.reopen_with(MasterKey::generate()).await;
        let err = other.site_secret("forma_sso_secret").await.unwrap_err();
        assert!(
            matches!(&err, DomainError::SecretUnreadable(what) if what == "site:forma_sso_secret"),
            "{}: {err:?}",
            t.label
        );
        other.close().await;
        let same = t.reopen_with(t.key.clone()).await;
        assert_eq!(
            same.site_secret("forma_sso_secret")
                .await
                .unwrap()
                .unwrap()
                .expose(),
            "s3"
        );
        same.close().await;
        t.finish().await;
    }
}

#[tokio::test]
async fn creating_a_site_secret_keeps_the_first_value_written() {
    for t in stores().await {
        let s = &t.store;
        assert!(
            s.create_site_secret("forma.sso_secret", &Secret::new("first"))
                .await
                .unwrap(),
            "{}",
            t.label
        );
        assert!(
            !s.create_site_secret("forma.sso_secret", &Secret::new("second"))
                .await
                .unwrap(),
            "{}",
            t.label
        );
        let value = s.site_secret("forma.sso_secret").await.unwrap().unwrap();
        assert_eq!(value.expose(), "first", "{}", t.label);
        t.finish().await;
    }
}
