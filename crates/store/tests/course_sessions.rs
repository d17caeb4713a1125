//! The CourseSessions and CourseDescriptions ports.

use gatehouse_domain::{
    Attributes, CourseDescriptions, CourseSessionId, CourseSessionPatch, CourseSessions, Courses,
    DomainError, EntityKind, EntityRef, NewCourse, NewCourseSession, Page, SessionVisibility,
    UserId, Users,
};

use crate::support::{at, stores, user};

#[tokio::test]
async fn a_created_session_reads_back_by_id_and_by_name_with_its_attributes() {
    for t in stores().await {
        let s = &t.store;
        let coach = user(s, "coach").await;
        let mut new = NewCourseSession::new("Spring 2026");
        new.coach = Some(coach.id);
        new.access_start = Some(at(1_767_225_600));
        new.access_end = Some(at(1_782_863_999));
        new.coach_access_start = Some(at(1_767_139_200));
        new.coach_access_end = Some(at(1_782_950_399));
        new.visibility = SessionVisibility::Available;
        new.description = "Cohort A".into();
        new.duration_days = Some(30);
        new.external_ids = vec![("hr_id".into(), "S-1".into())];
        new.extra = vec![("room".into(), "B12".into())];
        let created = s.create_session(new).await.unwrap();
        assert_eq!(created.name, "Spring 2026", "{}", t.label);
        assert_eq!(created.coach, Some(coach.id), "{}", t.label);
        assert_eq!(created.duration_days, Some(30), "{}", t.label);
        assert_eq!(
            created.visibility,
            SessionVisibility::Available,
            "{}",
            t.label
        );
        assert_eq!(
            s.session(created.id).await.unwrap().as_ref(),
            Some(&created),
            "{}",
            t.label
        );
        assert_eq!(
            s.session_by_name("Spring 2026").await.unwrap().as_ref(),
            Some(&created),
            "{}",
            t.label
        );
        let entity = EntityRef {
            kind: EntityKind::Session,
            id: created.id.0,
        };
        assert_eq!(
            s.find_by_external_id(EntityKind::Session, "hr_id", "S-1")
                .await
                .unwrap(),
            Some(created.id.0),
            "{}",
            t.label
        );
        assert_eq!(
            s.extra_values(entity).await.unwrap().len(),
            1,
            "{}",
            t.label
        );
        assert!(s.session_by_name("spring").await.unwrap().is_none());
        t.finish().await;
    }
}

