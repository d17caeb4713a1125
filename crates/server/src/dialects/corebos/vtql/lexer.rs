//! VTQL tokens.

/// One token and the text it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// What kind of token.
    pub kind: Kind,
    /// The text as written (a string literal without its quotes, unescaped).
    pub text: String,
}

/// Token kinds, named as the vtiger parser names them in its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `SELECT`.
    Select,
    /// `FROM`.
    From,
    /// `WHERE`.
    Where,
    /// `AND`.
    And,
    /// `OR`.
    Or,
    /// `ORDER`.
    Order,
    /// `BY`.
    By,
    /// `ASC`.
    Asc,
    /// `DESC`.
    Desc,
    /// `LIMIT`.
    Limit,
    /// `IN`.
    In,
    /// `LIKE`.
    Like,
    /// `COUNT`.
    Count,
    /// A field or module name.
    Name,
    /// A quoted string or a bare number / ws id.
    Value,
    /// `*`.
    Asterisk,
    /// `,`.
    Comma,
    /// `(`.
    ParenOpen,
    /// `)`.
    ParenClose,
    /// `;`.
    Semicolon,
    /// `=`.
    Eq,
    /// `!=` or `<>`.
    Ne,
    /// `<`.
    Lt,
    /// `>`.
    Gt,
    /// `<=`.
    Le,
    /// `>=`.
    Ge,
    /// End of the statement.
    End,
}

impl Kind {
    /// The name the vtiger parser uses in `Unexpected <NAME>(<tok>)`.
    pub fn wire_name(self) -> &'static str {
        match self {
            Self::Select => "SELECT",
            Self::From => "FRM",
            Self::Where => "WHERE",
            Self::And => "LOGICAL_AND",
            Self::Or => "LOGICAL_OR",
            Self::Order | Self::By => "ORDERBY",
            Self::Asc => "ASC",
            Self::Desc => "DESC",
            Self::Limit => "LIMIT",
            Self::In => "IN",
            Self::Like => "LIKE",
            Self::Count => "COUNT",
            Self::Name => "COLUMNNAME",
            Self::Value => "VALUE",
            Self::Asterisk => "ASTERISK",
            Self::Comma => "COMMA",
            Self::ParenOpen => "PARENOPEN",
            Self::ParenClose => "PARENCLOSE",
            Self::Semicolon => "SEMICOLON",
            Self::Eq => "EQ",
            Self::Ne => "NE",
            Self::Lt => "LT",
            Self::Gt => "GT",
            Self::Le => "LTE",
            Self::Ge => "GTE",
            Self::End => "$",
        }
    }
}

const KEYWORDS: [(&str, Kind); 13] = [
    ("select", Kind::Select),
    ("from", Kind::From),
    ("where", Kind::Where),
    ("and", Kind::And),
    ("or", Kind::Or),
    ("order", Kind::Order),
    ("by", Kind::By),
    ("asc", Kind::Asc),
    ("desc", Kind::Desc),
    ("limit", Kind::Limit),
    ("in", Kind::In),
    ("like", Kind::Like),
    ("count", Kind::Count),
];

/// Splits a statement into tokens; an unexpected character is the vtiger lexer's
/// `Unexpected input at line1: <c>` (§8.6: double quotes are refused this way).
pub fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let token = |kind, text: &str| Token {
        kind,
        text: text.to_owned(),
    };
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
        let symbol = match two.as_str() {
            "!=" | "<>" => Some((Kind::Ne, 2)),
            "<=" => Some((Kind::Le, 2)),
            ">=" => Some((Kind::Ge, 2)),
            _ => match c {
                '=' => Some((Kind::Eq, 1)),
                '<' => Some((Kind::Lt, 1)),
                '>' => Some((Kind::Gt, 1)),
                '*' => Some((Kind::Asterisk, 1)),
                ',' => Some((Kind::Comma, 1)),
                '(' => Some((Kind::ParenOpen, 1)),
                ')' => Some((Kind::ParenClose, 1)),
                ';' => Some((Kind::Semicolon, 1)),
                _ => None,
            },
        };
        if let Some((kind, len)) = symbol {
            let text: String = chars[i..i + len].iter().collect();
            out.push(token(kind, &text));
            i += len;
        } else if c == '\'' {
            let (value, next) = string_literal(&chars, i + 1)?;
            out.push(token(Kind::Value, &value));
            i = next;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let kind = KEYWORDS
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(&word))
                .map_or(Kind::Name, |(_, kind)| *kind);
            out.push(token(kind, &word));
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            // Bare numbers and ws ids (`12x34`) are values.
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            out.push(token(Kind::Value, &word));
        } else {
            return Err(format!("Unexpected input at line1: {c}"));
        }
    }
    out.push(token(Kind::End, ""));
    Ok(out)
}

/// A single-quoted string from just after its opening quote: `''` and `\'` are quotes,
/// `\\` a backslash. Returns the value and the index after the closing quote.
fn string_literal(chars: &[char], mut i: usize) -> Result<(String, usize), String> {
    let mut value = String::new();
    while i < chars.len() {
        match chars[i] {
            '\\' if i + 1 < chars.len() => {
                value.push(chars[i + 1]);
                i += 2;
            }
            '\'' if chars.get(i + 1) == Some(&'\'') => {
                value.push('\'');
                i += 2;
            }
            '\'' => return Ok((value, i + 1)),
            c => {
                value.push(c);
                i += 1;
            }
        }
    }
    Err("Unexpected input at line1: '".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Kind> {
        tokens(text).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn keywords_are_case_insensitive_and_names_are_not_keywords() {
        assert_eq!(
            kinds("SeLeCt lastname from Contacts;"),
            [
                Kind::Select,
                Kind::Name,
                Kind::From,
                Kind::Name,
                Kind::Semicolon,
                Kind::End
            ]
        );
    }

    #[test]
    fn strings_unescape_and_double_quotes_are_refused() {
        let toks = tokens(r"'O''Brien' 'a\'b'").unwrap();
        assert_eq!(toks[0].text, "O'Brien");
        assert_eq!(toks[1].text, "a'b");
        assert_eq!(
            tokens("\"x\"").unwrap_err(),
            "Unexpected input at line1: \""
        );
    }

    #[test]
    fn ws_ids_and_numbers_are_values() {
        assert_eq!(
            kinds("12x34 -5 1.5"),
            [Kind::Value, Kind::Value, Kind::Value, Kind::End]
        );
    }
}
