//! The Courses port.

use gatehouse_domain::{
    Attributes, CourseId, CoursePatch, CourseVisibility, Courses, DomainError, EntityKind,
    EntityRef, NewCourse, Page,
};

use crate::support::stores;

#[tokio::test]
async fn a_created_course_reads_back_by_id_and_by_code() {
    for t in stores().await {
        let s = &t.store;
        let mut new = NewCourse::new("MATH101", "Calculus");
        new.category = "SCI".into();
        new.language = "italian".into();
        new.visibility = CourseVisibility::World;
        new.disk_quota_mb = 250;
        new.tutor_name = "Prof. Rossi".into();
        new.description = "Limits and series".into();
        new.external_ids = vec![("erp".into(), "c-1".into())];
        new.extra = vec![("room".into(), "B2".into())];
        let course = s.create_course(new).await.unwrap();
        assert_eq!(course.code, "MATH101", "{}", t.label);
        assert_eq!(course.visibility, CourseVisibility::World, "{}", t.label);
        assert_eq!(course.disk_quota_mb, 250, "{}", t.label);
        assert_eq!(course.deleted_at, None, "{}", t.label);
        assert_eq!(
            s.course(course.id).await.unwrap().unwrap(),
            course,
            "{}",
            t.label
        );
        assert_eq!(
            s.course_by_code("MATH101").await.unwrap().unwrap(),
            course,
            "{}",
            t.label
        );
        assert!(
            s.course_by_code("math101").await.unwrap().is_none(),
            "{}",
            t.label
        );
        let entity = EntityRef {
            kind: EntityKind::Course,
            id: course.id.0,
        };
        assert_eq!(
            s.external_ids(entity).await.unwrap()[0].value,
            "c-1",
            "{}",
            t.label
        );
        assert_eq!(
            s.extra_values(entity).await.unwrap()[0].value,
            "B2",
            "{}",
            t.label
        );
        assert!(
            s.course(CourseId(9999)).await.unwrap().is_none(),
            "{}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn course_codes_are_unique_among_live_courses() {
    for t in stores().await {
        let s = &t.store;
        let first = s.create_course(NewCourse::new("ART", "Art")).await.unwrap();
        let err = s
            .create_course(NewCourse::new("ART", "Art again"))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, DomainError::CourseCodeTaken(c) if c == "ART"),
            "{}: {err:?}",
            t.label
        );
        s.delete_course(first.id).await.unwrap();
        let second = s
            .create_course(NewCourse::new("ART", "Art, second edition"))
            .await
            .unwrap();
        assert_ne!(second.id, first.id, "{}", t.label);
        assert_eq!(
            s.course_by_code("ART").await.unwrap().unwrap().id,
            second.id,
            "{}",
            t.label
        );
        let err = s
            .create_course(NewCourse::new("  ", "Blank"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::Invalid { field: "code", .. }),
            "{}: {err:?}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn soft_deleted_courses_are_hidden_from_lookups_but_visible_by_id() {
    for t in stores().await {
        let s = &t.store;
        let keep = s
            .create_course(NewCourse::new("KEEP", "Kept"))
            .await
            .unwrap();
        let gone = s
            .create_course(NewCourse::new("GONE", "Gone"))
            .await
            .unwrap();
        s.delete_course(gone.id).await.unwrap();
        assert!(
            s.course_by_code("GONE").await.unwrap().is_none(),
            "{}",
            t.label
        );
        let listed: Vec<CourseId> = s
            .list_courses(Page::all())
            .await
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(listed, vec![keep.id], "{}", t.label);
        let by_id = s.course(gone.id).await.unwrap().unwrap();
        assert!(by_id.deleted_at.is_some(), "{}", t.label);
        // Deleting again is harmless; deleting what never existed is not.
        s.delete_course(gone.id).await.unwrap();
        let err = s.delete_course(CourseId(9999)).await.unwrap_err();
        assert!(
            matches!(err, DomainError::CourseNotFound(CourseId(9999))),
            "{}: {err:?}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn a_course_patch_changes_only_the_fields_it_names() {
    for t in stores().await {
        let s = &t.store;
        let mut new = NewCourse::new("HIST", "History");
        new.tutor_name = "Dr. Bloch".into();
        let course = s.create_course(new).await.unwrap();
        s.define_extra_field(EntityKind::Course, "room")
            .await
            .unwrap();
        let patch = CoursePatch {
            title: Some("World History".into()),
            visibility: Some(CourseVisibility::Hidden),
            disk_quota_mb: Some(5),
            extra: vec![("room".into(), "A1".into()), ("nope".into(), "x".into())],
            ..CoursePatch::default()
        };
        let patched = s.update_course(course.id, patch).await.unwrap();
        assert_eq!(patched.title, "World History", "{}", t.label);
        assert_eq!(patched.tutor_name, "Dr. Bloch", "{}", t.label);
        assert_eq!(patched.visibility, CourseVisibility::Hidden, "{}", t.label);
        assert_eq!(patched.disk_quota_mb, 5, "{}", t.label);
        assert_eq!(
            s.course(course.id).await.unwrap().unwrap(),
            patched,
            "{}",
            t.label
        );
        let entity = EntityRef {
            kind: EntityKind::Course,
            id: course.id.0,
        };
        let values = s.extra_values(entity).await.unwrap();
        assert_eq!(values.len(), 1, "{}", t.label);
        assert!(
            !s.extra_field_exists(EntityKind::Course, "nope")
                .await
                .unwrap(),
            "{}",
            t.label
        );
        let err = s
            .update_course(CourseId(9999), CoursePatch::default())
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::CourseNotFound(_)),
            "{}: {err:?}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn live_courses_list_in_id_order_by_page() {
    for t in stores().await {
        let s = &t.store;
        for n in 0..4 {
            s.create_course(NewCourse::new(format!("C{n}"), "x"))
                .await
                .unwrap();
        }
        let page = s
            .list_courses(Page {
                offset: 1,
                limit: 2,
            })
            .await
            .unwrap();
        let codes: Vec<&str> = page.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes, ["C1", "C2"], "{}", t.label);
        t.finish().await;
    }
}
