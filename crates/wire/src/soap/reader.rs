//! The request reader: envelope bytes → the called operation and its parts.
//!
//! Lenient where legacy clients differ (any prefixes, `xsi:type` optional, members in any
//! order, arrays with or without `SOAP-ENC:arrayType`; specs/chamilo.md §2, §5) and strict
//! where hostile input could hurt: no DOCTYPE (so no entity expansion, no billion laughs),
//! bounded depth and element count, UTF-8 only, and every malformation a typed error.
//!
//! Multi-reference values (`href="#id"` with `multiRef` siblings) are refused with
//! [`DecodeError::MultiRef`]: PHP `SoapClient` and zeep never send them for the string,
//! struct and array types the Chamilo service uses, and resolving them safely needs a
//! reference-cycle guard that is not worth carrying for no client.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::SoapValue;

/// The decoded body: which operation was called, with its parts in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The local name of the first child of `Body` (the operation; prefixes ignored, §2).
    pub operation: String,
    /// The operation element's children: `(part name, value)`.
    pub parts: Vec<(String, SoapValue)>,
}

impl Call {
    /// The first part, whatever its name: rpc operations of the Chamilo service take one
    /// struct, and NuSOAP passes the first part to the function without checking its name.
    pub fn first_part(&self) -> Option<&SoapValue> {
        self.parts.first().map(|(_, v)| v)
    }
}

/// Bounds on what the reader accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest element nesting, counting the envelope as 1.
    pub max_depth: usize,
    /// Most elements in one document.
    pub max_elements: usize,
}

impl Default for Limits {
    /// 32 levels (a Chamilo request needs 7) and 100 000 elements (a 2 MiB body of minimal
    /// elements has fewer than that many meaningful ones).
    fn default() -> Self {
        Self {
            max_depth: 32,
            max_elements: 100_000,
        }
    }
}

/// Why a request body is not a SOAP call we can read. The `Display` text is what the
/// client sees as the `faultstring` of a `SOAP-ENV:Client` fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Zero bytes, or only whitespace.
    #[error("empty request body: expected a SOAP envelope")]
    Empty,
    /// Bytes that are not UTF-8.
    #[error("request body is not valid UTF-8 (byte {0})")]
    NotUtf8(usize),
    /// A document type declaration: refused so that no entity is ever expanded.
    #[error("DOCTYPE declarations are not allowed in SOAP messages")]
    Doctype,
    /// Nesting beyond [`Limits::max_depth`].
    #[error("XML nesting deeper than {0} levels")]
    TooDeep(usize),
    /// More than [`Limits::max_elements`] elements.
    #[error("more than {0} XML elements")]
    TooManyElements(usize),
    /// The XML itself is malformed (mismatched tags, bad attribute, unknown entity...).
    #[error("XML error at byte {position}: {message}")]
    Xml {
        /// Byte offset where the parser stopped.
        position: u64,
        /// The parser's description.
        message: String,
    },
    /// The document ended inside an element.
    #[error("XML document ends before its root element is closed")]
    Truncated,
    /// The root element is not `Envelope`.
    #[error("root element is '{0}', expected a SOAP Envelope")]
    NotAnEnvelope(String),
    /// The envelope has no `Body`.
    #[error("SOAP Envelope has no Body")]
    NoBody,
    /// The body has no element child.
    #[error("SOAP Body is empty: expected an operation element")]
    NoOperation,
    /// A multi-reference value (`href`), which we do not resolve (see the module docs).
    #[error("multi-reference values (href) are not supported")]
    MultiRef,
}

/// Decodes a SOAP request with the default [`Limits`].
pub fn decode_call(bytes: &[u8]) -> Result<Call, DecodeError> {
    decode_call_with(bytes, Limits::default())
}

/// One open element while reading.
struct Frame {
    name: String,
    nil: bool,
    array: bool,
    children: Vec<(String, SoapValue)>,
    text: String,
}

impl Frame {
    fn open(e: &BytesStart<'_>) -> Result<Self, DecodeError> {
        let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
        let mut frame = Frame {
            name,
            nil: false,
            array: false,
            children: Vec::new(),
            text: String::new(),
        };
        for attr in e.attributes() {
            let attr = attr.map_err(|err| xml_error(0, err.to_string()))?;
            let key = attr.key.local_name();
            let value = attr
                .unescape_value()
                .map_err(|err| xml_error(0, err.to_string()))?;
            match key.as_ref() {
                b"nil" => frame.nil = value == "true" || value == "1",
                b"arrayType" => frame.array = true,
                b"type" => frame.array |= value.rsplit(':').next() == Some("Array"),
                b"href" => return Err(DecodeError::MultiRef),
                _ => {}
            }
        }
        Ok(frame)
    }

