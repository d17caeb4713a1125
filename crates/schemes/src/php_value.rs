//! PHP's ordered array, modelled closely enough to reproduce what PHP signers hashed.
//!
//! Forma hashes `$_POST` in insertion order and Wildix canonicalises `parse_str` and
//! `json_decode` results; both depend on PHP array semantics: integer-looking string keys
//! become integers, updating a key keeps its first position, `[]` appends after the largest
//! integer key. Strings are bytes, as in PHP.

use std::collections::HashMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A PHP array key: an integer, or a byte string that does not look like one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PhpKey {
    /// An integer key (`"12"` and `12` are the same key in PHP).
    Int(i64),
    /// Any other key, as raw bytes.
    Str(Vec<u8>),
}

impl PhpKey {
    /// Builds a key the way PHP's symbol-table insert does.
    /// `"0"`, `"12"`, `"-3"` become integers; `"01"`, `"-0"`, `"+1"` and overflowing values stay strings.
    pub fn from_bytes(bytes: &[u8]) -> PhpKey {
        match php_int_key(bytes) {
            Some(i) => PhpKey::Int(i),
            None => PhpKey::Str(bytes.to_vec()),
        }
    }

    /// The key as PHP prints it (decimal for integers).
    /// This is what Wildix's canonical string and `http_build_query` write.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            PhpKey::Int(i) => i.to_string().into_bytes(),
            PhpKey::Str(s) => s.clone(),
        }
    }
}

