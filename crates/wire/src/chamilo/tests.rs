//! Byte-for-byte checks of the envelopes of specs/chamilo.md §2, and the schema's consistency.

use super::*;
use crate::soap::{FaultCode, SoapValue, decode_call, encode_fault, encode_response};
use crate::wsdl::TypeDef;

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/" xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/""#;

#[test]
fn a_string_return_is_the_spec_envelope_byte_for_byte() {
    let got = encode_response(&SERVICE, "WSCreateUser", &SoapValue::text("123"));
    let want = r#"<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/" xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/"><SOAP-ENV:Body><ns1:WSCreateUserResponse xmlns:ns1="urn:WSRegistration"><return xsi:type="xsd:string">123</return></ns1:WSCreateUserResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>"#;
    assert_eq!(got, want);
}

#[test]
fn an_array_return_declares_tns_and_counts_its_items() {
    let item = |v: &str, r: &str| {
        SoapValue::record([
            ("original_user_id_value", SoapValue::text(v)),
            ("result", SoapValue::text(r)),
        ])
    };
    let got = encode_response(
        &SERVICE,
        "WSDeleteUsers",
        &SoapValue::Array(vec![item("A1", "1"), item("A2", "0")]),
    );
    let want = format!(
        r#"{HEAD} xmlns:tns="urn:WSRegistration"><SOAP-ENV:Body><ns1:WSDeleteUsersResponse xmlns:ns1="urn:WSRegistration"><return xsi:type="SOAP-ENC:Array" SOAP-ENC:arrayType="tns:result_actionUsers[2]"><item xsi:type="tns:result_actionUsers"><original_user_id_value xsi:type="xsd:string">A1</original_user_id_value><result xsi:type="xsd:string">1</result></item><item xsi:type="tns:result_actionUsers"><original_user_id_value xsi:type="xsd:string">A2</original_user_id_value><result xsi:type="xsd:string">0</result></item></return></ns1:WSDeleteUsersResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>"#
    );
    assert_eq!(got, want);
}

#[test]
fn an_empty_array_is_an_open_close_pair_with_a_zero_count() {
    let got = encode_response(
        &SERVICE,
        "WSEditCourseDescription",
        &SoapValue::Array(vec![]),
    );
    let want = format!(
        r#"{HEAD} xmlns:tns="urn:WSRegistration"><SOAP-ENV:Body><ns1:WSEditCourseDescriptionResponse xmlns:ns1="urn:WSRegistration"><return xsi:type="SOAP-ENC:Array" SOAP-ENC:arrayType="tns:result_editCourseDescription[0]"></return></ns1:WSEditCourseDescriptionResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>"#
    );
    assert_eq!(got, want);
}

