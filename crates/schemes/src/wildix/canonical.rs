//! Wildix's canonical data function `C()` (wildix.md §1, §2).
//!
//! `C(map)` lower-cases keys (ASCII; a later duplicate wins), sorts them as PHP 8's `ksort`
//! does, and writes `key:value;` with nested arrays recursing, scalars converted the PHP way
//! and trimmed of `" \t\n\r\0\x0B"`.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::php_sort::zend_sort;
use crate::php_value::{PhpArray, PhpKey, PhpValue};

/// Writes `C(data)`: the canonical form of one header, params or body map.
/// Byte-compatible with the PHP client, even for key sets where PHP's key comparison is not
/// transitive (its sort algorithm is reproduced, see `php_sort`).
pub fn canonical_data(data: &PhpArray) -> Vec<u8> {
    let mut out = Vec::new();
    write_canonical(data, &mut out);
    out
}

fn write_canonical(data: &PhpArray, out: &mut Vec<u8>) {
    // array_change_key_case: a later key that collides after lower-casing overwrites in place.
    let mut keys: Vec<PhpKey> = Vec::with_capacity(data.len());
    let mut values: Vec<&PhpValue> = Vec::with_capacity(data.len());
    let mut position: HashMap<PhpKey, usize> = HashMap::with_capacity(data.len());
    for (k, v) in data.iter() {
        let key = match k {
            PhpKey::Int(i) => PhpKey::Int(*i),
            PhpKey::Str(s) => PhpKey::Str(s.to_ascii_lowercase()),
        };
        match position.get(&key) {
            Some(&i) => {
                if let Some(slot) = values.get_mut(i) {
                    *slot = v;
                }
            }
            None => {
                position.insert(key.clone(), keys.len());
                keys.push(key);
                values.push(v);
            }
        }
    }
    let entries: Vec<(&PhpKey, &PhpValue)> = keys.iter().zip(values).collect();
    for (k, v) in ksort(entries) {
        out.extend_from_slice(&k.to_bytes());
        out.push(b':');
        match v {
            PhpValue::Array(inner) => write_canonical(inner, out),
            scalar => out.extend_from_slice(php_trim(&scalar.to_php_string())),
        }
        out.push(b';');
    }
}

/// PHP's `trim()` with its default character list.
fn php_trim(s: &[u8]) -> &[u8] {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0 | 0x0b);
    let start = s.iter().position(|b| !ws(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|b| !ws(b)).map_or(start, |e| e + 1);
    s.get(start..end).unwrap_or(&[])
}

/// Sorts entries by key as PHP 8's stable `ksort($a)` (SORT_REGULAR) does: PHP's own sort
/// algorithm, with ties broken by original position.
pub(crate) fn ksort<'a>(
    entries: Vec<(&'a PhpKey, &'a PhpValue)>,
) -> Vec<(&'a PhpKey, &'a PhpValue)> {
    let mut indexed: Vec<(usize, (&PhpKey, &PhpValue))> = entries.into_iter().enumerate().collect();
    zend_sort(&mut indexed, &|a, b| match compare_keys(a.1.0, b.1.0) {
        Ordering::Equal => a.0 > b.0,
        o => o == Ordering::Greater,
    });
    indexed.into_iter().map(|(_, e)| e).collect()
}

/// PHP 8 `ksort` key comparison: ints numerically; two numeric strings as numbers; an int and
/// a numeric string as numbers; otherwise byte order of the string forms.
pub(crate) fn compare_keys(a: &PhpKey, b: &PhpKey) -> Ordering {
    match (a, b) {
        (PhpKey::Int(x), PhpKey::Int(y)) => x.cmp(y),
        (PhpKey::Str(x), PhpKey::Str(y)) => match (numeric(x), numeric(y)) {
            (Some(nx), Some(ny)) => match compare_numbers(nx, ny) {
                // Equal as overflowing integers: PHP falls back to comparing the text.
                Ordering::Equal if nx.overflowed() && ny.overflowed() => x.cmp(y),
                o => o,
            },
            _ => x.cmp(y),
        },
        (PhpKey::Int(i), PhpKey::Str(s)) => compare_int_str(*i, s),
        (PhpKey::Str(s), PhpKey::Int(i)) => compare_int_str(*i, s).reverse(),
    }
}

fn compare_int_str(i: i64, s: &[u8]) -> Ordering {
    match numeric(s) {
        Some(n) => compare_numbers(Number::Int(i), n),
        None => i.to_string().as_bytes().cmp(s),
    }
}

#[derive(Clone, Copy, Debug)]
enum Number {
    Int(i64),
    Float(f64),
    /// An integer literal too large for `i64`, read as a float.
    Overflow(f64),
}

impl Number {
    fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) | Number::Overflow(f) => f,
        }
    }
    fn overflowed(self) -> bool {
        matches!(self, Number::Overflow(_))
    }
}

fn compare_numbers(a: Number, b: Number) -> Ordering {
    match (a, b) {
        (Number::Int(x), Number::Int(y)) => x.cmp(&y),
        _ => a
            .as_f64()
            .partial_cmp(&b.as_f64())
            .unwrap_or(Ordering::Equal),
    }
}