fn php_int_key(b: &[u8]) -> Option<i64> {
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    let first = *digits.first()?;
    if !digits.iter().all(u8::is_ascii_digit)
        || (first == b'0' && (digits.len() > 1 || digits.len() < b.len()))
    {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

/// A PHP value as the parsers and the canonicaliser see it.
#[derive(Clone, Debug, PartialEq)]
pub enum PhpValue {
    /// `null` (JSON `null`).
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float (JSON numbers with a fraction or exponent, or too large for an integer).
    Float(f64),
    /// A byte string (form values are URL-decoded bytes, not necessarily UTF-8).
    Str(Vec<u8>),
    /// A nested array.
    Array(PhpArray),
}

impl PhpValue {
    /// The value as the PHP signers write a scalar: `true` → `1`, `false` → `0`, `null` → empty.
    /// Floats use `precision=14` (wildix.md §2); arrays → `Array`. Unlike PHP's `(string)false`
    /// (empty), both `C()` and `http_build_query` write `0` for `false` (wildix.md §2, §4).
    pub fn to_php_string(&self) -> Vec<u8> {
        match self {
            PhpValue::Null => Vec::new(),
            PhpValue::Bool(b) => {
                if *b {
                    b"1".to_vec()
                } else {
                    b"0".to_vec()
                }
            }
            PhpValue::Int(i) => i.to_string().into_bytes(),
            PhpValue::Float(f) => php_float_string(*f).into_bytes(),
            PhpValue::Str(s) => s.clone(),
            PhpValue::Array(_) => b"Array".to_vec(),
        }
    }
}

/// An ordered PHP array: insertion order, unique keys, PHP's next free integer index.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PhpArray {
    entries: Vec<(PhpKey, PhpValue)>,
    index: HashMap<PhpKey, usize>,
    next_free: i64,
}

impl PhpArray {
    /// An empty array.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the array has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries in PHP iteration (insertion) order.
    pub fn iter(&self) -> impl Iterator<Item = (&PhpKey, &PhpValue)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Looks a key up.
    pub fn get(&self, key: &PhpKey) -> Option<&PhpValue> {
        self.index
            .get(key)
            .and_then(|&i| self.entries.get(i))
            .map(|(_, v)| v)
    }

    /// Sets `key` to `value`; an existing key keeps its position (PHP's update semantics).
    /// This is what makes a repeated form field keep its first position and take the last value.
    pub fn set(&mut self, key: PhpKey, value: PhpValue) {
        if let Some(&i) = self.index.get(&key) {
            if let Some(slot) = self.entries.get_mut(i) {
                slot.1 = value;
            }
            return;
        }
        if let PhpKey::Int(i) = key {
            if i >= self.next_free {
                self.next_free = i.saturating_add(1);
            }
        }
        self.index.insert(key.clone(), self.entries.len());
        self.entries.push((key, value));
    }

    /// Appends `value` under the next free integer key, like `$a[] = value`.
    /// Returns `false` when PHP would refuse (the next index would overflow).
    pub fn push(&mut self, value: PhpValue) -> bool {
        let key = self.next_free;
        if key == i64::MAX && self.index.contains_key(&PhpKey::Int(key)) {
            return false;
        }
        self.set(PhpKey::Int(key), value);
        true
    }

    /// Removes `key`, keeping the order of the others.
    pub fn remove(&mut self, key: &PhpKey) {
        if let Some(i) = self.index.remove(key) {
            self.entries.remove(i);
            for v in self.index.values_mut() {
                if *v > i {
                    *v -= 1;
                }
            }
        }
    }

    /// Mutable access to an entry's value.
    pub(crate) fn get_mut(&mut self, key: &PhpKey) -> Option<&mut PhpValue> {
        let i = *self.index.get(key)?;
        self.entries.get_mut(i).map(|(_, v)| v)
    }

    /// Builds an array from `(key, value)` pairs with PHP update semantics.
    pub fn from_pairs<K: AsRef<[u8]>>(pairs: impl IntoIterator<Item = (K, PhpValue)>) -> Self {
        let mut a = PhpArray::new();
        for (k, v) in pairs {
            a.set(PhpKey::from_bytes(k.as_ref()), v);
        }
        a
    }
}

/// A float as PHP 8 prints it with `precision=14`: `0.1`, `0.33333333333333`, `1.0E+20`, `1.0E-5`.
/// Wildix's canonical string renders JSON floats this way (wildix.md §2, §5 step 6).
pub fn php_float_string(f: f64) -> String {
    if f.is_nan() {
        return "NAN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "INF".into() } else { "-INF".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // `{:.13e}` rounds correctly to 14 significant digits: "d.ddddddddddddde<exp>".
    let sci = format!("{:.13e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let sign = if f < 0.0 { "-" } else { "" };
    let decpt = exp + 1;
    if !(-3..=14).contains(&decpt) {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{first}.{rest}E{esign}{}", exp.unsigned_abs())
    } else if decpt <= 0 {
        format!(
            "{sign}0.{}{digits}",
            "0".repeat(decpt.unsigned_abs() as usize)
        )
    } else {
        let decpt = decpt as usize;
        if digits.len() <= decpt {
            format!("{sign}{digits}{}", "0".repeat(decpt - digits.len()))
        } else {
            let (int, frac) = digits.split_at(decpt);
            format!("{sign}{int}.{frac}")
        }
    }
}

/// Reads JSON into PHP values as `json_decode($body, true)` would, keeping object key order.
/// Duplicate keys keep their first position with the last value; integers beyond `i64` become floats.
impl<'de> Deserialize<'de> for PhpValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PhpValueVisitor)
    }
}

struct PhpValueVisitor;

