//! The response writer: NuSOAP 0.9.5's envelope and fault bytes (specs/chamilo.md §2).
//!
//! Integrators byte-compare and regex these responses, so the layout is copied exactly: no
//! whitespace in responses, the five namespace declarations in NuSOAP's order (plus
//! `xmlns:tns` when a `tns:` type is used), `ns1:<Op>Response`, `return` with `xsi:type`.
//! Types come from the service description, never from the value.

use super::{NS_SOAP_ENC, NS_SOAP_ENV, NS_XSD, NS_XSI, SoapValue};
use crate::wsdl::{Service, TypeDef};

/// The `faultcode` of a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultCode {
    /// `Server`, unprefixed, as Chamilo's `return_error` sends it (§2).
    Server,
    /// `SOAP-ENV:Client`: the request could not be read or names no operation (§2).
    Client,
    /// `SOAP-ENV:Server`: reserved for NuSOAP's own server faults.
    SoapServer,
}

impl FaultCode {
    fn as_str(self) -> &'static str {
        match self {
            Self::Server => "Server",
            Self::Client => "SOAP-ENV:Client",
            Self::SoapServer => "SOAP-ENV:Server",
        }
    }
}

fn envelope_open(with_tns: Option<&str>) -> String {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><SOAP-ENV:Envelope SOAP-ENV:encodingStyle=\"{NS_SOAP_ENC}\" xmlns:SOAP-ENV=\"{NS_SOAP_ENV}\" xmlns:xsd=\"{NS_XSD}\" xmlns:xsi=\"{NS_XSI}\" xmlns:SOAP-ENC=\"{NS_SOAP_ENC}\""
    );
    if let Some(ns) = with_tns {
        s.push_str(&format!(" xmlns:tns=\"{ns}\""));
    }
    s.push('>');
    s
}

/// Writes the response envelope of `operation` returning `value`, typed by the operation's
/// `return` part in `service`. Unknown operations are written as `xsd:string` returns.
///
/// Rendering follows NuSOAP: a nil scalar is `<return xsi:nil="true" xsi:type="xsd:string"/>`;
/// struct members are written in the type's declared order, members missing from the value
/// (or nil) are omitted, members the type does not declare are dropped; arrays carry
/// `SOAP-ENC:arrayType="tns:X[n]"` and `item` children; an empty array is an open/close pair.
pub fn encode_response(service: &Service, operation: &str, value: &SoapValue) -> String {
    let ty = service
        .operation(operation)
        .map(|op| op.output)
        .unwrap_or("xsd:string");
    let mut body = String::new();
    write_value(service, &mut body, "return", ty, value, true);
    let tns = ty.starts_with("tns:").then_some(service.namespace);
    format!(
        "{}<SOAP-ENV:Body><ns1:{operation}Response xmlns:ns1=\"{}\">{body}</ns1:{operation}Response></SOAP-ENV:Body></SOAP-ENV:Envelope>",
        envelope_open(tns),
        service.namespace
    )
}

fn write_value(
    service: &Service,
    out: &mut String,
    name: &str,
    ty: &str,
    value: &SoapValue,
    top: bool,
) {
    match service.type_def(ty) {
        Some(TypeDef::Struct { fields, .. }) => {
            out.push_str(&format!("<{name} xsi:type=\"{ty}\">"));
            for f in *fields {
                match value.get(f.name) {
                    None | Some(SoapValue::Nil) => {}
                    Some(v) => write_value(service, out, f.name, f.ty, v, false),
                }
            }
            out.push_str(&format!("</{name}>"));
        }
        Some(TypeDef::Array { item, .. }) => {
            let items = match value {
                SoapValue::Array(items) => items.as_slice(),
                _ => &[],
            };
            out.push_str(&format!(
                "<{name} xsi:type=\"SOAP-ENC:Array\" SOAP-ENC:arrayType=\"{item}[{}]\">",
                items.len()
            ));
            for v in items {
                write_value(service, out, "item", item, v, false);
            }
            out.push_str(&format!("</{name}>"));
        }
        None => match value {
            SoapValue::Nil if top => {
                out.push_str(&format!("<{name} xsi:nil=\"true\" xsi:type=\"{ty}\"/>"));
            }
            SoapValue::Nil => {}
            SoapValue::Text(t) => {
                out.push_str(&format!("<{name} xsi:type=\"{ty}\">{}</{name}>", escape(t)));
            }
            // PHP renders an array given where a string is declared as the word "Array" (§2).
            SoapValue::Struct(_) | SoapValue::Array(_) => {
                out.push_str(&format!("<{name} xsi:type=\"{ty}\">Array</{name}>"));
            }
        },
    }
}

/// Writes a fault as NuSOAP does, byte for byte (§2), including its line breaks and its
/// `encoding="ISO-8859-1"` declaration. We keep that declaration because clients have parsed it
/// for years, and make it true: any non-ASCII character of the fault string is written as a
/// character reference, so the body is pure ASCII and reads the same as UTF-8 or Latin-1.
/// The caller sends it with HTTP 500 and `Content-Type: text/xml; charset=UTF-8`.
pub fn encode_fault(code: FaultCode, message: &str) -> String {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><SOAP-ENV:Envelope SOAP-ENV:encodingStyle=\"{NS_SOAP_ENC}\""
    );
    for (prefix, ns) in [
        ("SOAP-ENV", NS_SOAP_ENV),
        ("xsd", NS_XSD),
        ("xsi", NS_XSI),
        ("SOAP-ENC", NS_SOAP_ENC),
    ] {
        s.push_str(&format!("\n  xmlns:{prefix}=\"{ns}\""));
    }
    s.push_str(&format!(
        ">\n<SOAP-ENV:Body><SOAP-ENV:Fault><faultcode xsi:type=\"xsd:string\">{}</faultcode><faultactor xsi:type=\"xsd:string\"></faultactor><faultstring xsi:type=\"xsd:string\">{}</faultstring><detail xsi:type=\"xsd:string\"></detail></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>",
        code.as_str(),
        crate::wsdl::ascii_attr(message)
    ));
    s
}

/// Escapes element text as NuSOAP's `expandEntities` does (`& ' " < >`). Characters XML 1.0
/// cannot carry at all (C0 controls other than tab and line breaks) become U+FFFD, so a stored
/// value can never make a response unparseable.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&apos;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}