/// PHP 8's `is_numeric_string`: optional surrounding whitespace, sign, digits with an optional
/// fraction and exponent. Integers that overflow are read as floats.
fn numeric(s: &[u8]) -> Option<Number> {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let start = s.iter().position(|b| !ws(b))?;
    let end = s.iter().rposition(|b| !ws(b))? + 1;
    let t = std::str::from_utf8(s.get(start..end)?).ok()?;
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int_part, frac_part) = match mantissa.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (mantissa, None),
    };
    let digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    if !digits(int_part)
        || !frac_part.is_none_or(digits)
        || (int_part.is_empty() && frac_part.is_none_or(str::is_empty))
    {
        return None;
    }
    if let Some(e) = exponent {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        if e.is_empty() || !digits(e) {
            return None;
        }
    }
    if frac_part.is_none() && exponent.is_none() {
        return Some(match t.parse::<i64>() {
            Ok(i) => Number::Int(i),
            Err(_) => Number::Overflow(t.parse::<f64>().ok()?),
        });
    }
    t.parse::<f64>().ok().map(Number::Float)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::php_form::parse_str;

    fn c(query: &str) -> String {
        String::from_utf8(canonical_data(&parse_str(query.as_bytes()))).unwrap()
    }

    fn json(body: &str) -> String {
        let v: PhpValue = serde_json::from_str(body).unwrap();
        let PhpValue::Array(a) = v else { panic!() };
        String::from_utf8(canonical_data(&a)).unwrap()
    }

    // wildix.md §2: a list of 12 values sorts its integer keys numerically.
    #[test]
    fn integer_keys_sort_numerically() {
        let q: Vec<String> = "abcdefghijkl"
            .chars()
            .map(|ch| format!("fields[]={ch}"))
            .collect();
        assert_eq!(
            c(&q.join("&")),
            "fields:0:a;1:b;2:c;3:d;4:e;5:f;6:g;7:h;8:i;9:j;10:k;11:l;;"
        );
    }

    // wildix.md §2: mixed keys b,10,9,a,"1.5","01".
    #[test]
    fn numeric_strings_compare_as_numbers_and_others_as_text() {
        assert_eq!(
            json(r#"{"b":1,"10":2,"9":3,"a":4,"1.5":5,"01":6}"#),
            "01:6;1.5:5;9:3;10:2;a:4;b:1;"
        );
    }

    // wildix.md §2: upper/lower/punctuation keys sort by bytes after lower-casing.
    #[test]
    fn keys_are_lowercased_then_sorted_by_bytes() {
        assert_eq!(
            c("Zeta=1&alpha=2&Beta=3&_u=4&-d=5&A1=6&a0=7"),
            "-d:5;_u:4;a0:7;a1:6;alpha:2;beta:3;zeta:1;"
        );
    }

    // wildix.md §2: true, false, null, 42, -5 and the floats.
    #[test]
    fn scalars_render_like_php_string_conversion() {
        assert_eq!(
            json(
                r#"{"a":true,"b":false,"c":null,"d":42,"e":-5,"f":0.1,"g":0.3333333333333333,"h":1e20,"i":1e-5}"#
            ),
            "a:1;b:0;c:;d:42;e:-5;f:0.1;g:0.33333333333333;h:1.0E+20;i:1.0E-5;"
        );
    }

    // wildix.md §2: values are trimmed; inner spaces kept; empty arrays give `e:;`.
    #[test]
    fn values_are_trimmed_and_empty_arrays_are_kept() {
        assert_eq!(json(r#"{"p":"  padded \n","e":[]}"#), "e:;p:padded;");
    }

    // wildix.md §2: Foo and foo both present give one foo entry with the later value.
    #[test]
    fn colliding_keys_keep_the_later_value() {
        assert_eq!(json(r#"{"Foo":"1","foo":"2"}"#), "foo:2;");
        assert_eq!(json(r#"{"foo":"1","FOO":"2"}"#), "foo:2;");
    }

    // wildix.md §2: UTF-8 passes through raw, no Unicode case folding.
    #[test]
    fn utf8_passes_through_unchanged() {
        assert_eq!(
            json(r#"{"Name":"Müller ☎","ÄB":"x"}"#),
            "name:Müller ☎;Äb:x;"
        );
    }

    // wildix.md §2: parse_str mangles `.` and space in top-level names, so `a.b=1` signs as `a_b:1`.
    #[test]
    fn dotted_and_spaced_query_names_sign_in_their_mangled_form() {
        assert_eq!(c("a.b=1&c+d=2&e[f.g]=3"), "a_b:1;c_d:2;e:f.g:3;;");
    }

    #[test]
    fn nested_arrays_close_with_one_semicolon_per_level() {
        assert_eq!(
            c("filter[start][from]=a&filter[start][to]=b"),
            "filter:start:from:a;to:b;;;"
        );
    }

    #[test]
    fn integer_and_string_keys_compare_numerically_when_the_string_is_numeric() {
        let a = PhpKey::Int(10);
        assert_eq!(
            compare_keys(&a, &PhpKey::Str(b"9.5".to_vec())),
            Ordering::Greater
        );
        assert_eq!(
            compare_keys(&a, &PhpKey::Str(b"a".to_vec())),
            Ordering::Less
        );
        assert_eq!(
            compare_keys(&a, &PhpKey::Str(b" 10 ".to_vec())),
            Ordering::Equal
        );
        assert_eq!(
            compare_keys(&a, &PhpKey::Str(b"1e1".to_vec())),
            Ordering::Equal
        );
        assert_eq!(
            compare_keys(&a, &PhpKey::Str(b".".to_vec())),
            Ordering::Greater
        );
    }
}
