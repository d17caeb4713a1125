//! JSON as PHP's `json_encode` writes it: the shared writer of `gatehouse-wire`
//! (Chamilo's `RestResponse`, specs/chamilo.md §6).

pub use gatehouse_wire::php_json::Json;