#[test]
fn a_nil_return_is_self_closing_with_xsi_nil() {
    let got = encode_response(&SERVICE, "WSCreateUser", &SoapValue::Nil);
    assert!(
        got.contains(r#"<return xsi:nil="true" xsi:type="xsd:string"/>"#),
        "{got}"
    );
}

#[test]
fn a_struct_return_keeps_declared_order_omits_missing_members_and_escapes_text() {
    let value = SoapValue::record([
        ("lastname", SoapValue::text("O'Brien & <Sons>")),
        ("user_id", SoapValue::text("7")),
        ("unknown", SoapValue::text("dropped")),
    ]);
    let got = encode_response(&SERVICE, "WSGetUser", &value);
    let want = format!(
        r#"{HEAD} xmlns:tns="urn:WSRegistration"><SOAP-ENV:Body><ns1:WSGetUserResponse xmlns:ns1="urn:WSRegistration"><return xsi:type="tns:User"><user_id xsi:type="xsd:string">7</user_id><lastname xsi:type="xsd:string">O&apos;Brien &amp; &lt;Sons&gt;</lastname></return></ns1:WSGetUserResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>"#
    );
    assert_eq!(got, want);
}

#[test]
fn int_members_are_typed_xsd_int() {
    let value = SoapValue::Array(vec![SoapValue::record([
        ("original_user_id_value", SoapValue::text("U1")),
        ("original_course_id_value", SoapValue::text("C1")),
        ("result", SoapValue::text("1")),
    ])]);
    let got = encode_response(&SERVICE, "WSSubscribeUserToCourse", &value);
    assert!(
        got.contains(r#"<result xsi:type="xsd:int">1</result>"#),
        "{got}"
    );
    assert!(got.contains(r#"SOAP-ENC:arrayType="tns:subscribeUserToCourse_return[1]""#));
}

#[test]
fn an_array_where_a_string_is_declared_renders_as_the_word_array() {
    let got = encode_response(
        &SERVICE,
        "WSSubscribeUserToCourseSimple",
        &SoapValue::Array(vec![]),
    );
    assert!(
        got.contains(r#"<return xsi:type="xsd:string">Array</return>"#),
        "{got}"
    );
}

#[test]
fn the_secret_key_fault_is_the_spec_fault_byte_for_byte() {
    let got = encode_fault(FaultCode::Server, faults::SECRET_KEY);
    let want = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><SOAP-ENV:Envelope SOAP-ENV:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"\n  xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\"\n  xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"\n  xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n  xmlns:SOAP-ENC=\"http://schemas.xmlsoap.org/soap/encoding/\">\n<SOAP-ENV:Body><SOAP-ENV:Fault><faultcode xsi:type=\"xsd:string\">Server</faultcode><faultactor xsi:type=\"xsd:string\"></faultactor><faultstring xsi:type=\"xsd:string\">Secret key is not correct or params are not correctly set</faultstring><detail xsi:type=\"xsd:string\"></detail></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>";
    assert_eq!(got, want);
}

#[test]
fn a_client_fault_keeps_the_prefix_and_makes_non_ascii_a_character_reference() {
    let got = encode_fault(FaultCode::Client, &faults::unknown_operation("WSÉcho"));
    assert!(got.contains("<faultcode xsi:type=\"xsd:string\">SOAP-ENV:Client</faultcode>"));
    assert!(
        got.contains(
            "Operation &apos;WS&#201;cho&apos; is not defined in the WSDL for this service"
        )
    );
    assert!(got.is_ascii());
}

#[test]
fn every_type_the_service_names_is_defined_once() {
    let mut names: Vec<&str> = TYPES.iter().map(|t| t.name()).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "duplicate type names");
    let resolves = |ty: &str| ty.starts_with("xsd:") || SERVICE.type_def(ty).is_some();
    for t in TYPES {
        match t {
            TypeDef::Struct { name, fields } => {
                for f in *fields {
                    assert!(
                        resolves(f.ty),
                        "{name}.{} has unknown type {}",
                        f.name,
                        f.ty
                    );
                }
            }
            TypeDef::Array { name, item } => assert!(resolves(item), "{name} of unknown {item}"),
        }
    }
    for op in OPERATIONS {
        assert!(resolves(op.input), "{} input {}", op.name, op.input);
        assert!(resolves(op.output), "{} output {}", op.name, op.output);
    }
}

#[test]
fn the_wsdl_lists_every_operation_with_its_quirky_soap_actions() {
    let w = SERVICE.wsdl("http://127.0.0.1:8080/chamilo/main/webservices/registration.soap.php");
    for op in OPERATIONS {
        assert!(
            w.contains(&format!("<operation name=\"{}\">", op.name)),
            "{}",
            op.name
        );
    }
    assert!(w.contains("<operation name=\"WSUpdateUserApiKey\">\n    <soap:operation soapAction=\"urn:WSRegistration#WSListCourses\""));
    assert!(w.contains("<xsd:element name=\"active\" type=\"xsd:string\" minOccurs=\"0\"/>"));
    assert!(w.contains("<xsd:element name=\"ids\" type=\"tns:user_ids_array\" minOccurs=\"0\"/>"));
    assert!(w.contains("<portType name=\"WSRegistrationPortType\">"));
    assert!(w.contains("<service name=\"WSRegistration\">\n  <port name=\"WSRegistrationPort\" binding=\"tns:WSRegistrationBinding\">"));
}

/// Every captured request under `fixtures/chamilo/soap/` decodes, to the operation its file
/// name starts with, and that operation is one the service describes.
#[test]
fn every_request_fixture_decodes_to_the_operation_it_is_named_after() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/chamilo/soap");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        panic!("no fixtures directory at {}", dir.display());
    };
    let mut seen = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".request.xml") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap_or_default();
        let call = match decode_call(&bytes) {
            Ok(c) => c,
            Err(e) => panic!("{name}: {e}"),
        };
        let op = name.split('.').next().unwrap_or_default();
        assert_eq!(call.operation, op, "{name}");
        assert!(
            SERVICE.operation(op).is_some(),
            "{name}: not a served operation"
        );
        assert!(call.first_part().is_some(), "{name}: no part");
        seen += 1;
    }
    assert!(seen > 0, "no request fixtures found");
}

/// Every captured response under `fixtures/chamilo/soap/` decodes and re-emits byte for byte:
/// the writer still produces exactly what the clients were tested against.
#[test]
fn every_response_fixture_re_emits_byte_for_byte() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/chamilo/soap");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".response.xml") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        let call = match decode_call(text.as_bytes()) {
            Ok(c) => c,
            Err(e) => panic!("{name}: {e}"),
        };
        let op = call.operation.strip_suffix("Response").unwrap_or_default();
        let value = call.first_part().cloned().unwrap_or(SoapValue::Nil);
        assert_eq!(encode_response(&SERVICE, op, &value), text, "{name}");
        seen += 1;
    }
    assert!(seen > 0, "no response fixtures found");
}
