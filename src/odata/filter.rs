//! A `$filter` bound to a resource: names resolved, literals type-checked, ready to evaluate on
//! millions of records.

use super::FilterError;
use super::ast::{Ast, CompareOp, Literal, Operand};
use super::parser::parse;
use super::schema::{Coll, Entity, Kind, Prop, Schema, Val};
use crate::graph::Timestamp;
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    cond: Cond,
}

#[derive(Debug, Clone, PartialEq)]
enum Cond {
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
    Compare {
        prop: Prop,
        op: CompareOp,
        value: Value,
    },
    StartsWith {
        prop: Prop,
        prefix: String,
    },
    Lambda {
        coll: Coll,
        all: bool,
        body: Option<Box<Cond>>,
    },
}

/// A literal, converted to the property's type.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Str(String),
    Number(f64),
    Bool(bool),
    Time(Timestamp),
}

impl Filter {
    /// Parses and binds `text` against `schema`.
    pub fn parse(text: &str, schema: &'static Schema) -> Result<Filter, FilterError> {
        let ast = parse(text)?;
        Ok(Filter {
            cond: bind(&ast, schema, None)?,
        })
    }

    pub fn matches(&self, entity: &dyn Entity) -> bool {
        eval(&self.cond, entity)
    }

    /// The time window the filter implies through top-level `and`ed comparisons on `time`:
    /// (inclusive lower bound, inclusive upper bound), in ticks.
    pub fn time_window(&self, time: Prop) -> (Option<i64>, Option<i64>) {
        let mut window = (None, None);
        narrow(&self.cond, time, &mut window);
        window
    }

    /// What is left to check on a record already inside `time_window(time)`: the filter
    /// without the comparisons that made the window; `None` when nothing is left. Records in
    /// the window satisfy those comparisons by construction, so they need not be evaluated.
    pub fn beyond_time_window(&self, time: Prop) -> Option<Filter> {
        residual(&self.cond, time).map(|cond| Filter { cond })
    }
}

/// `cond` without what `narrow` turns into bounds (the same cases, so the two agree).
fn residual(cond: &Cond, time: Prop) -> Option<Cond> {
    match cond {
        Cond::And(a, b) => match (residual(a, time), residual(b, time)) {
            (Some(a), Some(b)) => Some(Cond::And(Box::new(a), Box::new(b))),
            (Some(rest), None) | (None, Some(rest)) => Some(rest),
            (None, None) => None,
        },
        Cond::Compare {
            prop,
            op,
            value: Value::Time(_),
        } if *prop == time && *op != CompareOp::Ne => None,
        other => Some(other.clone()),
    }
}

fn narrow(cond: &Cond, time: Prop, window: &mut (Option<i64>, Option<i64>)) {
    match cond {
        Cond::And(a, b) => {
            narrow(a, time, window);
            narrow(b, time, window);
        }
        Cond::Compare {
            prop,
            op,
            value: Value::Time(t),
        } if *prop == time => {
            let t = t.ticks();
            let raise =
                |bound: &mut Option<i64>, v: i64| *bound = Some(bound.map_or(v, |b| b.max(v)));
            let lower =
                |bound: &mut Option<i64>, v: i64| *bound = Some(bound.map_or(v, |b| b.min(v)));
            match op {
                CompareOp::Ge => raise(&mut window.0, t),
                CompareOp::Gt => raise(&mut window.0, t.saturating_add(1)),
                CompareOp::Le => lower(&mut window.1, t),
                CompareOp::Lt => lower(&mut window.1, t.saturating_sub(1)),
                CompareOp::Eq => {
                    raise(&mut window.0, t);
                    lower(&mut window.1, t);
                }
                CompareOp::Ne => {}
            }
        }
        _ => {}
    }
}