impl<'de> Visitor<'de> for PhpValueVisitor {
    type Value = PhpValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<PhpValue, E> {
        Ok(PhpValue::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<PhpValue, E> {
        Ok(PhpValue::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<PhpValue, E> {
        Ok(i64::try_from(v).map_or(PhpValue::Float(v as f64), PhpValue::Int))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<PhpValue, E> {
        Ok(PhpValue::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<PhpValue, E> {
        Ok(PhpValue::Str(v.as_bytes().to_vec()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<PhpValue, E> {
        Ok(PhpValue::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<PhpValue, E> {
        Ok(PhpValue::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PhpValue, A::Error> {
        let mut a = PhpArray::new();
        while let Some(v) = seq.next_element::<PhpValue>()? {
            a.push(v);
        }
        Ok(PhpValue::Array(a))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PhpValue, A::Error> {
        let mut a = PhpArray::new();
        while let Some((k, v)) = map.next_entry::<String, PhpValue>()? {
            a.set(PhpKey::from_bytes(k.as_bytes()), v);
        }
        Ok(PhpValue::Array(a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_looking_keys_become_integers_only_in_canonical_decimal_form() {
        assert_eq!(PhpKey::from_bytes(b"0"), PhpKey::Int(0));
        assert_eq!(PhpKey::from_bytes(b"12"), PhpKey::Int(12));
        assert_eq!(PhpKey::from_bytes(b"-3"), PhpKey::Int(-3));
        for s in [
            "01",
            "-0",
            "+1",
            "1.5",
            "",
            "-",
            "9223372036854775808",
            " 1",
        ] {
            assert_eq!(
                PhpKey::from_bytes(s.as_bytes()),
                PhpKey::Str(s.into()),
                "{s}"
            );
        }
        assert_eq!(
            PhpKey::from_bytes(b"-9223372036854775808"),
            PhpKey::Int(i64::MIN)
        );
    }

    #[test]
    fn updating_a_key_keeps_its_first_position() {
        let mut a = PhpArray::new();
        a.set(PhpKey::from_bytes(b"x"), PhpValue::Int(1));
        a.set(PhpKey::from_bytes(b"y"), PhpValue::Int(2));
        a.set(PhpKey::from_bytes(b"x"), PhpValue::Int(3));
        let got: Vec<_> = a.iter().map(|(k, v)| (k.to_bytes(), v.clone())).collect();
        assert_eq!(
            got,
            vec![
                (b"x".to_vec(), PhpValue::Int(3)),
                (b"y".to_vec(), PhpValue::Int(2))
            ]
        );
    }

    #[test]
    fn push_appends_after_the_largest_integer_key() {
        let mut a = PhpArray::new();
        a.push(PhpValue::Int(0));
        a.set(PhpKey::Int(7), PhpValue::Int(7));
        a.push(PhpValue::Int(8));
        assert_eq!(a.get(&PhpKey::Int(8)), Some(&PhpValue::Int(8)));
        a.set(PhpKey::Int(i64::MAX), PhpValue::Null);
        assert!(!a.push(PhpValue::Null));
    }

    // wildix.md §2: floats 0.1, 1/3, 1e20, 1e-5 render as PHP precision=14 does.
    #[test]
    fn floats_render_with_fourteen_significant_digits_like_php() {
        assert_eq!(php_float_string(0.1), "0.1");
        assert_eq!(php_float_string(1.0 / 3.0), "0.33333333333333");
        assert_eq!(php_float_string(1e20), "1.0E+20");
        assert_eq!(php_float_string(1e-5), "1.0E-5");
        assert_eq!(php_float_string(0.0001), "0.0001");
        assert_eq!(php_float_string(1.0), "1");
        assert_eq!(php_float_string(-2.5), "-2.5");
        assert_eq!(php_float_string(1e14), "1.0E+14");
        assert_eq!(php_float_string(123456789012345.0), "1.2345678901234E+14");
        assert_eq!(php_float_string(99999999999999.0), "99999999999999");
        assert_eq!(php_float_string(1.5e-7), "1.5E-7");
        assert_eq!(php_float_string(-0.0), "-0");
    }

    #[test]
    fn json_objects_keep_order_and_duplicates_take_the_last_value() {
        let v: PhpValue =
            serde_json::from_str(r#"{"b":1,"a":[true,null],"b":2.5,"7":"x"}"#).unwrap();
        let PhpValue::Array(a) = v else { panic!() };
        let keys: Vec<_> = a.iter().map(|(k, _)| k.clone()).collect();
        assert_eq!(
            keys,
            vec![
                PhpKey::Str(b"b".to_vec()),
                PhpKey::Str(b"a".to_vec()),
                PhpKey::Int(7)
            ]
        );
        assert_eq!(
            a.get(&PhpKey::Str(b"b".to_vec())),
            Some(&PhpValue::Float(2.5))
        );
    }
}
