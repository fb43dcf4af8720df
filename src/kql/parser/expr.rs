//! Scalar expressions, by precedence: `or`, `and`, comparisons and string operators, `+ -`,
//! `* / %`, unary minus, member access and indexing, primaries.

use super::Parser;
use crate::kql::ast::*;
use crate::kql::error::{KqlError, Result, Span};
use crate::kql::lexer::Tok;
use crate::kql::value::{Type, parse_datetime, parse_timespan};
use serde_json::Value as Json;

impl Parser {
    pub(in crate::kql) fn expr(&mut self) -> Result<Expr> {
        self.enter()?;
        let result = self.or();
        self.leave();
        result
    }

    fn or(&mut self) -> Result<Expr> {
        let mut left = self.and()?;
        let mark = self.depth;
        while self.eat_word("or") {
            self.enter()?;
            let right = self.and()?;
            left = binary(BinOp::Or, left, right);
        }
        self.depth = mark;
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr> {
        let mut left = self.comparison()?;
        let mark = self.depth;
        while self.eat_word("and") {
            self.enter()?;
            let right = self.comparison()?;
            left = binary(BinOp::And, left, right);
        }
        self.depth = mark;
        Ok(left)
    }

    fn comparison(&mut self) -> Result<Expr> {
        let left = self.additive()?;
        let mark = self.depth;
        let result = self.comparison_chain(left);
        self.depth = mark;
        result
    }

    /// Each operator of a chain nests the tree one level deeper: it counts as depth.
    fn comparison_chain(&mut self, mut left: Expr) -> Result<Expr> {
        loop {
            self.enter()?;
            let punct = match &self.peek().tok {
                Tok::Punct(p) => Some(*p),
                _ => None,
            };
            let op = match punct {
                Some("==") => Some(BinOp::Eq),
                Some("!=") | Some("<>") => Some(BinOp::Ne),
                Some("<") => Some(BinOp::Lt),
                Some("<=") => Some(BinOp::Le),
                Some(">") => Some(BinOp::Gt),
                Some(">=") => Some(BinOp::Ge),
                Some("=~") => Some(BinOp::EqCi),
                Some("!~") => Some(BinOp::NeCi),
                _ => None,
            };
            if let Some(op) = op {
                self.bump();
                let right = self.additive()?;
                left = binary(op, left, right);
                continue;
            }
            // `!has`, `!in~`, `!between`: a `!` right before the word.
            let negated = punct == Some("!")
                && matches!(self.peek_at(1), Tok::Ident(_))
                && self.tokens[self.at + 1].span.start == self.span().end;
            let word_at = usize::from(negated);
            let Tok::Ident(word) = self.peek_at(word_at).clone() else {
                return Ok(left);
            };
            match word.as_str() {
                "in" => {
                    self.at += word_at + 1;
                    let case_insensitive = self.is_punct("~") && {
                        self.bump();
                        true
                    };
                    let list = self.paren_list()?;
                    let span = left.span.to(self.prev_span());
                    left = Expr::new(
                        ExprKind::In {
                            expr: Box::new(left),
                            negated,
                            case_insensitive,
                            list,
                        },
                        span,
                    );
                }
                "between" => {
                    self.at += word_at + 1;
                    self.expect_punct("(")?;
                    let low = self.additive()?;
                    self.expect_punct("..")?;
                    let high = self.additive()?;
                    self.expect_punct(")")?;
                    let span = left.span.to(self.prev_span());
                    left = Expr::new(
                        ExprKind::Between {
                            expr: Box::new(left),
                            negated,
                            low: Box::new(low),
                            high: Box::new(high),
                        },
                        span,
                    );
                }
                "matches" if !negated => {
                    self.bump();
                    self.expect_word("regex")?;
                    let right = self.additive()?;
                    left = binary(BinOp::Str(StrOp::MatchesRegex, false), left, right);
                }
                _ => {
                    let Some(op) = StrOp::ALL.iter().find(|(n, _)| *n == word).map(|(_, o)| *o)
                    else {
                        if negated {
                            return Err(KqlError::syntax(
                                self.span(),
                                format!("unknown operator `!{word}`"),
                            ));
                        }
                        return Ok(left);
                    };
                    self.at += word_at + 1;
                    let right = if matches!(op, StrOp::HasAny | StrOp::HasAll) {
                        let start = self.span();
                        let items = self.paren_list()?;
                        Expr::new(
                            ExprKind::Call("pack_array".into(), items),
                            start.to(self.prev_span()),
                        )
                    } else {
                        self.additive()?
                    };
                    left = binary(BinOp::Str(op, negated), left, right);
                }
            }
        }
    }

    /// `( a, b, ... )`; an element may be a tabular expression (`x in (T | project y)`).
    fn paren_list(&mut self) -> Result<Vec<Expr>> {
        self.expect_punct("(")?;
        let mut items = Vec::new();
        while !self.is_punct(")") {
            items.push(self.argument()?);
            if !self.eat_punct(",") {
                break;
            }
        }
        self.expect_punct(")")?;
        Ok(items)
    }

    /// A function argument: an expression, `*`, or a pipeline (`toscalar(T | count)`).
    fn argument(&mut self) -> Result<Expr> {
        let start = self.span();
        if self.is_punct("*") && matches!(self.peek_at(1), Tok::Punct(")" | ",")) {
            self.bump();
            return Ok(Expr::new(ExprKind::Star, start));
        }
        let expr = self.expr()?;
        self.subquery_after(expr)
    }

    /// `expr | op ...` as a tabular argument; `expr` alone otherwise.
    fn subquery_after(&mut self, expr: Expr) -> Result<Expr> {
        if !self.is_punct("|") {
            return Ok(expr);
        }
        let start = expr.span;
        let pipeline = self.operators(super::Source::Expr(expr))?;
        Ok(Expr::new(
            ExprKind::Subquery(Box::new(pipeline)),
            start.to(self.prev_span()),
        ))
    }

    fn additive(&mut self) -> Result<Expr> {
        let mut left = self.multiplicative()?;
        let mark = self.depth;
        let result = loop {
            if let Err(e) = self.enter() {
                break Err(e);
            }
            let op = if self.is_punct("+") {
                BinOp::Add
            } else if self.is_punct("-") {
                BinOp::Sub
            } else {
                break Ok(left);
            };
            self.bump();
            match self.multiplicative() {
                Ok(right) => left = binary(op, left, right),
                Err(e) => break Err(e),
            }
        };
        self.depth = mark;
        result
    }

    fn multiplicative(&mut self) -> Result<Expr> {
        let mut left = self.unary()?;
        let mark = self.depth;
        let result = loop {
            if let Err(e) = self.enter() {
                break Err(e);
            }
            let op = if self.is_punct("*") {
                BinOp::Mul
            } else if self.is_punct("/") {
                BinOp::Div
            } else if self.is_punct("%") {
                BinOp::Mod
            } else {
                break Ok(left);
            };
            self.bump();
            match self.unary() {
                Ok(right) => left = binary(op, left, right),
                Err(e) => break Err(e),
            }
        };
        self.depth = mark;
        result
    }

    fn unary(&mut self) -> Result<Expr> {
        let start = self.span();
        if self.eat_punct("-") {
            // A minus right before a number is part of the literal.
            let literal = match self.peek().tok {
                Tok::Long(n) => Some(Literal::Long(-n)),
                Tok::Real(r) => Some(Literal::Real(-r)),
                Tok::Span(t) => Some(Literal::TimeSpan(-t)),
                _ => None,
            };
            if let Some(literal) = literal {
                let span = start.to(self.bump().span);
                return self.postfix_of(Expr::new(ExprKind::Literal(literal), span));
            }
            self.enter()?;
            let inner = self.unary();
            self.leave();
            let inner = inner?;
            let span = start.to(inner.span);
            return Ok(Expr::new(ExprKind::Neg(Box::new(inner)), span));
        }
        if self.eat_punct("+") {
            self.enter()?;
            let inner = self.unary();
            self.leave();
            return inner;
        }
        self.postfix()
    }

    pub(super) fn postfix(&mut self) -> Result<Expr> {
        let primary = self.primary()?;
        self.postfix_of(primary)
    }

    fn postfix_of(&mut self, expr: Expr) -> Result<Expr> {
        let mark = self.depth;
        let result = self.postfix_chain(expr);
        self.depth = mark;
        result
    }

    fn postfix_chain(&mut self, mut expr: Expr) -> Result<Expr> {
        loop {
            self.enter()?;
            if self.eat_punct(".") {
                let member = match &self.peek().tok {
                    Tok::Ident(w) | Tok::Quoted(w) | Tok::Str(w) => w.clone(),
                    _ => return Err(self.expected("a property name after `.`")),
                };
                let span = expr.span.to(self.bump().span);
                expr = Expr::new(ExprKind::Member(Box::new(expr), member), span);
            } else if self.is_punct("[") {
                self.bump();
                let index = self.expr()?;
                let end = self.expect_punct("]")?;
                let span = expr.span.to(end);
                expr = match index.kind {
                    ExprKind::Literal(Literal::Str(key)) => {
                        Expr::new(ExprKind::Member(Box::new(expr), key), span)
                    }
                    _ => Expr::new(ExprKind::Index(Box::new(expr), Box::new(index)), span),
                };
            } else {
                return Ok(expr);
            }
        }
    }

    fn primary(&mut self) -> Result<Expr> {
        let token = self.peek().clone();
        let span = token.span;
        let literal = |l: Literal| Ok(Expr::new(ExprKind::Literal(l), span));
        match token.tok {
            Tok::Long(n) => {
                self.bump();
                literal(Literal::Long(n))
            }
            Tok::Real(r) => {
                self.bump();
                literal(Literal::Real(r))
            }
            Tok::Str(s) => {
                self.bump();
                literal(Literal::Str(s))
            }
            Tok::Span(t) => {
                self.bump();
                literal(Literal::TimeSpan(t))
            }
            Tok::DateTime(raw) => {
                self.bump();
                match raw.as_str() {
                    "null" => literal(Literal::Null),
                    _ => match parse_datetime(&raw) {
                        Some(t) => literal(Literal::DateTime(t)),
                        None => Err(KqlError::syntax(span, format!("`{raw}` is not a datetime"))
                            .with_hint(
                                "write datetime(2025-03-17T15:00:00Z) or datetime(2025-03-17)",
                            )),
                    },
                }
            }
            Tok::TimeSpan(raw) => {
                self.bump();
                match raw.as_str() {
                    "null" => literal(Literal::Null),
                    _ => match parse_timespan(&raw) {
                        Some(t) => literal(Literal::TimeSpan(t)),
                        None => Err(KqlError::syntax(span, format!("`{raw}` is not a timespan"))
                            .with_hint("write timespan(1d), timespan(00:30:00) or 30m")),
                    },
                }
            }
            Tok::Punct("(") => {
                self.bump();
                if let Tok::Ident(w) = self.peek_at(0)
                    && matches!(w.as_str(), "union" | "datatable" | "print" | "range")
                {
                    let inner = self.pipeline()?;
                    let end = self.expect_punct(")")?;
                    return Ok(Expr::new(ExprKind::Subquery(Box::new(inner)), span.to(end)));
                }
                let inner = self.expr()?;
                let inner = self.subquery_after(inner)?;
                self.expect_punct(")")?;
                Ok(inner)
            }
            Tok::Punct("*") => {
                self.bump();
                Ok(Expr::new(ExprKind::Star, span))
            }
            Tok::Quoted(name) => {
                self.bump();
                Ok(Expr::new(ExprKind::Name(name), span))
            }
            Tok::Punct("[") => match self.bracketed_name() {
                Some(name) => Ok(Expr::new(ExprKind::Name(name), span.to(self.prev_span()))),
                None => Err(self.expected("an expression")),
            },
            Tok::Ident(word) => self.word(word, span),
            _ => Err(self.expected("an expression")),
        }
    }

    fn word(&mut self, word: String, span: Span) -> Result<Expr> {
        self.bump();
        let literal = |l: Literal| Ok(Expr::new(ExprKind::Literal(l), span));
        // KQL reads `true`, `True` and `TRUE` alike (Sentinel's NRT_ADFSDomainTrustMods writes `True`).
        if word.eq_ignore_ascii_case("true") {
            return literal(Literal::Bool(true));
        }
        if word.eq_ignore_ascii_case("false") {
            return literal(Literal::Bool(false));
        }
        if !self.is_punct("(") {
            return Ok(Expr::new(ExprKind::Name(word), span));
        }
        // A table from outside the workspace, also inside an expression
        // (`x !in ((externaldata(...) [...]))`): named, so that a rule reading it is reported
        // as reading a table entralab does not have, not as a syntax error.
        if word == "externaldata" || word == "external_table" {
            return Err(KqlError::unsupported(span, format!("`{word}`")));
        }
        if word == "dynamic" {
            self.bump();
            let json = self.json()?;
            let end = self.expect_punct(")")?;
            let lit = if json.is_null() {
                Literal::Null
            } else {
                Literal::Dynamic(json)
            };
            return Ok(Expr::new(ExprKind::Literal(lit), span.to(end)));
        }
        if let Some(ty) = Type::parse(&word)
            && word != "time"
            && word != "date"
            && let Some(lit) = self.typed_literal(ty)?
        {
            return Ok(Expr::new(ExprKind::Literal(lit), span.to(self.prev_span())));
        }
        self.bump();
        let mut args = Vec::new();
        while !self.is_punct(")") {
            self.named_argument(&word, args.len())?;
            args.push(self.argument()?);
            if !self.eat_punct(",") {
                break;
            }
        }
        let end = self.expect_punct(")")?;
        Ok(Expr::new(ExprKind::Call(word, args), span.to(end)))
    }

    /// Skips the name of a named argument (`make_set(x, MaxSize=8)`, as Sentinel's rules
    /// write it), which is the positional one at `position`: only `MaxSize`, the last
    /// argument of the `make_` aggregates, is known.
    fn named_argument(&mut self, function: &str, position: usize) -> Result<()> {
        let Tok::Ident(name) = &self.peek().tok else {
            return Ok(());
        };
        if *self.peek_at(1) != Tok::Punct("=") {
            return Ok(());
        }
        let span = self.span();
        let max_size_at = crate::kql::aggregate::AGGREGATES
            .iter()
            .find(|(f, ..)| *f == function && f.starts_with("make"))
            .map(|(_, _, _, most, _)| most - 1);
        if !name.eq_ignore_ascii_case("MaxSize") || max_size_at != Some(position) {
            return Err(KqlError::unsupported(
                span,
                format!("the named argument `{name}=` of `{function}`"),
            )
            .with_hint(
                "only MaxSize= is known, as the last argument of make_set, make_list and make_bag",
            ));
        }
        self.bump();
        self.bump();
        Ok(())
    }

    /// `long(null)`, `int(5)`, `bool(true)`, `real(1.5)`, `string("x")`: literals of a type.
    fn typed_literal(&mut self, ty: Type) -> Result<Option<Literal>> {
        let (value, close) = (self.peek_at(1).clone(), self.peek_at(2).clone());
        if close != Tok::Punct(")") {
            return Ok(None);
        }
        let lit = match (ty, value) {
            (_, Tok::Ident(w)) if w == "null" => Literal::Null,
            (Type::Bool, Tok::Ident(w)) if w == "true" || w == "false" => {
                Literal::Bool(w == "true")
            }
            (Type::Int | Type::Long, Tok::Long(n)) => Literal::Long(n),
            (Type::Real, Tok::Long(n)) => Literal::Real(n as f64),
            (Type::Real, Tok::Real(r)) => Literal::Real(r),
            (Type::String, Tok::Str(s)) => Literal::Str(s),
            _ => return Ok(None),
        };
        self.bump();
        self.bump();
        self.bump();
        Ok(Some(lit))
    }

    /// The body of `dynamic(...)`: JSON, with KQL literals inside.
    fn json(&mut self) -> Result<Json> {
        self.enter()?;
        let result = self.json_value();
        self.leave();
        result
    }

    fn json_value(&mut self) -> Result<Json> {
        let token = self.bump();
        Ok(match token.tok {
            Tok::Punct("[") => {
                let mut items = Vec::new();
                while !self.is_punct("]") {
                    items.push(self.json()?);
                    if !self.eat_punct(",") {
                        break;
                    }
                }
                self.expect_punct("]")?;
                Json::Array(items)
            }
            Tok::Punct("{") => {
                let mut map = serde_json::Map::new();
                while !self.is_punct("}") {
                    let key = match self.bump().tok {
                        Tok::Str(k) | Tok::Ident(k) | Tok::Quoted(k) => k,
                        _ => {
                            return Err(KqlError::syntax(
                                self.prev_span(),
                                "expected a property name in dynamic({...})",
                            ));
                        }
                    };
                    self.expect_punct(":")?;
                    map.insert(key, self.json()?);
                    if !self.eat_punct(",") {
                        break;
                    }
                }
                self.expect_punct("}")?;
                Json::Object(map)
            }
            Tok::Punct("-") => match self.bump().tok {
                Tok::Long(n) => Json::from(-n),
                Tok::Real(r) => Json::from(-r),
                _ => {
                    return Err(KqlError::syntax(
                        self.prev_span(),
                        "expected a number after `-`",
                    ));
                }
            },
            Tok::Str(s) => Json::String(s),
            // `["a"]` lexes as a quoted name; inside dynamic() it is an array.
            Tok::Quoted(s) => Json::Array(vec![Json::String(s)]),
            Tok::Long(n) => Json::from(n),
            Tok::Real(r) => Json::from(r),
            Tok::Ident(w) if w == "true" || w == "false" => Json::Bool(w == "true"),
            Tok::Ident(w) if w == "null" => Json::Null,
            _ => {
                return Err(KqlError::syntax(
                    token.span,
                    "expected a JSON value (array, object, string, number, true, false, null)",
                ));
            }
        })
    }
}

fn binary(op: BinOp, left: Expr, right: Expr) -> Expr {
    let span = left.span.to(right.span);
    Expr::new(ExprKind::Binary(op, Box::new(left), Box::new(right)), span)
}
