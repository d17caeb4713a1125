//! `query`: VTQL over a module's rows (specs/corebos.md §8.6).

use gatehouse_domain::Store;

use super::super::auth::Caller;
use super::super::codec::Reply;
use super::super::error::CorebosError;
use super::super::json::Json;
use super::super::modules;
use super::super::vtql;
use super::fields::row_json;
use super::records::record_row;
use super::users::visible_rows;

/// Runs a statement: unknown module `ACCESS_DENIED ... denied for <Name>`, unknown field
/// `Permission to access '.<f>.' attribute denied.`, syntax errors `QUERY_SYNTAX_ERROR`;
/// `moreinfo.totalrows` counts the matches before `LIMIT`.
pub async fn query(store: &dyn Store, who: &Caller, text: &str) -> Result<Reply, CorebosError> {
    let select = vtql::parse(text).map_err(CorebosError::QuerySyntax)?;
    let module = modules::by_name_ignoring_case(&select.module)
        .ok_or_else(|| CorebosError::ModuleDenied(select.module.clone()))?;
    for field in select.fields() {
        let known = field == "id" || module.field(field).is_some_and(|f| !f.is_secret());
        if !known {
            return Err(CorebosError::FieldDenied(field.to_owned()));
        }
    }
    let rows = if module.is_users() {
        visible_rows(store, who, module).await?
    } else {
        store
            .module_records(&module.name)
            .await?
            .iter()
            .map(|r| record_row(module, r))
            .collect()
    };
    let is_reference =
        |name: &str| name == "id" || module.field(name).is_some_and(|f| f.is_reference());
    let outcome = vtql::run(&select, rows, &is_reference).map_err(|()| CorebosError::InvalidId)?;
    Ok(Reply {
        result: Json::Arr(outcome.rows.iter().map(row_json).collect()),
        moreinfo: Json::obj([("totalrows", Json::Str(outcome.total.to_string()))]),
    })
}