#[tokio::test]
async fn a_second_session_with_a_taken_name_or_a_missing_coach_is_refused() {
    for t in stores().await {
        let s = &t.store;
        s.create_session(NewCourseSession::new("Dup"))
            .await
            .unwrap();
        let err = s
            .create_session(NewCourseSession::new("Dup"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::SessionNameTaken(ref n) if n == "Dup"),
            "{}: {err}",
            t.label
        );
        let mut orphan = NewCourseSession::new("Orphan");
        orphan.coach = Some(UserId(9999));
        let err = s.create_session(orphan).await.unwrap_err();
        assert!(
            matches!(err, DomainError::UserNotFound(_)),
            "{}: {err}",
            t.label
        );
        assert!(
            s.session_by_name("Orphan").await.unwrap().is_none(),
            "{}",
            t.label
        );
        let err = s
            .create_session(NewCourseSession::new("  "))
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::Invalid { .. }),
            "{}: {err}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn updating_a_session_changes_only_what_the_patch_names() {
    for t in stores().await {
        let s = &t.store;
        let mut new = NewCourseSession::new("Old");
        new.description = "kept".into();
        new.access_start = Some(at(1_000));
        let created = s.create_session(new).await.unwrap();
        s.create_session(NewCourseSession::new("Other"))
            .await
            .unwrap();
        let patch = CourseSessionPatch {
            name: Some("New".into()),
            access_start: Some(None),
            visibility: Some(SessionVisibility::Invisible),
            ..Default::default()
        };
        let updated = s.update_session(created.id, patch).await.unwrap();
        assert_eq!(updated.name, "New", "{}", t.label);
        assert_eq!(updated.description, "kept", "{}", t.label);
        assert_eq!(updated.access_start, None, "{}", t.label);
        assert_eq!(
            updated.visibility,
            SessionVisibility::Invisible,
            "{}",
            t.label
        );
        assert_eq!(
            s.session(created.id).await.unwrap(),
            Some(updated),
            "{}",
            t.label
        );
        let taken = CourseSessionPatch {
            name: Some("Other".into()),
            ..Default::default()
        };
        let err = s.update_session(created.id, taken).await.unwrap_err();
        assert!(
            matches!(err, DomainError::SessionNameTaken(_)),
            "{}: {err}",
            t.label
        );
        let err = s
            .update_session(CourseSessionId(9999), CourseSessionPatch::default())
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::SessionNotFound(_)),
            "{}: {err}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn users_and_courses_join_and_leave_a_session_once() {
    for t in stores().await {
        let s = &t.store;
        let ann = user(s, "ann").await;
        let bob = user(s, "bob").await;
        let course = s.create_course(NewCourse::new("C1", "One")).await.unwrap();
        let session = s.create_session(NewCourseSession::new("S")).await.unwrap();
        assert!(
            s.add_session_user(session.id, bob.id).await.unwrap(),
            "{}",
            t.label
        );
        assert!(
            s.add_session_user(session.id, ann.id).await.unwrap(),
            "{}",
            t.label
        );
        assert!(
            !s.add_session_user(session.id, ann.id).await.unwrap(),
            "{}",
            t.label
        );
        assert_eq!(
            s.session_users(session.id).await.unwrap(),
            vec![ann.id, bob.id],
            "{}",
            t.label
        );
        assert_eq!(
            s.user_sessions(ann.id).await.unwrap(),
            vec![session.id],
            "{}",
            t.label
        );
        assert!(
            s.add_session_course(session.id, course.id).await.unwrap(),
            "{}",
            t.label
        );
        assert!(
            !s.add_session_course(session.id, course.id).await.unwrap(),
            "{}",
            t.label
        );
        assert_eq!(
            s.session_courses(session.id).await.unwrap(),
            vec![course.id],
            "{}",
            t.label
        );
        assert!(
            s.remove_session_user(session.id, ann.id).await.unwrap(),
            "{}",
            t.label
        );
        assert!(
            !s.remove_session_user(session.id, ann.id).await.unwrap(),
            "{}",
            t.label
        );
        assert!(
            s.remove_session_course(session.id, course.id)
                .await
                .unwrap(),
            "{}",
            t.label
        );
        assert!(
            !s.remove_session_course(session.id, course.id)
                .await
                .unwrap(),
            "{}",
            t.label
        );
        assert_eq!(
            s.session_users(session.id).await.unwrap(),
            vec![bob.id],
            "{}",
            t.label
        );
        assert!(
            s.session_courses(session.id).await.unwrap().is_empty(),
            "{}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn missing_sessions_users_and_deleted_courses_cannot_join() {
    for t in stores().await {
        let s = &t.store;
        let ann = user(s, "ann").await;
        let course = s
            .create_course(NewCourse::new("GONE", "Gone"))
            .await
            .unwrap();
        s.delete_course(course.id).await.unwrap();
        let session = s.create_session(NewCourseSession::new("S")).await.unwrap();
        let err = s
            .add_session_user(CourseSessionId(9999), ann.id)
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::SessionNotFound(_)),
            "{}: {err}",
            t.label
        );
        let err = s
            .add_session_user(session.id, UserId(9999))
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::UserNotFound(_)),
            "{}: {err}",
            t.label
        );
        let err = s
            .add_session_course(session.id, course.id)
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::CourseNotFound(_)),
            "{}: {err}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn deleting_a_session_removes_its_memberships_and_attributes_for_good() {
    for t in stores().await {
        let s = &t.store;
        let ann = user(s, "ann").await;
        let course = s.create_course(NewCourse::new("C", "C")).await.unwrap();
        let mut new = NewCourseSession::new("Doomed");
        new.external_ids = vec![("hr_id".into(), "D".into())];
        new.extra = vec![("room".into(), "1".into())];
        let session = s.create_session(new).await.unwrap();
        s.add_session_user(session.id, ann.id).await.unwrap();
        s.add_session_course(session.id, course.id).await.unwrap();
        s.delete_session(session.id).await.unwrap();
        assert!(
            s.session(session.id).await.unwrap().is_none(),
            "{}",
            t.label
        );
        assert!(
            s.user_sessions(ann.id).await.unwrap().is_empty(),
            "{}",
            t.label
        );
        assert!(
            s.find_by_external_id(EntityKind::Session, "hr_id", "D")
                .await
                .unwrap()
                .is_none(),
            "{}",
            t.label
        );
        let entity = EntityRef {
            kind: EntityKind::Session,
            id: session.id.0,
        };
        assert!(
            s.extra_values(entity).await.unwrap().is_empty(),
            "{}",
            t.label
        );
        // The name is free again.
        s.create_session(NewCourseSession::new("Doomed"))
            .await
            .unwrap();
        let err = s.delete_session(session.id).await.unwrap_err();
        assert!(
            matches!(err, DomainError::SessionNotFound(_)),
            "{}: {err}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn deleting_a_user_drops_their_memberships_and_leaves_coached_sessions_without_a_coach() {
    for t in stores().await {
        let s = &t.store;
        let coach = user(s, "coach").await;
        let ann = user(s, "ann").await;
        let mut new = NewCourseSession::new("S");
        new.coach = Some(coach.id);
        let session = s.create_session(new).await.unwrap();
        s.add_session_user(session.id, ann.id).await.unwrap();
        s.add_session_user(session.id, coach.id).await.unwrap();
        s.delete_user(ann.id).await.unwrap();
        s.delete_user(coach.id).await.unwrap();
        assert!(
            s.session_users(session.id).await.unwrap().is_empty(),
            "{}",
            t.label
        );
        let after = s.session(session.id).await.unwrap().unwrap();
        assert_eq!(after.coach, None, "{}", t.label);
        assert_eq!(
            s.list_sessions(Page::all()).await.unwrap().len(),
            1,
            "{}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn sessions_list_in_id_order_by_page() {
    for t in stores().await {
        let s = &t.store;
        for name in ["a", "b", "c"] {
            s.create_session(NewCourseSession::new(name)).await.unwrap();
        }
        let page = s
            .list_sessions(Page {
                offset: 1,
                limit: 5,
            })
            .await
            .unwrap();
        let names: Vec<_> = page.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, ["b", "c"], "{}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn course_descriptions_are_upserted_per_kind_and_listed_in_kind_order() {
    for t in stores().await {
        let s = &t.store;
        let course = s.create_course(NewCourse::new("D", "Desc")).await.unwrap();
        assert!(
            s.course_descriptions(course.id).await.unwrap().is_empty(),
            "{}",
            t.label
        );
        s.set_course_description(course.id, 3, "Topics", "a, b")
            .await
            .unwrap();
        s.set_course_description(course.id, 1, "General", "first")
            .await
            .unwrap();
        let replaced = s
            .set_course_description(course.id, 1, "Overview", "second")
            .await
            .unwrap();
        assert_eq!(replaced.title, "Overview", "{}", t.label);
        let all = s.course_descriptions(course.id).await.unwrap();
        let kinds: Vec<_> = all.iter().map(|d| (d.kind, d.content.as_str())).collect();
        assert_eq!(kinds, [(1, "second"), (3, "a, b")], "{}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn descriptions_of_a_missing_course_or_an_unknown_kind_are_refused() {
    for t in stores().await {
        let s = &t.store;
        let course = s.create_course(NewCourse::new("K", "Kinds")).await.unwrap();
        let err = s
            .set_course_description(course.id, 9, "x", "y")
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::Invalid { .. }),
            "{}: {err}",
            t.label
        );
        let err = s
            .set_course_description(gatehouse_domain::CourseId(9999), 1, "x", "y")
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::CourseNotFound(_)),
            "{}: {err}",
            t.label
        );
        t.finish().await;
    }
}
