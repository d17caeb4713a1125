//! A SOAP rpc/encoded service described as data, and the WSDL 1.1 document written from it.
//!
//! The same description drives three things: the WSDL a client loads, the `xsi:type` of every
//! element the writer emits, and (in the client crate) the calls it builds, so none of them can
//! drift from the others. The document follows NuSOAP 0.9.5's layout (specs/chamilo.md §2).

use crate::soap::{NS_SOAP_ENC, NS_SOAP_ENV, NS_XSD, NS_XSI};

/// One element of a struct type: its wire name and its type (`xsd:string`, `tns:extrasList`...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The element name (NuSOAP uses the PHP array key, §2).
    pub name: &'static str,
    /// The qualified type.
    pub ty: &'static str,
}

/// A named complex type of the service schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeDef {
    /// A `complexType` / `xsd:all` of elements, in declared order.
    Struct {
        /// Local name (in the `tns` namespace).
        name: &'static str,
        /// Its elements.
        fields: &'static [Field],
    },
    /// A SOAP-ENC array of `item` (a qualified type).
    Array {
        /// Local name.
        name: &'static str,
        /// The qualified item type, e.g. `tns:extras`.
        item: &'static str,
    },
}

impl TypeDef {
    /// The local name of the type.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Struct { name, .. } | Self::Array { name, .. } => name,
        }
    }
}

/// One rpc operation: one input part, one `return` part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The operation name (also the body element of the call).
    pub name: &'static str,
    /// The input part's name.
    pub part: &'static str,
    /// The input part's qualified type.
    pub input: &'static str,
    /// The `return` part's qualified type.
    pub output: &'static str,
    /// The soapAction, when it is not `<namespace>#<name>` (Chamilo has copy-paste ones, §4).
    pub soap_action: Option<&'static str>,
    /// The documentation line shown by the WSDL.
    pub doc: &'static str,
}

/// A whole service: names of the WSDL parts, its schema and its operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service {
    /// Service name (`WSRegistration`); portType, binding and port are derived from it.
    pub name: &'static str,
    /// Target namespace, bound to `tns` (`urn:WSRegistration`).
    pub namespace: &'static str,
    /// The schema types.
    pub types: &'static [TypeDef],
    /// The operations.
    pub operations: &'static [Operation],
}

impl Service {
    /// The operation called `name`.
    pub fn operation(&self, name: &str) -> Option<&'static Operation> {
        self.operations.iter().find(|op| op.name == name)
    }

    /// The type a qualified name (`tns:X`) refers to; `None` for `xsd:` types.
    pub fn type_def(&self, qualified: &str) -> Option<&'static TypeDef> {
        let local = qualified.strip_prefix("tns:")?;
        self.types.iter().find(|t| t.name() == local)
    }

    /// The soapAction of an operation (§2: `urn:WSRegistration#<Operation>` unless overridden).
    pub fn soap_action(&self, op: &Operation) -> String {
        match op.soap_action {
            Some(action) => action.to_owned(),
            None => format!("{}#{}", self.namespace, op.name),
        }
    }

    /// Writes the WSDL with `soap:address` = `location` (the caller derives it from the request,
    /// §2), in NuSOAP's layout and with its `ISO-8859-1` declaration (the document is ASCII
    /// unless `location` is not, in which case it is escaped to character references).
    ///
    /// One deliberate difference from NuSOAP: every struct element says `minOccurs="0"`.
    /// Chamilo reads a missing member as empty (§2), but PHP `SoapClient` and zeep refuse to
    /// send a call that leaves out an element the schema requires, so without it a client
    /// would have to spell out every field of every type.
    pub fn wsdl(&self, location: &str) -> String {
        let mut x = String::with_capacity(64 * 1024);
        x.push_str("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<definitions");
        for (prefix, ns) in [
            ("SOAP-ENV", NS_SOAP_ENV),
            ("xsd", NS_XSD),
            ("xsi", NS_XSI),
            ("SOAP-ENC", NS_SOAP_ENC),
            ("tns", self.namespace),
            ("soap", "http://schemas.xmlsoap.org/wsdl/soap/"),
            ("wsdl", "http://schemas.xmlsoap.org/wsdl/"),
        ] {
            x.push_str(&format!(" xmlns:{prefix}=\"{ns}\""));
        }
        x.push_str(&format!(
            " xmlns=\"http://schemas.xmlsoap.org/wsdl/\" targetNamespace=\"{}\">",
            self.namespace
        ));
        self.write_types(&mut x);
        self.write_messages(&mut x);
        self.write_port_type_and_binding(&mut x);
        x.push_str(&format!(
            "\n<service name=\"{0}\">\n  <port name=\"{0}Port\" binding=\"tns:{0}Binding\">\n    <soap:address location=\"{1}\"/>\n  </port>\n</service>\n</definitions>",
            self.name,
            ascii_attr(location)
        ));
        x
    }

    fn write_types(&self, x: &mut String) {
        x.push_str(&format!(
            "\n<types>\n<xsd:schema targetNamespace=\"{}\"\n>\n <xsd:import namespace=\"{NS_SOAP_ENC}\" />\n <xsd:import namespace=\"http://schemas.xmlsoap.org/wsdl/\" />\n",
            self.namespace
        ));
        for t in self.types {
            match t {
                TypeDef::Struct { name, fields } => {
                    x.push_str(&format!(
                        " <xsd:complexType name=\"{name}\">\n  <xsd:all>\n"
                    ));
                    for f in *fields {
                        x.push_str(&format!(
                            "   <xsd:element name=\"{}\" type=\"{}\" minOccurs=\"0\"/>\n",
                            f.name, f.ty
                        ));
                    }
                    x.push_str("  </xsd:all>\n </xsd:complexType>\n");
                }
                TypeDef::Array { name, item } => {
                    x.push_str(&format!(
                        " <xsd:complexType name=\"{name}\">\n  <xsd:complexContent>\n   <xsd:restriction base=\"SOAP-ENC:Array\">\n    <xsd:attribute ref=\"SOAP-ENC:arrayType\" wsdl:arrayType=\"{item}[]\"/>\n   </xsd:restriction>\n  </xsd:complexContent>\n </xsd:complexType>\n"
                    ));
                }
            }
        }
        x.push_str("</xsd:schema>\n</types>");
    }

    fn write_messages(&self, x: &mut String) {
        for op in self.operations {
            x.push_str(&format!(
                "\n<message name=\"{0}Request\">\n  <part name=\"{1}\" type=\"{2}\" /></message>\n<message name=\"{0}Response\">\n  <part name=\"return\" type=\"{3}\" /></message>",
                op.name, op.part, op.input, op.output
            ));
        }
    }

    fn write_port_type_and_binding(&self, x: &mut String) {
        let body = format!(
            "<soap:body use=\"encoded\" namespace=\"{}\" encodingStyle=\"{NS_SOAP_ENC}\"/>",
            self.namespace
        );
        let mut port_type = format!("\n<portType name=\"{}PortType\">", self.name);
        let mut binding = format!(
            "\n<binding name=\"{0}Binding\" type=\"tns:{0}PortType\">\n  <soap:binding style=\"rpc\" transport=\"http://schemas.xmlsoap.org/soap/http\"/>",
            self.name
        );
        for op in self.operations {
            port_type.push_str(&format!(
                "\n  <operation name=\"{0}\">\n    <documentation>{1}</documentation>\n    <input message=\"tns:{0}Request\"/>\n    <output message=\"tns:{0}Response\"/>\n  </operation>",
                op.name,
                ascii_attr(op.doc)
            ));
            binding.push_str(&format!(
                "\n  <operation name=\"{0}\">\n    <soap:operation soapAction=\"{1}\" style=\"rpc\"/>\n    <input>{body}</input>\n    <output>{body}</output>\n  </operation>",
                op.name,
                self.soap_action(op)
            ));
        }
        port_type.push_str("\n</portType>");
        binding.push_str("\n</binding>");
        x.push_str(&port_type);
        x.push_str(&binding);
    }
}

