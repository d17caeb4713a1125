//! The value tree a SOAP body decodes into and a response is written from.

/// One SOAP-encoded value, with no types attached.
///
/// PHP clients and NuSOAP treat everything as strings, arrays and maps, so this is all the
/// structure the Chamilo dialect needs; types come from the service description when writing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SoapValue {
    /// `xsi:nil="true"`: PHP `null`.
    Nil,
    /// A scalar, as its text (numbers and booleans included).
    Text(String),
    /// A struct: members in document order; a name may repeat.
    Struct(Vec<(String, SoapValue)>),
    /// A SOAP-ENC array (or, when writing, any list).
    Array(Vec<SoapValue>),
}

impl SoapValue {
    /// A text value.
    pub fn text(s: impl Into<String>) -> Self {
        Self::Text(s.into())
    }

    /// A struct from `(name, value)` pairs.
    pub fn record<K: Into<String>>(members: impl IntoIterator<Item = (K, SoapValue)>) -> Self {
        Self::Struct(members.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The first member called `name` of a struct; `None` for other values.
    /// Names compare exactly, as PHP array keys do.
    pub fn get(&self, name: &str) -> Option<&SoapValue> {
        match self {
            Self::Struct(members) => members.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of member `name`, or `""` when it is missing, nil or not a scalar:
    /// PHP reads a missing key as `null`, which every operation treats as empty (§2).
    pub fn str(&self, name: &str) -> &str {
        match self.get(name) {
            Some(Self::Text(s)) => s,
            _ => "",
        }
    }

    /// The items of a list-like member: an array's items, or a struct's member values (clients
    /// that send an array without `SOAP-ENC:arrayType` produce a struct of repeated children,
    /// which NuSOAP also reads as a list, §5). Missing or scalar → empty.
    pub fn list(&self, name: &str) -> Vec<&SoapValue> {
        self.get(name).map(SoapValue::items).unwrap_or_default()
    }

    /// This value read as a list (see [`SoapValue::list`]).
    pub fn items(&self) -> Vec<&SoapValue> {
        match self {
            Self::Array(items) => items.iter().collect(),
            Self::Struct(members) => members.iter().map(|(_, v)| v).collect(),
            _ => Vec::new(),
        }
    }

    /// The scalar text of this value, `""` for nil, structs and arrays.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Text(s) => s,
            _ => "",
        }
    }
}