    fn close(self) -> (String, SoapValue) {
        let value = if self.nil {
            SoapValue::Nil
        } else if self.array {
            SoapValue::Array(self.children.into_iter().map(|(_, v)| v).collect())
        } else if self.children.is_empty() {
            SoapValue::Text(self.text)
        } else {
            SoapValue::Struct(self.children)
        };
        (self.name, value)
    }
}

fn xml_error(position: u64, message: String) -> DecodeError {
    DecodeError::Xml { position, message }
}

/// Decodes a SOAP request: the envelope (any prefix), its `Body`, the first element of the
/// body as the operation and that element's children as the parts (§2). Headers are skipped.
pub fn decode_call_with(bytes: &[u8], limits: Limits) -> Result<Call, DecodeError> {
    let text = std::str::from_utf8(bytes).map_err(|e| DecodeError::NotUtf8(e.valid_up_to()))?;
    if text.trim().is_empty() {
        return Err(DecodeError::Empty);
    }
    let root = read_tree(text, limits)?;
    let (root_name, root_value) = root;
    if root_name != "Envelope" {
        return Err(DecodeError::NotAnEnvelope(root_name));
    }
    let SoapValue::Struct(children) = root_value else {
        return Err(DecodeError::NoBody);
    };
    let body = children
        .into_iter()
        .find(|(name, _)| name == "Body")
        .ok_or(DecodeError::NoBody)?
        .1;
    let SoapValue::Struct(mut ops) = body else {
        return Err(DecodeError::NoOperation);
    };
    if ops.is_empty() {
        return Err(DecodeError::NoOperation);
    }
    let (operation, args) = ops.swap_remove(0);
    let parts = match args {
        SoapValue::Struct(parts) => parts,
        SoapValue::Array(items) => items.into_iter().map(|v| ("item".to_owned(), v)).collect(),
        SoapValue::Text(_) | SoapValue::Nil => Vec::new(),
    };
    Ok(Call { operation, parts })
}

