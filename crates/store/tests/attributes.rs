//! The Attributes port.

use gatehouse_domain::{
    Attributes, CourseId, Courses, DomainError, EntityKind, EntityRef, NewCourse, UserId, Users,
};

use crate::support::{stores, user};

#[tokio::test]
async fn external_ids_are_set_replaced_found_and_listed_by_name() {
    for t in stores().await {
        let s = &t.store;
        let u = user(s, "gina").await;
        let entity = EntityRef {
            kind: EntityKind::User,
            id: u.id.0,
        };
        s.set_external_id(entity, "zeta", "1").await.unwrap();
        s.set_external_id(entity, "alpha", "A").await.unwrap();
        s.set_external_id(entity, "zeta", "2").await.unwrap();
        let ids = s.external_ids(entity).await.unwrap();
        let pairs: Vec<(&str, &str)> = ids
            .iter()
            .map(|e| (e.name.as_str(), e.value.as_str()))
            .collect();
        assert_eq!(pairs, [("alpha", "A"), ("zeta", "2")], "{}", t.label);
        assert_eq!(
            s.find_by_external_id(EntityKind::User, "zeta", "2")
                .await
                .unwrap(),
            Some(u.id.0)
        );
        assert_eq!(
            s.find_by_external_id(EntityKind::User, "zeta", "1")
                .await
                .unwrap(),
            None
        );
        // Compared exactly, and per kind.
        assert_eq!(
            s.find_by_external_id(EntityKind::User, "ALPHA", "A")
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            s.find_by_external_id(EntityKind::Course, "alpha", "A")
                .await
                .unwrap(),
            None
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn a_user_is_read_by_external_id_in_one_lookup_exactly_and_per_kind() {
    for t in stores().await {
        let s = &t.store;
        let u = user(s, "hana").await;
        let entity = EntityRef {
            kind: EntityKind::User,
            id: u.id.0,
        };
        s.set_external_id(entity, "hr_id", "H-7").await.unwrap();
        let found = s.user_by_external_id("hr_id", "H-7").await.unwrap();
        assert_eq!(found.map(|f| f.id), Some(u.id), "{}", t.label);
        assert!(
            s.user_by_external_id("HR_ID", "H-7")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            s.user_by_external_id("hr_id", "h-7")
                .await
                .unwrap()
                .is_none()
        );
        // A course carrying the same pair is not a user.
        let course = s
            .create_course(NewCourse::new("Course H", "CH"))
            .await
            .unwrap();
        let course_ref = EntityRef {
            kind: EntityKind::Course,
            id: course.id.0,
        };
        s.set_external_id(course_ref, "hr_id", "C-1").await.unwrap();
        assert!(
            s.user_by_external_id("hr_id", "C-1")
                .await
                .unwrap()
                .is_none()
        );
        s.delete_user(u.id).await.unwrap();
        assert!(
            s.user_by_external_id("hr_id", "H-7")
                .await
                .unwrap()
                .is_none()
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn an_external_id_value_names_at_most_one_entity_of_a_kind() {
    for t in stores().await {
        let s = &t.store;
        let a = user(s, "a").await;
        let b = user(s, "b").await;
        let course = s.create_course(NewCourse::new("X", "x")).await.unwrap();
        s.set_external_id(
            EntityRef {
                kind: EntityKind::User,
                id: a.id.0,
            },
            "hr",
            "1",
        )
        .await
        .unwrap();
        let err = s
            .set_external_id(
                EntityRef {
                    kind: EntityKind::User,
                    id: b.id.0,
                },
                "hr",
                "1",
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::ExternalIdTaken { kind: "user", .. }),
            "{}: {err:?}",
            t.label
        );
        // Another kind may use the same value.
        s.set_external_id(
            EntityRef {
                kind: EntityKind::Course,
                id: course.id.0,
            },
            "hr",
            "1",
        )
        .await
        .unwrap();
        // Setting the same value again on its owner is fine.
        s.set_external_id(
            EntityRef {
                kind: EntityKind::User,
                id: a.id.0,
            },
            "hr",
            "1",
        )
        .await
        .unwrap();
        let err = s
            .set_external_id(
                EntityRef {
                    kind: EntityKind::User,
                    id: 9999,
                },
                "hr",
                "2",
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::UserNotFound(UserId(9999))),
            "{}: {err:?}",
            t.label
        );
        let err = s
            .set_external_id(
                EntityRef {
                    kind: EntityKind::Course,
                    id: 9999,
                },
                "hr",
                "2",
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::CourseNotFound(CourseId(9999))),
            "{}: {err:?}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn extra_fields_are_defined_once_per_kind_and_listed_in_order() {
    for t in stores().await {
        let s = &t.store;
        s.define_extra_field(EntityKind::User, "shoe")
            .await
            .unwrap();
        s.define_extra_field(EntityKind::User, "badge")
            .await
            .unwrap();
        s.define_extra_field(EntityKind::User, "badge")
            .await
            .unwrap();
        s.define_extra_field(EntityKind::Course, "room")
            .await
            .unwrap();
        assert_eq!(
            s.extra_fields(EntityKind::User).await.unwrap(),
            ["badge", "shoe"],
            "{}",
            t.label
        );
        assert_eq!(
            s.extra_fields(EntityKind::Course).await.unwrap(),
            ["room"],
            "{}",
            t.label
        );
        assert!(
            s.extra_field_exists(EntityKind::User, "badge")
                .await
                .unwrap(),
            "{}",
            t.label
        );
        assert!(
            !s.extra_field_exists(EntityKind::Course, "badge")
                .await
                .unwrap(),
            "{}",
            t.label
        );
        let err = s
            .define_extra_field(EntityKind::User, " ")
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::Invalid { .. }),
            "{}: {err:?}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn setting_a_value_of_a_missing_extra_field_stores_nothing_and_says_so() {
    for t in stores().await {
        let s = &t.store;
        let u = user(s, "hal").await;
        let entity = EntityRef {
            kind: EntityKind::User,
            id: u.id.0,
        };
        assert!(
            !s.set_extra_value(entity, "badge", "red").await.unwrap(),
            "{}",
            t.label
        );
        assert!(
            s.extra_values(entity).await.unwrap().is_empty(),
            "{}",
            t.label
        );
        assert!(
            !s.extra_field_exists(EntityKind::User, "badge")
                .await
                .unwrap(),
            "{}",
            t.label
        );

        s.define_extra_field(EntityKind::User, "badge")
            .await
            .unwrap();
        s.define_extra_field(EntityKind::User, "age").await.unwrap();
        assert!(
            s.set_extra_value(entity, "badge", "red").await.unwrap(),
            "{}",
            t.label
        );
        assert!(
            s.set_extra_value(entity, "badge", "blue").await.unwrap(),
            "{}",
            t.label
        );
        assert!(
            s.set_extra_value(entity, "age", "33").await.unwrap(),
            "{}",
            t.label
        );
        let values = s.extra_values(entity).await.unwrap();
        let pairs: Vec<(&str, &str)> = values
            .iter()
            .map(|v| (v.field.as_str(), v.value.as_str()))
            .collect();
        assert_eq!(pairs, [("age", "33"), ("badge", "blue")], "{}", t.label);
        let err = s
            .set_extra_value(
                EntityRef {
                    kind: EntityKind::User,
                    id: 9999,
                },
                "badge",
                "x",
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::UserNotFound(_)),
            "{}: {err:?}",
            t.label
        );
        t.finish().await;
    }
}