/// `var` is the lambda variable in scope, if any.
fn bind(ast: &Ast, schema: &'static Schema, var: Option<&str>) -> Result<Cond, FilterError> {
    Ok(match ast {
        Ast::And(a, b) => Cond::And(
            Box::new(bind(a, schema, var)?),
            Box::new(bind(b, schema, var)?),
        ),
        Ast::Or(a, b) => Cond::Or(
            Box::new(bind(a, schema, var)?),
            Box::new(bind(b, schema, var)?),
        ),
        Ast::Not(a) => Cond::Not(Box::new(bind(a, schema, var)?)),
        Ast::Compare {
            left,
            op,
            right,
            at,
        } => match (left, right) {
            (Operand::Path(path, at), Operand::Literal(lit, _)) => {
                compare(schema, var, path, *at, *op, lit)?
            }
            (Operand::Literal(lit, _), Operand::Path(path, at)) => {
                compare(schema, var, path, *at, op.flipped(), lit)?
            }
            _ => {
                return Err(FilterError::at(
                    *at,
                    "a comparison needs a property on one side and a value on the other",
                ));
            }
        },
        Ast::Call { name, args, at } => {
            if !name.eq_ignore_ascii_case("startswith") {
                return Err(FilterError::at(
                    *at,
                    format!("the function `{name}` is not supported here; use startswith"),
                ));
            }
            match args.as_slice() {
                [
                    Operand::Path(path, p_at),
                    Operand::Literal(Literal::Str(prefix), _),
                ] => {
                    let (prop, kind) = property(schema, var, path, *p_at)?;
                    if kind != Kind::Str {
                        return Err(FilterError::at(*p_at, "startswith needs a text property"));
                    }
                    Cond::StartsWith {
                        prop,
                        prefix: prefix.to_lowercase(),
                    }
                }
                _ => {
                    return Err(FilterError::at(
                        *at,
                        "startswith takes a property and a quoted text: startswith(appDisplayName,'Graph')",
                    ));
                }
            }
        }
        Ast::Lambda {
            path,
            all,
            var: inner,
            body,
            at,
        } => {
            if var.is_some() {
                return Err(FilterError::at(*at, "lambdas cannot be nested"));
            }
            let joined = path.join("/");
            let (coll, element) = schema.collection(&joined).ok_or_else(|| {
                FilterError::at(
                    *at,
                    format!("`{joined}` is not a collection of {}", schema.name),
                )
            })?;
            let body = match body {
                Some(body) => Some(Box::new(bind(body, element, inner.as_deref())?)),
                None if *all => return Err(FilterError::at(*at, "all() needs a condition")),
                None => None,
            };
            Cond::Lambda {
                coll,
                all: *all,
                body,
            }
        }
    })
}

fn property(
    schema: &Schema,
    var: Option<&str>,
    path: &[String],
    at: usize,
) -> Result<(Prop, Kind), FilterError> {
    let relative: &[String] = match var {
        Some(var) => match path.split_first() {
            Some((first, rest)) if first == var => rest,
            _ => {
                return Err(FilterError::at(
                    at,
                    format!("inside the lambda, write paths from `{var}`, like {var}/id"),
                ));
            }
        },
        None => path,
    };
    let joined = relative.join("/");
    schema.property(&joined).ok_or_else(|| {
        FilterError::at(
            at,
            format!(
                "`{}` is not a filterable property of {}",
                path.join("/"),
                schema.name
            ),
        )
    })
}

fn compare(
    schema: &Schema,
    var: Option<&str>,
    path: &[String],
    at: usize,
    op: CompareOp,
    literal: &Literal,
) -> Result<Cond, FilterError> {
    let (prop, kind) = property(schema, var, path, at)?;
    let mismatch = |what: &str| FilterError::at(at, format!("`{}` is {what}", path.join("/")));
    let value = match (kind, literal) {
        (_, Literal::Null) => Value::Null,
        (Kind::Str, Literal::Str(s)) => Value::Str(s.to_lowercase()),
        (Kind::Str, _) => return Err(mismatch("text: quote the value, like 'x'")),
        (Kind::Int | Kind::Float, Literal::Int(n)) => Value::Number(*n as f64),
        (Kind::Int | Kind::Float, Literal::Float(f)) => Value::Number(*f),
        (Kind::Int | Kind::Float, _) => return Err(mismatch("a number: write it without quotes")),
        (Kind::Bool, Literal::Bool(b)) => Value::Bool(*b),
        (Kind::Bool, _) => return Err(mismatch("true or false")),
        (Kind::Time, Literal::Time(t)) => Value::Time(*t),
        (Kind::Time, Literal::Str(_)) => {
            return Err(mismatch(
                "a DateTimeOffset: write it without quotes, like 2025-03-17T15:00:00Z",
            ));
        }
        (Kind::Time, _) => return Err(mismatch("a DateTimeOffset, like 2025-03-17T15:00:00Z")),
    };
    if value == Value::Null && !matches!(op, CompareOp::Eq | CompareOp::Ne) {
        return Err(FilterError::at(
            at,
            "null can only be compared with eq or ne",
        ));
    }
    Ok(Cond::Compare { prop, op, value })
}

