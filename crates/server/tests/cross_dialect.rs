//! One record seen through every dialect (ARCHITECTURE §1, D18): what one dialect creates,
//! the others find.

use gatehouse_testkit::TestApp;

use crate::chamilo_soap::support::{call, s};
use crate::forma_support::forma_json;

#[tokio::test]
async fn a_user_created_through_forma_is_found_by_chamilo_soap_get_user_from_username() {
    let app = TestApp::new().await;
    let created = forma_json(
        &app,
        "/api/user/create",
        "userid=crossforma&firstname=Grazia&lastname=Verdi&email=gverdi%40example.test",
    )
    .await;
    assert_eq!(created["success"], true, "{created}");
    let got = call(
        &app,
        "WSGetUserFromUsername",
        "GetUserFromUsername",
        &s("username", "crossforma"),
    )
    .await
    .value();
    assert_eq!(got.str("firstname"), "Grazia");
    assert_eq!(got.str("lastname"), "Verdi");
    // Forma's idst and Chamilo's user_id are the same internal id.
    let idst = created["idst"].to_string().trim_matches('"').to_owned();
    assert_eq!(got.str("user_id"), idst, "{created}");
}