/// Reads the whole document into `(root name, value)` with the hardening rules above.
fn read_tree(text: &str, limits: Limits) -> Result<(String, SoapValue), DecodeError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<(String, SoapValue)> = None;
    let mut elements = 0usize;

    loop {
        let position = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| xml_error(position, e.to_string()))?;
        match event {
            Event::DocType(_) => return Err(DecodeError::Doctype),
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(xml_error(position, "content after the root element".into()));
            }
            Event::Start(e) => {
                elements += 1;
                if elements > limits.max_elements {
                    return Err(DecodeError::TooManyElements(limits.max_elements));
                }
                if stack.len() >= limits.max_depth {
                    return Err(DecodeError::TooDeep(limits.max_depth));
                }
                stack.push(Frame::open(&e)?);
            }
            Event::Empty(e) => {
                elements += 1;
                if elements > limits.max_elements {
                    return Err(DecodeError::TooManyElements(limits.max_elements));
                }
                if stack.len() >= limits.max_depth {
                    return Err(DecodeError::TooDeep(limits.max_depth));
                }
                let closed = Frame::open(&e)?.close();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(closed),
                    None => root = Some(closed),
                }
            }
            Event::End(_) => {
                let frame = stack
                    .pop()
                    .ok_or_else(|| xml_error(position, "unexpected closing tag".into()))?;
                let closed = frame.close();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(closed),
                    None => root = Some(closed),
                }
            }
            Event::Text(t) => {
                let s = t
                    .unescape()
                    .map_err(|e| xml_error(position, e.to_string()))?;
                match stack.last_mut() {
                    Some(frame) => frame.text.push_str(&s),
                    None if s.trim().is_empty() => {}
                    None => {
                        return Err(xml_error(position, "text outside the root element".into()));
                    }
                }
            }
            Event::CData(c) => {
                let s = String::from_utf8_lossy(&c.into_inner()).into_owned();
                if let Some(frame) = stack.last_mut() {
                    frame.text.push_str(&s);
                }
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(DecodeError::Truncated);
    }
    root.ok_or(DecodeError::Truncated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(xml: &str) -> Call {
        match decode_call(xml.as_bytes()) {
            Ok(c) => c,
            Err(e) => panic!("decode failed: {e}"),
        }
    }

    #[test]
    fn any_prefix_and_no_xsi_type_are_accepted() {
        let c = call(
            r#"<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body><m:WSGetUser xmlns:m="urn:WSRegistration"><GetUser><original_user_id_value>7</original_user_id_value><secret_key>k</secret_key></GetUser></m:WSGetUser></e:Body></e:Envelope>"#,
        );
        assert_eq!(c.operation, "WSGetUser");
        let p = c.first_part().cloned().unwrap_or(SoapValue::Nil);
        assert_eq!(p.str("original_user_id_value"), "7");
        assert_eq!(p.str("secret_key"), "k");
        assert_eq!(p.str("missing"), "");
    }

    #[test]
    fn arrays_with_array_type_decode_as_arrays_even_with_one_item() {
        let c = call(
            r#"<Envelope><Header><x>1</x></Header><Body><Op><p><ids xsi:type="SOAP-ENC:Array" SOAP-ENC:arrayType="tns:user_id[1]"><item><original_user_id_value>A</original_user_id_value></item></ids></p></Op></Body></Envelope>"#,
        );
        let p = c.first_part().cloned().unwrap_or(SoapValue::Nil);
        let ids = p.list("ids");
        assert_eq!(ids.len(), 1);
        assert_eq!(ids[0].str("original_user_id_value"), "A");
        assert!(matches!(p.get("ids"), Some(SoapValue::Array(_))));
    }

    #[test]
    fn repeated_children_without_array_type_still_read_as_a_list() {
        let c = call(
            r#"<Envelope><Body><Op><p><ids><item><v>1</v></item><item><v>2</v></item></ids></p></Op></Body></Envelope>"#,
        );
        let p = c.first_part().cloned().unwrap_or(SoapValue::Nil);
        let vs: Vec<&str> = p.list("ids").iter().map(|i| i.str("v")).collect();
        assert_eq!(vs, ["1", "2"]);
    }

    #[test]
    fn nil_empty_and_escaped_text_are_distinguished() {
        let c = call(
            r#"<Envelope><Body><Op><p><a xsi:nil="true"/><b/><c>x &amp; &lt;y&gt; &#233;</c><d><![CDATA[<raw>]]></d></p></Op></Body></Envelope>"#,
        );
        let p = c.first_part().cloned().unwrap_or(SoapValue::Nil);
        assert_eq!(p.get("a"), Some(&SoapValue::Nil));
        assert_eq!(p.get("b"), Some(&SoapValue::Text(String::new())));
        assert_eq!(p.str("c"), "x & <y> é");
        assert_eq!(p.str("d"), "<raw>");
    }

    #[test]
    fn hostile_and_broken_documents_are_typed_errors() {
        type Check = fn(&DecodeError) -> bool;
        let cases: &[(&[u8], Check)] = &[
            (b"", |e| matches!(e, DecodeError::Empty)),
            (b"\xff\xfe<a/>", |e| matches!(e, DecodeError::NotUtf8(_))),
            (
                b"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><Envelope><Body><Op>&lol2;</Op></Body></Envelope>",
                |e| matches!(e, DecodeError::Doctype),
            ),
            (b"<Envelope><Body><Op>", |e| matches!(e, DecodeError::Truncated)),
            (b"<Envelope><Body></Envelope>", |e| matches!(e, DecodeError::Xml { .. })),
            (b"<Foo/>", |e| matches!(e, DecodeError::NotAnEnvelope(_))),
            (b"<Envelope><Header/></Envelope>", |e| matches!(e, DecodeError::NoBody)),
            (b"<Envelope><Body/></Envelope>", |e| matches!(e, DecodeError::NoOperation)),
            (b"<Envelope><Body><Op>&unknown;</Op></Body></Envelope>", |e| matches!(e, DecodeError::Xml { .. })),
            (b"<Envelope><Body><Op><p href=\"#id1\"/></Op></Body></Envelope>", |e| matches!(e, DecodeError::MultiRef)),
            (b"not xml at all", |e| matches!(e, DecodeError::Truncated | DecodeError::Xml { .. })),
        ];
        for (input, check) in cases {
            match decode_call(input) {
                Ok(c) => panic!("{:?} decoded as {c:?}", String::from_utf8_lossy(input)),
                Err(e) => assert!(check(&e), "{:?} gave {e:?}", String::from_utf8_lossy(input)),
            }
        }
    }

    #[test]
    fn nesting_beyond_the_limit_is_refused() {
        let deep = format!(
            "<Envelope>{}{}</Envelope>",
            "<a>".repeat(40),
            "</a>".repeat(40)
        );
        assert_eq!(decode_call(deep.as_bytes()), Err(DecodeError::TooDeep(32)));
    }

    #[test]
    fn too_many_elements_are_refused() {
        let many = format!(
            "<Envelope><Body><Op>{}</Op></Body></Envelope>",
            "<a/>".repeat(50)
        );
        let limits = Limits {
            max_depth: 32,
            max_elements: 20,
        };
        assert_eq!(
            decode_call_with(many.as_bytes(), limits),
            Err(DecodeError::TooManyElements(20))
        );
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = decode_call(&bytes);
        }

        #[test]
        fn any_text_inside_an_envelope_never_panics(s in "\\PC{0,200}") {
            let doc = format!("<Envelope><Body><Op><p>{s}</p></Op></Body></Envelope>");
            let _ = decode_call(doc.as_bytes());
        }
    }
}
