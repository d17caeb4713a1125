//! PHP's form parser: `application/x-www-form-urlencoded` bodies as `$_POST` sees them, and
//! query strings as `parse_str` sees them.
//!
//! One machine serves both: PHP runs the same `php_register_variable_ex` for `$_POST` and
//! `parse_str`, so Forma's signature (forma.md §3.3.2) and Wildix's canonical params
//! (wildix.md §2) agree on name mangling (`.` and space become `_` before the first `[`,
//! leading spaces dropped), bracket arrays (`a[]`, `a[k]`, `a[x][y]`), first-position /
//! last-value duplicates, and empty values kept. The only difference, where input splitting
//! stops at a NUL byte, is [`Mode`].

use crate::php_value::{PhpArray, PhpKey, PhpValue};

/// Which PHP entry point the input came through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A request body read into `$_POST` (binary safe: raw NUL bytes are data).
    Post,
    /// A string passed to `parse_str` (PHP stops at the first raw NUL byte).
    ParseStr,
}

/// PHP's input limits, which change what gets parsed once exceeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `max_input_vars` (PHP default 1000): fields after this many are dropped.
    pub max_vars: usize,
    /// `max_input_nesting_level` (PHP default 64): a deeper field removes its whole top-level variable.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_vars: 1000,
            max_depth: 64,
        }
    }
}

/// Parses a form body exactly as PHP fills `$_POST`, with PHP's default limits.
/// Forma signs the values of this array in its order (forma.md §3.3.2).
pub fn parse_post(body: &[u8]) -> PhpArray {
    parse(body, Mode::Post, Limits::default())
}

/// Parses a raw query string exactly as PHP's `parse_str` does, with PHP's default limits.
/// Wildix canonicalises the query through it (wildix.md §2, §5 step 5).
pub fn parse_str(query: &[u8]) -> PhpArray {
    parse(query, Mode::ParseStr, Limits::default())
}

/// Parses `input` with an explicit mode and limits.
/// Fields are `&`-separated; `name=value` is URL-decoded (`+` is a space, bad `%` escapes stay literal).
pub fn parse(input: &[u8], mode: Mode, limits: Limits) -> PhpArray {
    let input = match mode {
        Mode::ParseStr => input.split(|&b| b == 0).next().unwrap_or(&[]),
        Mode::Post => input,
    };
    let mut out = PhpArray::new();
    let mut fields: Vec<&[u8]> = input.split(|&b| b == b'&').collect();
    if fields.last().is_some_and(|f| f.is_empty()) {
        fields.pop();
    }
    // How PHP counts toward max_input_vars differs by entry point (checked against PHP 8.2):
    // parse_str skips empty fields and keeps max_vars; the POST reader counts every field,
    // empty ones included, and registers one more before it stops.
    let budget = match mode {
        Mode::ParseStr => {
            fields.retain(|f| !f.is_empty());
            limits.max_vars
        }
        Mode::Post => limits.max_vars.saturating_add(1),
    };
    for field in fields.into_iter().take(budget).filter(|f| !f.is_empty()) {
        let (name, value) = match field.iter().position(|&b| b == b'=') {
            Some(i) => (&field[..i], &field[i + 1..]),
            None => (field, &[][..]),
        };
        register(&mut out, &url_decode(name), url_decode(value), limits);
    }
    out
}