fn eval(cond: &Cond, entity: &dyn Entity) -> bool {
    match cond {
        Cond::And(a, b) => eval(a, entity) && eval(b, entity),
        Cond::Or(a, b) => eval(a, entity) || eval(b, entity),
        Cond::Not(a) => !eval(a, entity),
        Cond::Compare { prop, op, value } => compare_values(entity.get(*prop), *op, value),
        Cond::StartsWith { prop, prefix } => match entity.get(*prop) {
            Val::Str(s) => starts_with_ignore_case(s, prefix),
            _ => false,
        },
        Cond::Lambda {
            coll,
            all: false,
            body,
        } => entity.any(*coll, &mut |e| body.as_ref().is_none_or(|b| eval(b, e))),
        Cond::Lambda {
            coll,
            all: true,
            body,
        } => {
            let body = body.as_ref().expect("all() has a body");
            !entity.any(*coll, &mut |e| !eval(body, e))
        }
    }
}

fn compare_values(actual: Val<'_>, op: CompareOp, expected: &Value) -> bool {
    let ordering = match (actual, expected) {
        (Val::Null, Value::Null) => Some(Ordering::Equal),
        (_, Value::Null) | (Val::Null, _) => None,
        (Val::Str(a), Value::Str(b)) => Some(cmp_ignore_case(a, b)),
        (Val::Int(a), Value::Number(b)) => (a as f64).partial_cmp(b),
        (Val::Float(a), Value::Number(b)) => a.partial_cmp(b),
        (Val::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        (Val::Time(a), Value::Time(b)) => Some(a.cmp(b)),
        _ => None,
    };
    match (op, ordering) {
        (CompareOp::Ne, None) => true,
        (_, None) => false,
        (CompareOp::Eq, Some(o)) => o == Ordering::Equal,
        (CompareOp::Ne, Some(o)) => o != Ordering::Equal,
        (CompareOp::Gt, Some(o)) => o == Ordering::Greater,
        (CompareOp::Ge, Some(o)) => o != Ordering::Less,
        (CompareOp::Lt, Some(o)) => o == Ordering::Less,
        (CompareOp::Le, Some(o)) => o != Ordering::Greater,
    }
}

/// Compares `text` with an already lower-cased `lower`, ignoring case.
fn cmp_ignore_case(text: &str, lower: &str) -> Ordering {
    if text.is_ascii() {
        let a = text.bytes().map(|b| b.to_ascii_lowercase());
        a.cmp(lower.bytes())
    } else {
        text.to_lowercase().as_str().cmp(lower)
    }
}

fn starts_with_ignore_case(text: &str, lower_prefix: &str) -> bool {
    if text.is_ascii() {
        text.len() >= lower_prefix.len()
            && text.as_bytes()[..lower_prefix.len()].eq_ignore_ascii_case(lower_prefix.as_bytes())
    } else {
        text.to_lowercase().starts_with(lower_prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::odata::schema::{DIRECTORY_AUDIT, SIGN_IN, SIGN_IN_BETA};

    fn bad(text: &str) {
        assert!(
            Filter::parse(text, &SIGN_IN).is_err(),
            "{text} should be refused"
        );
    }

    #[test]
    fn refuses_what_graph_refuses() {
        bad("createdDateTime ge '2025-03-17T15:00:00Z'");
        bad("unknownProperty eq 'x'");
        bad("status/errorCode eq '50126'");
        bad("userPrincipalName eq 5");
        bad("endswith(userPrincipalName,'x')");
        bad("targetResources/any(t: t/id eq 'x')");
        bad("createdDateTime gt null");
        bad("userPrincipalName eq appDisplayName");
    }

    #[test]
    fn time_window_comes_from_anded_comparisons() {
        let f = Filter::parse(
            "createdDateTime ge 2025-03-17T15:00:00Z and createdDateTime lt 2025-03-17T15:10:00Z and status/errorCode eq 0",
            &SIGN_IN,
        )
        .unwrap();
        let lower = Timestamp::parse("2025-03-17T15:00:00Z").unwrap().ticks();
        let upper = Timestamp::parse("2025-03-17T15:10:00Z").unwrap().ticks() - 1;
        assert_eq!(
            f.time_window(Prop::CreatedDateTime),
            (Some(lower), Some(upper))
        );
        let f = Filter::parse(
            "createdDateTime ge 2025-03-17T15:00:00Z or status/errorCode eq 0",
            &SIGN_IN,
        )
        .unwrap();
        assert_eq!(f.time_window(Prop::CreatedDateTime), (None, None));
    }

    #[test]
    fn beyond_the_window_is_what_the_window_does_not_decide() {
        let parse = |text: &str| Filter::parse(text, &SIGN_IN).unwrap();
        let rest = |text: &str| parse(text).beyond_time_window(Prop::CreatedDateTime);
        assert_eq!(
            rest(
                "createdDateTime ge 2025-03-17T15:00:00Z and createdDateTime lt 2025-03-17T15:10:00Z and status/errorCode eq 0"
            ),
            Some(parse("status/errorCode eq 0"))
        );
        assert_eq!(
            rest(
                "createdDateTime gt 2025-03-17T15:00:00Z and createdDateTime le 2025-03-17T15:10:00Z"
            ),
            None
        );
        assert_eq!(rest("createdDateTime eq 2025-03-17T15:00:00Z"), None);
        for kept in [
            "createdDateTime ne 2025-03-17T15:00:00Z",
            "createdDateTime ge 2025-03-17T15:00:00Z or status/errorCode eq 0",
            "not (createdDateTime ge 2025-03-17T15:00:00Z)",
        ] {
            assert_eq!(rest(kept), Some(parse(kept)), "{kept}");
        }
        assert_eq!(
            rest(
                "status/errorCode eq 0 and (createdDateTime ge 2025-03-17T15:00:00Z and userId eq 'x')"
            ),
            Some(parse("status/errorCode eq 0 and userId eq 'x'"))
        );
    }

    #[test]
    fn binds_lambdas_per_resource() {
        assert!(Filter::parse("targetResources/any(t: t/id eq 'x')", &DIRECTORY_AUDIT).is_ok());
        assert!(
            Filter::parse(
                "targetResources/any(x: startswith(x/displayName, 'ユ'))",
                &DIRECTORY_AUDIT
            )
            .is_ok()
        );
        assert!(
            Filter::parse(
                "signInEventTypes/any(t: t eq 'interactiveUser' or t eq 'nonInteractiveUser')",
                &SIGN_IN_BETA
            )
            .is_ok()
        );
        assert!(
            Filter::parse("signInEventTypes/any(t: t eq 'interactiveUser')", &SIGN_IN).is_err()
        );
        assert!(Filter::parse("targetResources/any(t: id eq 'x')", &DIRECTORY_AUDIT).is_err());
    }

    #[test]
    fn string_comparison_ignores_case() {
        assert_eq!(
            cmp_ignore_case("User01@XXX.onmicrosoft.com", "user01@xxx.onmicrosoft.com"),
            Ordering::Equal
        );
        assert!(starts_with_ignore_case("OfficeHome", "office"));
        assert!(starts_with_ignore_case("ユーザ01", "ユーザ"));
        assert!(!starts_with_ignore_case("Of", "office"));
    }
}
