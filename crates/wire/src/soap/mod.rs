//! SOAP 1.1 rpc/encoded: the value tree, the request reader and the response writer.
//!
//! Our own small layer on quick-xml rather than a SOAP framework: legacy clients need
//! NuSOAP's exact bytes out and lenient parsing in (specs/chamilo.md §2, §5), and both are
//! easier to guarantee in a few hundred lines we can read than in a generic toolkit.

mod reader;
mod value;
mod writer;

pub use reader::{Call, DecodeError, Limits, decode_call, decode_call_with};
pub use value::SoapValue;
pub use writer::{FaultCode, encode_fault, encode_response};

/// `http://schemas.xmlsoap.org/soap/envelope/`, bound to `SOAP-ENV` in everything we write.
pub const NS_SOAP_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// `http://schemas.xmlsoap.org/soap/encoding/`, bound to `SOAP-ENC`.
pub const NS_SOAP_ENC: &str = "http://schemas.xmlsoap.org/soap/encoding/";
/// XML Schema, bound to `xsd`.
pub const NS_XSD: &str = "http://www.w3.org/2001/XMLSchema";
/// XML Schema instance, bound to `xsi`.
pub const NS_XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