/// Adds one decoded field to `root` as `php_register_variable_ex` does.
/// Exposed so multipart text parts (which Forma also signs) go through the same rules.
pub fn register(root: &mut PhpArray, name: &[u8], value: Vec<u8>, limits: Limits) {
    // The name is a C string in PHP: it ends at the first NUL, and leading spaces are skipped.
    let name = name.split(|&b| b == 0).next().unwrap_or(&[]);
    let start = name.iter().position(|&b| b != b' ').unwrap_or(name.len());
    let name = name.get(start..).unwrap_or(&[]);

    let mut var = Vec::with_capacity(name.len());
    let mut bracket = None;
    for (i, &c) in name.iter().enumerate() {
        match c {
            b' ' | b'.' => var.push(b'_'),
            b'[' => {
                bracket = Some(i);
                break;
            }
            _ => var.push(c),
        }
    }
    if var.is_empty() {
        return;
    }
    let Some(mut ip) = bracket else {
        root.set(PhpKey::from_bytes(&var), PhpValue::Str(value));
        return;
    };

    // `None` in the path is `[]` (append).
    let mut path: Vec<Option<&[u8]>> = Vec::new();
    let mut depth = 0usize;
    loop {
        depth += 1;
        if depth > limits.max_depth {
            root.remove(&PhpKey::from_bytes(&var));
            return;
        }
        let open = ip + 1;
        let rest = name.get(open..).unwrap_or(&[]);
        // PHP skips one space before testing for `]`: `a[ ]` appends like `a[]`, while
        // `a[ b]` and `a[  ]` keep their spaces as the key (checked against PHP 8.2).
        let skip = usize::from(rest.first() == Some(&b' '));
        if rest.get(skip) == Some(&b']') {
            path.push(None);
            ip = open + skip;
        } else if let Some(close) = rest.iter().position(|&b| b == b']') {
            path.push(Some(&rest[..close]));
            ip = open + close;
        } else {
            // An unclosed `[`: at the top level it becomes part of the name, with `[`, ` `, `.`
            // mangled to `_`; deeper down the rest is ignored.
            if path.is_empty() {
                var.push(b'_');
                var.extend(rest.iter().map(|&c| match c {
                    b' ' | b'.' | b'[' => b'_',
                    _ => c,
                }));
            }
            break;
        }
        // Text after `]` that is not another `[` is ignored.
        if name.get(ip + 1) == Some(&b'[') {
            ip += 1;
        } else {
            break;
        }
    }
    insert_path(root, PhpKey::from_bytes(&var), &path, PhpValue::Str(value));
}

fn insert_path(root: &mut PhpArray, top: PhpKey, path: &[Option<&[u8]>], value: PhpValue) {
    let Some((last, containers)) = path.split_last() else {
        root.set(top, value);
        return;
    };
    let mut table = ensure_array(root, Some(top));
    for index in containers {
        let key = index.map(PhpKey::from_bytes);
        match table.and_then(|t| ensure_array(t, key)) {
            Some(t) => table = Some(t),
            None => return,
        }
    }
    let Some(table) = table else { return };
    match last {
        Some(k) => table.set(PhpKey::from_bytes(k), value),
        None => {
            table.push(value);
        }
    }
}

/// Finds `key` in `table` as an array, creating it (or replacing a scalar in place) if needed.
/// `None` appends a new array; returns `None` when PHP's append would fail.
fn ensure_array(table: &mut PhpArray, key: Option<PhpKey>) -> Option<&mut PhpArray> {
    let key = match key {
        Some(k) => k,
        None => {
            let before = table.len();
            if !table.push(PhpValue::Array(PhpArray::new())) || table.len() == before {
                return None;
            }
            table.iter().last().map(|(k, _)| k.clone())?
        }
    };
    if !matches!(table.get(&key), Some(PhpValue::Array(_))) {
        table.set(key.clone(), PhpValue::Array(PhpArray::new()));
    }
    match table.get_mut(&key) {
        Some(PhpValue::Array(a)) => Some(a),
        _ => None,
    }
}

