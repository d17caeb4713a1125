//! The recursive-descent parser of the legacy VTQL grammar (§8.6):
//!
//! ```text
//! stmt  := SELECT cols FROM Module [WHERE cond] [ORDER BY f {, f} [ASC|DESC]] [LIMIT [off,] n] ;
//! cols  := * | count(*) | f {, f}
//! cond  := conj { OR conj }          conj := pred { AND pred }      (D2)
//! pred  := f (=|!=|<>|<|>|<=|>=) value | f LIKE value | f IN ( value {, value} )
//! ```
//! Errors are the vtiger parser's: `Syntax Error on line 1: token '<tok>' Unexpected
//! <KIND>(<tok>), expected one of: <KINDS>`.

use super::lexer::{Kind, Token, tokens};
use super::{Columns, Comparison, Predicate, Select};

/// Parses one statement. The trailing `;` is optional: coreBOS trims spaces and `;` at the
/// end and appends one.
pub fn parse(text: &str) -> Result<Select, String> {
    let trimmed = text
        .trim()
        .trim_end_matches(|c: char| c == ';' || c.is_whitespace());
    let statement = format!("{trimmed};");
    let mut parser = Parser {
        tokens: tokens(&statement)?,
        at: 0,
    };
    parser.statement()
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        // The lexer always ends with `End`, and `advance` never moves past it.
        &self.tokens[self.at.min(self.tokens.len() - 1)]
    }

    fn advance(&mut self) -> Token {
        let token = self.peek().clone();
        if self.at < self.tokens.len() - 1 {
            self.at += 1;
        }
        token
    }

    fn unexpected(&self, expected: &[Kind]) -> String {
        let token = self.peek();
        let names: Vec<&str> = expected.iter().map(|k| k.wire_name()).collect();
        format!(
            "Syntax Error on line 1: token '{}' Unexpected {}({}), expected one of: {}",
            token.text,
            token.kind.wire_name(),
            token.text,
            names.join(",")
        )
    }

    fn expect(&mut self, kind: Kind) -> Result<Token, String> {
        if self.peek().kind == kind {
            Ok(self.advance())
        } else {
            Err(self.unexpected(&[kind]))
        }
    }

    fn accept(&mut self, kind: Kind) -> bool {
        if self.peek().kind == kind {
            self.advance();
            true
        } else {
            false
        }
    }

    fn statement(&mut self) -> Result<Select, String> {
        self.expect(Kind::Select)?;
        let columns = self.columns()?;
        self.expect(Kind::From)?;
        let module = self.expect(Kind::Name)?.text;
        let mut filter = Vec::new();
        if self.accept(Kind::Where) {
            filter = self.condition()?;
        }
        let mut order = None;
        if self.accept(Kind::Order) {
            self.expect(Kind::By)?;
            let mut fields = vec![self.expect(Kind::Name)?.text];
            while self.accept(Kind::Comma) {
                fields.push(self.expect(Kind::Name)?.text);
            }
            let descending = if self.accept(Kind::Desc) {
                true
            } else {
                self.accept(Kind::Asc);
                false
            };
            order = Some((fields, descending));
        }
        let mut limit = None;
        if self.accept(Kind::Limit) {
            let first = self.number()?;
            limit = Some(if self.accept(Kind::Comma) {
                (first, self.number()?)
            } else {
                (0, first)
            });
        }
        if self.peek().kind != Kind::Semicolon {
            let mut expected = vec![Kind::Semicolon];
            if order.is_none() && limit.is_none() {
                expected.insert(0, Kind::Order);
            }
            if limit.is_none() {
                expected.insert(expected.len() - 1, Kind::Limit);
            }
            return Err(self.unexpected(&expected));
        }
        self.advance();
        if self.peek().kind != Kind::End {
            return Err(self.unexpected(&[Kind::End]));
        }
        Ok(Select {
            columns,
            module,
            filter,
            order,
            limit,
        })
    }

    fn columns(&mut self) -> Result<Columns, String> {
        if self.accept(Kind::Asterisk) {
            return Ok(Columns::All);
        }
        if self.accept(Kind::Count) {
            self.expect(Kind::ParenOpen)?;
            self.expect(Kind::Asterisk)?;
            self.expect(Kind::ParenClose)?;
            return Ok(Columns::Count);
        }
        if self.peek().kind != Kind::Name {
            return Err(self.unexpected(&[Kind::Asterisk, Kind::Count, Kind::Name]));
        }
        let mut fields = vec![self.advance().text];
        while self.accept(Kind::Comma) {
            fields.push(self.expect(Kind::Name)?.text);
        }
        Ok(Columns::Fields(fields))
    }

    fn condition(&mut self) -> Result<Vec<Vec<Predicate>>, String> {
        let mut alternatives = vec![self.conjunction()?];
        while self.accept(Kind::Or) {
            alternatives.push(self.conjunction()?);
        }
        Ok(alternatives)
    }

    fn conjunction(&mut self) -> Result<Vec<Predicate>, String> {
        let mut predicates = vec![self.predicate()?];
        while self.accept(Kind::And) {
            predicates.push(self.predicate()?);
        }
        Ok(predicates)
    }

    fn predicate(&mut self) -> Result<Predicate, String> {
        let field = self.expect(Kind::Name)?.text;
        let op = match self.peek().kind {
            Kind::Eq => Comparison::Eq,
            Kind::Ne => Comparison::Ne,
            Kind::Lt => Comparison::Lt,
            Kind::Gt => Comparison::Gt,
            Kind::Le => Comparison::Le,
            Kind::Ge => Comparison::Ge,
            Kind::Like => Comparison::Like,
            Kind::In => Comparison::In,
            _ => {
                return Err(self.unexpected(&[
                    Kind::Eq,
                    Kind::Lt,
                    Kind::Gt,
                    Kind::Le,
                    Kind::Ge,
                    Kind::Ne,
                    Kind::In,
                    Kind::Like,
                ]));
            }
        };
        self.advance();
        let values = if op == Comparison::In {
            self.expect(Kind::ParenOpen)?;
            let mut values = vec![self.expect(Kind::Value)?.text];
            while self.accept(Kind::Comma) {
                values.push(self.expect(Kind::Value)?.text);
            }
            self.expect(Kind::ParenClose)?;
            values
        } else {
            vec![self.expect(Kind::Value)?.text]
        };
        Ok(Predicate { field, op, values })
    }

    fn number(&mut self) -> Result<u64, String> {
        let token = self.peek().clone();
        match token.text.parse::<u64>() {
            Ok(n) if token.kind == Kind::Value => {
                self.advance();
                Ok(n)
            }
            _ => Err(self.unexpected(&[Kind::Value])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn and_binds_tighter_than_or() {
        let select = parse("select * from Contacts where a = 1 or b = 2 and c = 3;").unwrap();
        assert_eq!(select.filter.len(), 2);
        assert_eq!(select.filter[0].len(), 1);
        assert_eq!(select.filter[1].len(), 2);
    }

    #[test]
    fn parentheses_around_conditions_are_a_syntax_error() {
        let error = parse("select * from Contacts where (a = 1);").unwrap_err();
        assert_eq!(
            error,
            "Syntax Error on line 1: token '(' Unexpected PARENOPEN((), expected one of: COLUMNNAME"
        );
    }

    #[test]
    fn random_token_soup_never_panics() {
        use rand::{Rng, SeedableRng};
        let pieces = [
            "select", "from", "where", "and", "or", "order", "by", "asc", "desc", "limit", "in",
            "like", "count", "(", ")", "*", ",", ";", "=", "!=", "<", ">", "<=", ">=", "'x'", "'",
            "\"", "12x3", "-1", "lastname", "Contacts", " ", "é", "\\",
        ];
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        for _ in 0..20_000 {
            let len = rng.gen_range(0..14);
            let text: Vec<&str> = (0..len)
                .map(|_| pieces[rng.gen_range(0..pieces.len())])
                .collect();
            let _ = parse(&text.join(" "));
        }
    }

    #[test]
    fn limit_takes_an_offset_and_a_count() {
        let select =
            parse("select firstname from Contacts order by lastname desc limit 5, 10").unwrap();
        assert_eq!(select.limit, Some((5, 10)));
        assert_eq!(select.order, Some((vec!["lastname".to_owned()], true)));
    }
}
