//! Course descriptions: the eight typed sections of a course (specs/chamilo.md §4.2).

use gatehouse_domain::{Attributes, CourseDescriptions, Courses};
use gatehouse_wire::SoapValue;

use super::{id_value, intval, live_course_by_external};
use crate::dialects::chamilo::soap::codec::Params;
use crate::dialects::chamilo::soap::error::SoapError;

/// The default titles of kinds 1–8, Chamilo's English for GeneralDescription, Objectives,
/// Topics, Methodology, CourseMaterial, HumanAndTechnicalResources, Assessment and
/// AddCategory (§4.2; the exact English wording is from the language file, unverified).
pub const DEFAULT_TITLES: [&str; 8] = [
    "Description",
    "Objectives",
    "Topics",
    "Methodology",
    "Course material",
    "Resources",
    "Assessment",
    "Other",
];

fn default_title(kind: i64) -> &'static str {
    usize::try_from(kind - 1)
        .ok()
        .and_then(|i| DEFAULT_TITLES.get(i))
        .copied()
        .unwrap_or("")
}

/// `WSCourseDescription`: always eight entries, kinds 1–8, with the stored title and content
/// or empty strings; an unknown or deleted course answers Chamilo's `0`, which goes out as an
/// empty array.
pub async fn course_description<S: Courses + CourseDescriptions + Attributes + ?Sized>(
    store: &S,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let Some(course) = live_course_by_external(
        store,
        p.str("original_course_id_name"),
        p.str("original_course_id_value"),
    )
    .await?
    else {
        return Ok(SoapValue::Array(Vec::new()));
    };
    let stored = store.course_descriptions(course.id).await?;
    let entries = (1..=8)
        .map(|kind| {
            let found = stored.iter().find(|d| d.kind == kind);
            SoapValue::record([
                ("course_desc_id", id_value(kind)),
                (
                    "course_desc_default_title",
                    SoapValue::text(default_title(kind)),
                ),
                (
                    "course_desc_title",
                    SoapValue::text(found.map_or("", |d| d.title.as_str())),
                ),
                (
                    "course_desc_content",
                    SoapValue::text(found.map_or("", |d| d.content.as_str())),
                ),
            ])
        })
        .collect();
    Ok(SoapValue::Array(entries))
}

/// `WSEditCourseDescription`: per item `{original_course_id_value, course_desc_id, result}`,
/// `1` when the section was stored, `0` for an unknown course or a kind outside 1–8 (Chamilo's
/// own range check could never fail; this one does). An empty title takes the default.
pub async fn edit_course_description<S: Courses + CourseDescriptions + Attributes + ?Sized>(
    store: &S,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let mut out = Vec::new();
    for item in p.list("course_desc") {
        let value = item.str("original_course_id_value");
        let kind = intval(item.str("course_desc_id"));
        let course =
            live_course_by_external(store, item.str("original_course_id_name"), value).await?;
        let stored = match course {
            Some(course) if (1..=8).contains(&kind) => {
                let title = match item.str("course_desc_title") {
                    "" => default_title(kind),
                    t => t,
                };
                store
                    .set_course_description(course.id, kind, title, item.str("course_desc_content"))
                    .await?;
                true
            }
            _ => false,
        };
        out.push(SoapValue::record([
            ("original_course_id_value", SoapValue::text(value)),
            (
                "course_desc_id",
                SoapValue::text(item.str("course_desc_id")),
            ),
            ("result", id_value(i64::from(stored))),
        ]));
    }
    Ok(SoapValue::Array(out))
}
