//! Recursive-descent parser for `$filter`: `or` binds looser than `and`, which binds looser
//! than `not`; comparisons, `startswith(...)` calls and `any`/`all` lambdas are the atoms.

use super::FilterError;
use super::ast::{Ast, CompareOp, Literal, Operand};
use super::lexer::{Spanned, Token, tokenize};

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 64;

pub fn parse(text: &str) -> Result<Ast, FilterError> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
        end: text.len(),
    };
    let ast = parser.or()?;
    if let Some((_, at)) = parser.tokens.get(parser.pos) {
        return Err(FilterError::at(
            *at,
            "unexpected text after the end of the expression",
        ));
    }
    Ok(ast)
}

struct Parser {
    tokens: Vec<Spanned>,
    pos: usize,
    depth: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|(t, _)| t)
    }

    fn at(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.end, |(_, at)| *at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).map(|(t, _)| t.clone());
        self.pos += 1;
        token
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Name(n)) if n.eq_ignore_ascii_case(word))
    }

    fn expect(&mut self, token: Token, what: &str) -> Result<(), FilterError> {
        let at = self.at();
        match self.next() {
            Some(t) if t == token => Ok(()),
            _ => Err(FilterError::at(at, format!("expected {what}"))),
        }
    }

    fn descend(&mut self) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FilterError::at(
                self.at(),
                "the expression is nested too deeply",
            ));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Ast, FilterError> {
        self.descend()?;
        let mut left = self.and()?;
        while self.keyword("or") {
            self.pos += 1;
            left = Ast::Or(Box::new(left), Box::new(self.and()?));
        }
        self.depth -= 1;
        Ok(left)
    }

    fn and(&mut self) -> Result<Ast, FilterError> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.pos += 1;
            left = Ast::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Ast, FilterError> {
        if self.keyword("not") {
            self.pos += 1;
            self.descend()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Ast::Not(Box::new(inner)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Ast, FilterError> {
        let at = self.at();
        if self.peek() == Some(&Token::LParen) {
            self.pos += 1;
            let inner = self.or()?;
            self.expect(Token::RParen, "`)`")?;
            return Ok(inner);
        }
        // A condition that is a call or a lambda, unless a comparison follows it.
        let left = match self.peek() {
            Some(Token::Name(name))
                if self.tokens.get(self.pos + 1).map(|t| &t.0) == Some(&Token::LParen)
                    && !is_literal_name(name) =>
            {
                let name = name.clone();
                self.pos += 2;
                let args = self.arguments()?;
                if self.at_comparison() {
                    return Err(FilterError::at(
                        at,
                        format!("`{name}(...)` cannot be compared; use it as a condition"),
                    ));
                }
                return Ok(Ast::Call { name, args, at });
            }
            Some(Token::Name(_)) => {
                let path = self.path()?;
                if let Some(lambda) = self.lambda(&path, at)? {
                    return Ok(lambda);
                }
                Operand::Path(path, at)
            }
            _ => self.operand()?,
        };
        let op_at = self.at();
        let op = match self.next() {
            Some(Token::Name(name)) => CompareOp::from_name(&name),
            _ => None,
        }
        .ok_or_else(|| {
            FilterError::at(
                op_at,
                "expected a comparison operator: eq, ne, gt, ge, lt or le",
            )
        })?;
        let right = self.operand()?;
        Ok(Ast::Compare {
            left,
            op,
            right,
            at,
        })
    }

    fn at_comparison(&self) -> bool {
        matches!(self.peek(), Some(Token::Name(n)) if CompareOp::from_name(n).is_some())
    }

    /// `name/name/...`, stopping before `/any(` or `/all(`.
    fn path(&mut self) -> Result<Vec<String>, FilterError> {
        let mut path = Vec::new();
        loop {
            let at = self.at();
            match self.next() {
                Some(Token::Name(name)) => path.push(name),
                _ => return Err(FilterError::at(at, "expected a property name")),
            }
            let lambda_next = matches!(self.tokens.get(self.pos + 1), Some((Token::Name(n), _)) if n.eq_ignore_ascii_case("any") || n.eq_ignore_ascii_case("all"))
                && self.tokens.get(self.pos + 2).map(|t| &t.0) == Some(&Token::LParen);
            if self.peek() != Some(&Token::Slash) || lambda_next {
                return Ok(path);
            }
            self.pos += 1;
        }
    }

    /// `/any(v: body)` after a collection path, if one follows.
    fn lambda(&mut self, path: &[String], at: usize) -> Result<Option<Ast>, FilterError> {
        if self.peek() != Some(&Token::Slash) {
            return Ok(None);
        }
        self.pos += 1;
        let all = match self.next() {
            Some(Token::Name(n)) if n.eq_ignore_ascii_case("any") => false,
            Some(Token::Name(n)) if n.eq_ignore_ascii_case("all") => true,
            _ => return Err(FilterError::at(at, "expected any(...) or all(...)")),
        };
        self.expect(Token::LParen, "`(`")?;
        if self.peek() == Some(&Token::RParen) {
            self.pos += 1;
            return Ok(Some(Ast::Lambda {
                path: path.to_vec(),
                all,
                var: None,
                body: None,
                at,
            }));
        }
        let var_at = self.at();
        let var = match self.next() {
            Some(Token::Name(v)) => v,
            _ => {
                return Err(FilterError::at(
                    var_at,
                    "expected a lambda variable, as in any(t: t/id eq '...')",
                ));
            }
        };
        self.expect(Token::Colon, "`:` after the lambda variable")?;
        let body = self.or()?;
        self.expect(Token::RParen, "`)` closing the lambda")?;
        Ok(Some(Ast::Lambda {
            path: path.to_vec(),
            all,
            var: Some(var),
            body: Some(Box::new(body)),
            at,
        }))
    }

    fn arguments(&mut self) -> Result<Vec<Operand>, FilterError> {
        let mut args = Vec::new();
        if self.peek() == Some(&Token::RParen) {
            self.pos += 1;
            return Ok(args);
        }
        loop {
            args.push(self.operand()?);
            let at = self.at();
            match self.next() {
                Some(Token::Comma) => continue,
                Some(Token::RParen) => return Ok(args),
                _ => {
                    return Err(FilterError::at(
                        at,
                        "expected `,` or `)` in the argument list",
                    ));
                }
            }
        }
    }

    fn operand(&mut self) -> Result<Operand, FilterError> {
        let at = self.at();
        let literal = match self.peek() {
            Some(Token::Str(_) | Token::Int(_) | Token::Float(_) | Token::Time(_)) => {
                match self.next() {
                    Some(Token::Str(s)) => Literal::Str(s),
                    Some(Token::Int(n)) => Literal::Int(n),
                    Some(Token::Float(f)) => Literal::Float(f),
                    Some(Token::Time(t)) => Literal::Time(t),
                    _ => unreachable!(),
                }
            }
            Some(Token::Name(n)) if n.eq_ignore_ascii_case("null") => {
                self.pos += 1;
                Literal::Null
            }
            Some(Token::Name(n))
                if n.eq_ignore_ascii_case("true") || n.eq_ignore_ascii_case("false") =>
            {
                let value = n.eq_ignore_ascii_case("true");
                self.pos += 1;
                Literal::Bool(value)
            }
            Some(Token::Name(_)) => return Ok(Operand::Path(self.path()?, at)),
            _ => return Err(FilterError::at(at, "expected a property or a value")),
        };
        Ok(Operand::Literal(literal, at))
    }
}

fn is_literal_name(name: &str) -> bool {
    ["null", "true", "false"]
        .iter()
        .any(|w| name.eq_ignore_ascii_case(w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn and_binds_tighter_than_or() {
        let ast = parse("a eq 1 or b eq 2 and c eq 3").unwrap();
        assert!(matches!(ast, Ast::Or(_, right) if matches!(*right, Ast::And(_, _))));
    }

    #[test]
    fn parses_lambdas_calls_and_not() {
        assert!(matches!(
            parse("targetResources/any(t: t/id eq 'x')").unwrap(),
            Ast::Lambda { all: false, .. }
        ));
        assert!(matches!(
            parse("startsWith(appDisplayName,'Graph')").unwrap(),
            Ast::Call { .. }
        ));
        assert!(matches!(
            parse("not (status/errorCode eq 0)").unwrap(),
            Ast::Not(_)
        ));
    }

    #[test]
    fn reports_where_it_went_wrong() {
        let err = parse("createdDateTime ge").unwrap_err();
        assert_eq!(err.position, Some(18));
        assert!(parse("a eq 1 b").is_err());
        assert!(parse("(a eq 1").is_err());
        assert!(parse("a eq").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = format!("{}a eq 1{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(parse(&deep).is_err());
        let nots = format!("{}a eq 1", "not ".repeat(10_000));
        assert!(parse(&nots).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,80}") {
            let _ = parse(&text);
        }

        #[test]
        fn never_panics_on_filter_like_text(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("("), Just(")"), Just(" and "), Just(" or "), Just("not "), Just(" eq "),
                    Just(" ge "), Just("'x'"), Just("12"), Just("2025-03-17T15:00:00Z"), Just("status/errorCode"),
                    Just("/any(t:"), Just("t/id"), Just("startswith("), Just(","), Just("null"), Just("true"),
                ],
                0..24,
            )
        ) {
            let _ = parse(&parts.concat());
        }
    }
}
