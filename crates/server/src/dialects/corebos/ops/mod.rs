//! The operations, one function each, split by family: module metadata, record CRUD
//! (CRM modules over the `Crm` port, `Users` over the Directory) and VTQL queries.

pub mod fields;
pub mod meta;
pub mod query;
pub mod records;
pub mod users;