/// Decodes `+` to space and `%XX` to a byte; an invalid escape is kept literally (PHP `urldecode`).
pub fn url_decode(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while let Some(&c) = s.get(i) {
        match c {
            b'+' => out.push(b' '),
            b'%' => match (
                s.get(i + 1).and_then(hex_val),
                s.get(i + 2).and_then(hex_val),
            ) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

fn hex_val(c: &u8) -> Option<u8> {
    (*c as char).to_digit(16).map(|d| d as u8)
}

/// Encodes bytes as PHP's `urlencode`: `A-Za-z0-9-_.` kept, space as `+`, the rest `%XX` upper-case.
pub fn url_encode(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s {
        match c {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(c as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{c:02X}")),
        }
    }
    out
}

/// Serialises an array as PHP's `http_build_query` does (what the Wildix PHP client sends).
/// Nested keys become `a%5Bb%5D`; `true`/`false` become `1`/`0`; `null` and empty arrays are omitted
/// (wildix.md §4), so such values cannot be sent and should not be signed (§7).
pub fn build_query(data: &PhpArray) -> String {
    let mut parts = Vec::new();
    build_into(data, None, &mut parts);
    parts.join("&")
}

fn build_into(data: &PhpArray, prefix: Option<&str>, parts: &mut Vec<String>) {
    for (k, v) in data.iter() {
        let enc = url_encode(&k.to_bytes());
        let name = match prefix {
            None => enc,
            Some(p) => format!("{p}%5B{enc}%5D"),
        };
        match v {
            PhpValue::Array(a) => build_into(a, Some(&name), parts),
            PhpValue::Null => {}
            other => parts.push(format!("{name}={}", url_encode(&other.to_php_string()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Non-empty nested arrays with keys PHP keeps as they are (no `.`, space or brackets).
    fn arrays() -> impl Strategy<Value = PhpArray> {
        let key = prop_oneof![
            "[a-z_][a-z0-9_]{0,5}".prop_map(|k| k.into_bytes()),
            (0i64..50).prop_map(|i| i.to_string().into_bytes())
        ];
        let leaf = "[ -~é☎]{0,8}".prop_map(|v| PhpValue::Str(v.into_bytes()));
        let value = leaf.prop_recursive(3, 24, 4, move |inner| {
            proptest::collection::vec(("[a-z0-9]{1,4}", inner), 1..4).prop_map(|pairs| {
                PhpValue::Array(PhpArray::from_pairs(
                    pairs.into_iter().map(|(k, v)| (k.into_bytes(), v)),
                ))
            })
        });
        proptest::collection::vec((key, value), 0..6).prop_map(PhpArray::from_pairs)
    }

    proptest! {
        // The Wildix client encodes with http_build_query; the server parses with parse_str.
        #[test]
        fn build_query_then_parse_str_gives_the_array_back(a in arrays()) {
            prop_assert_eq!(parse_str(build_query(&a).as_bytes()), a.clone());
            prop_assert_eq!(parse_post(build_query(&a).as_bytes()), a);
        }
    }

    fn s(v: &str) -> PhpValue {
        PhpValue::Str(v.as_bytes().to_vec())
    }
    fn k(v: &str) -> PhpKey {
        PhpKey::from_bytes(v.as_bytes())
    }
    /// Renders the array like PHP's `var_export`-ish one-liner, for compact assertions.
    fn show(a: &PhpArray) -> String {
        let items: Vec<String> = a
            .iter()
            .map(|(key, v)| {
                let key = String::from_utf8_lossy(&key.to_bytes()).into_owned();
                match v {
                    PhpValue::Array(inner) => format!("{key}=>{}", show(inner)),
                    other => format!("{key}=>{}", String::from_utf8_lossy(&other.to_php_string())),
                }
            })
            .collect();
        format!("[{}]", items.join(","))
    }

    #[test]
    fn dots_and_spaces_in_top_level_names_become_underscores() {
        assert_eq!(
            show(&parse_post(b"a.b=1&a+c=2&+lead=3")),
            "[a_b=>1,a_c=>2,lead=>3]"
        );
        // Mangled names collide: the first position is kept, the last value wins (forma.md §3.3.2).
        assert_eq!(show(&parse_post(b"a.b=1&x=2&a b=3")), "[a_b=>3,x=>2]");
    }

    #[test]
    fn bracket_arrays_append_key_and_nest() {
        assert_eq!(
            show(&parse_post(b"a[]=1&a[]=2&b=3&a[]=4")),
            "[a=>[0=>1,1=>2,2=>4],b=>3]"
        );
        assert_eq!(
            show(&parse_str(b"filter[start][from]=x&filter[start][to]=y")),
            "[filter=>[start=>[from=>x,to=>y]]]"
        );
        assert_eq!(show(&parse_str(b"a[5]=x&a[]=y")), "[a=>[5=>x,6=>y]]");
    }

    // Found by differential testing against PHP 8.2's parse_str.
    #[test]
    fn a_single_space_between_brackets_appends_like_empty_brackets() {
        assert_eq!(show(&parse_str(b"a[ ]=1&a[ ]=2")), "[a=>[0=>1,1=>2]]");
        assert_eq!(show(&parse_str(b"a[ b]=1&a[  ]=2")), "[a=>[ b=>1,  =>2]]");
    }

    #[test]
    fn names_inside_brackets_are_not_mangled() {
        assert_eq!(show(&parse_str(b"a[b.c d]=1")), "[a=>[b.c d=>1]]");
    }

    #[test]
    fn an_unclosed_bracket_becomes_part_of_the_top_level_name() {
        assert_eq!(show(&parse_str(b"a[b.c=1")), "[a_b_c=>1]");
        assert_eq!(show(&parse_str(b"a[x][y=1")), "[a=>[x=>1]]");
        assert_eq!(show(&parse_str(b"a[b]junk=1")), "[a=>[b=>1]]");
    }

    #[test]
    fn empty_values_are_kept_and_empty_names_dropped() {
        assert_eq!(show(&parse_post(b"a=&b&=c&&d=1")), "[a=>,b=>,d=>1]");
    }

    #[test]
    fn a_scalar_and_an_array_of_the_same_name_replace_each_other_in_place() {
        assert_eq!(show(&parse_post(b"a=1&b=2&a[]=3")), "[a=>[0=>3],b=>2]");
        assert_eq!(show(&parse_post(b"a[]=1&b=2&a=3")), "[a=>3,b=>2]");
    }

    #[test]
    fn values_are_url_decoded_bytes_and_bad_escapes_stay_literal() {
        let a = parse_post(b"u=zo%C3%AB+x&p=100%&q=%zz&r=%4");
        assert_eq!(a.get(&k("u")), Some(&s("zoë x")));
        assert_eq!(a.get(&k("p")), Some(&s("100%")));
        assert_eq!(a.get(&k("q")), Some(&s("%zz")));
        assert_eq!(a.get(&k("r")), Some(&s("%4")));
    }

    #[test]
    fn a_nul_byte_ends_a_name_and_parse_str_input() {
        assert_eq!(show(&parse_post(b"ab%00cd=1")), "[ab=>1]");
        assert_eq!(show(&parse_str(b"a=1\0&b=2")), "[a=>1]");
        assert_eq!(parse_post(b"a=1\0&b=2").len(), 2);
    }

    #[test]
    fn nesting_deeper_than_the_limit_drops_the_whole_variable() {
        let limits = Limits {
            max_vars: 1000,
            max_depth: 2,
        };
        assert_eq!(
            show(&parse(b"a[x]=1&a[b][c][d]=2", Mode::Post, limits)),
            "[]"
        );
        assert_eq!(
            show(&parse(b"a[b][c]=2", Mode::Post, limits)),
            "[a=>[b=>[c=>2]]]"
        );
    }

    // Observed with PHP 8.2's built-in server: 64 levels parse, 65 remove `a` entirely.
    #[test]
    fn the_default_nesting_limit_is_64_levels() {
        let body = |n: usize| format!("a[x]=1&a{}=2&z=3", "[b]".repeat(n));
        assert_eq!(forma_join(&body(64)), "1,2,3");
        assert_eq!(forma_join(&body(65)), "3");
    }

    fn forma_join(body: &str) -> String {
        let vals = crate::forma::signed_values(&parse_post(body.as_bytes()));
        String::from_utf8(vals.join(&b","[..])).unwrap()
    }

    // Observed with PHP 8.2's built-in server and parse_str at the default max_input_vars=1000.
    #[test]
    fn fields_beyond_max_input_vars_are_dropped_as_php_counts_them() {
        let many: Vec<String> = (0..1005).map(|i| format!("k{i}=v")).collect();
        assert_eq!(parse_post(many.join("&").as_bytes()).len(), 1001);
        assert_eq!(parse_str(many.join("&").as_bytes()).len(), 1000);
        let sparse: Vec<String> = (0..600).map(|i| format!("k{i}=v")).collect();
        assert_eq!(parse_post(sparse.join("&&").as_bytes()).len(), 501);
        assert_eq!(parse_str(sparse.join("&&").as_bytes()).len(), 600);
        let limits = Limits {
            max_vars: 2,
            max_depth: 64,
        };
        assert_eq!(
            show(&parse(b"a=1&b=2&c=3", Mode::ParseStr, limits)),
            "[a=>1,b=>2]"
        );
    }

    #[test]
    fn numeric_names_become_integer_keys() {
        let a = parse_post(b"12=a&01=b");
        assert_eq!(a.get(&PhpKey::Int(12)), Some(&s("a")));
        assert_eq!(a.get(&k("01")), Some(&s("b")));
    }

    // wildix.md §10 V1: the request line the PHP client sends for the nested filter.
    #[test]
    fn build_query_matches_php_http_build_query() {
        let a = parse_str(b"fields=id,start,end,src,dst&filter[start][from]=01/11/2023 00:00&filter[start][to]=02/11/2023 23:59&count=50&start=0");
        assert_eq!(
            build_query(&a),
            "fields=id%2Cstart%2Cend%2Csrc%2Cdst&filter%5Bstart%5D%5Bfrom%5D=01%2F11%2F2023+00%3A00&filter%5Bstart%5D%5Bto%5D=02%2F11%2F2023+23%3A59&count=50&start=0"
        );
        assert_eq!(url_encode(b"~*"), "%7E%2A");
    }
}
