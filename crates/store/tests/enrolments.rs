//! The Enrolments port.

use gatehouse_domain::{
    CourseId, Courses, DomainError, EnrolmentRole, EnrolmentStatus, Enrolments, NewCourse, UserId,
};

use crate::support::{stores, user};

#[tokio::test]
async fn enrolling_twice_updates_role_and_status_and_keeps_the_first_date() {
    for t in stores().await {
        let s = &t.store;
        let ann = user(s, "ann").await;
        let course = s
            .create_course(NewCourse::new("BIO", "Biology"))
            .await
            .unwrap();
        let first = s
            .enrol(
                ann.id,
                course.id,
                EnrolmentRole::Student,
                EnrolmentStatus::Subscribed,
            )
            .await
            .unwrap();
        assert_eq!(first.role, EnrolmentRole::Student, "{}", t.label);
        let second = s
            .enrol(
                ann.id,
                course.id,
                EnrolmentRole::Instructor,
                EnrolmentStatus::WaitingList,
            )
            .await
            .unwrap();
        assert_eq!(second.role, EnrolmentRole::Instructor, "{}", t.label);
        assert_eq!(second.status, EnrolmentStatus::WaitingList, "{}", t.label);
        assert_eq!(second.created_at, first.created_at, "{}", t.label);
        assert_eq!(
            s.enrolment(ann.id, course.id).await.unwrap().unwrap(),
            second,
            "{}",
            t.label
        );
        assert_eq!(
            s.course_enrolments(course.id).await.unwrap().len(),
            1,
            "{}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn every_role_and_status_survives_the_round_trip() {
    for t in stores().await {
        let s = &t.store;
        let u = user(s, "rt").await;
        let course = s
            .create_course(NewCourse::new("RT", "Round trip"))
            .await
            .unwrap();
        for level in 1..=7 {
            for code in -2..=4 {
                let role = EnrolmentRole::from_level(level).unwrap();
                let status = EnrolmentStatus::from_code(code).unwrap();
                s.enrol(u.id, course.id, role, status).await.unwrap();
                let read = s.enrolment(u.id, course.id).await.unwrap().unwrap();
                assert_eq!((read.role, read.status), (role, status), "{}", t.label);
            }
        }
        t.finish().await;
    }
}

#[tokio::test]
async fn enrolling_a_missing_user_or_in_a_missing_or_deleted_course_is_refused() {
    for t in stores().await {
        let s = &t.store;
        let u = user(s, "ben").await;
        let course = s
            .create_course(NewCourse::new("CHEM", "Chemistry"))
            .await
            .unwrap();
        let err = s
            .enrol(
                UserId(9999),
                course.id,
                EnrolmentRole::Student,
                EnrolmentStatus::Subscribed,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::UserNotFound(UserId(9999))),
            "{}: {err:?}",
            t.label
        );
        let err = s
            .enrol(
                u.id,
                CourseId(9999),
                EnrolmentRole::Student,
                EnrolmentStatus::Subscribed,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::CourseNotFound(CourseId(9999))),
            "{}: {err:?}",
            t.label
        );
        s.delete_course(course.id).await.unwrap();
        let err = s
            .enrol(
                u.id,
                course.id,
                EnrolmentRole::Student,
                EnrolmentStatus::Subscribed,
            )
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
async fn unenrolling_reports_whether_there_was_an_enrolment() {
    for t in stores().await {
        let s = &t.store;
        let u = user(s, "cat").await;
        let course = s
            .create_course(NewCourse::new("GEO", "Geography"))
            .await
            .unwrap();
        s.enrol(
            u.id,
            course.id,
            EnrolmentRole::Student,
            EnrolmentStatus::Started,
        )
        .await
        .unwrap();
        assert!(s.unenrol(u.id, course.id).await.unwrap(), "{}", t.label);
        assert!(!s.unenrol(u.id, course.id).await.unwrap(), "{}", t.label);
        assert!(
            s.enrolment(u.id, course.id).await.unwrap().is_none(),
            "{}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn a_users_enrolments_skip_deleted_courses_and_a_courses_list_orders_by_user() {
    for t in stores().await {
        let s = &t.store;
        let a = user(s, "a").await;
        let b = user(s, "b").await;
        let c1 = s.create_course(NewCourse::new("C1", "One")).await.unwrap();
        let c2 = s.create_course(NewCourse::new("C2", "Two")).await.unwrap();
        let c3 = s
            .create_course(NewCourse::new("C3", "Three"))
            .await
            .unwrap();
        for course in [c3.id, c1.id, c2.id] {
            s.enrol(
                a.id,
                course,
                EnrolmentRole::Student,
                EnrolmentStatus::Subscribed,
            )
            .await
            .unwrap();
        }
        s.enrol(
            b.id,
            c1.id,
            EnrolmentRole::Tutor,
            EnrolmentStatus::Subscribed,
        )
        .await
        .unwrap();
        s.delete_course(c2.id).await.unwrap();
        let mine: Vec<CourseId> = s
            .user_enrolments(a.id)
            .await
            .unwrap()
            .iter()
            .map(|e| e.course_id)
            .collect();
        assert_eq!(mine, vec![c1.id, c3.id], "{}", t.label);
        let members: Vec<UserId> = s
            .course_enrolments(c1.id)
            .await
            .unwrap()
            .iter()
            .map(|e| e.user_id)
            .collect();
        assert_eq!(members, vec![a.id, b.id], "{}", t.label);
        // A deleted course keeps its enrolments.
        assert_eq!(
            s.course_enrolments(c2.id).await.unwrap().len(),
            1,
            "{}",
            t.label
        );
        t.finish().await;
    }
}