/// Escapes text for an attribute or element of an ISO-8859-1-declared document: the five XML
/// entities, and anything outside ASCII as a character reference, so the bytes mean the same
/// under either encoding.
pub(crate) fn ascii_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_ascii() && (c >= ' ' || matches!(c, '\t' | '\n' | '\r')) => out.push(c),
            c if c.is_ascii() => out.push('\u{FFFD}'),
            c => out.push_str(&format!("&#{};", c as u32)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPES: &[TypeDef] = &[
        TypeDef::Struct {
            name: "pair",
            fields: &[
                Field {
                    name: "a",
                    ty: "xsd:string",
                },
                Field {
                    name: "n",
                    ty: "xsd:int",
                },
            ],
        },
        TypeDef::Array {
            name: "pairs",
            item: "tns:pair",
        },
    ];
    const OPS: &[Operation] = &[Operation {
        name: "Echo",
        part: "input",
        input: "tns:pair",
        output: "tns:pairs",
        soap_action: None,
        doc: "Echoes <things>",
    }];
    const SERVICE: Service = Service {
        name: "Demo",
        namespace: "urn:Demo",
        types: TYPES,
        operations: OPS,
    };

    #[test]
    fn the_wsdl_names_every_part_and_takes_the_given_address() {
        let w = SERVICE.wsdl("http://example.test:8080/x.php");
        assert!(w.starts_with(
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<definitions xmlns:SOAP-ENV="
        ));
        assert!(w.contains("<xsd:complexType name=\"pair\">\n  <xsd:all>\n   <xsd:element name=\"a\" type=\"xsd:string\" minOccurs=\"0\"/>"));
        assert!(w.contains("wsdl:arrayType=\"tns:pair[]\""));
        assert!(w.contains(
            "<message name=\"EchoRequest\">\n  <part name=\"input\" type=\"tns:pair\" /></message>"
        ));
        assert!(w.contains("<part name=\"return\" type=\"tns:pairs\" />"));
        assert!(w.contains("<documentation>Echoes &lt;things&gt;</documentation>"));
        assert!(w.contains("<soap:operation soapAction=\"urn:Demo#Echo\" style=\"rpc\"/>"));
        assert!(w.contains("<port name=\"DemoPort\" binding=\"tns:DemoBinding\">"));
        assert!(w.ends_with("<soap:address location=\"http://example.test:8080/x.php\"/>\n  </port>\n</service>\n</definitions>"));
    }

    #[test]
    fn non_ascii_in_an_iso_8859_1_document_becomes_character_references() {
        assert_eq!(ascii_attr("é\"<"), "&#233;&quot;&lt;");
    }
}
