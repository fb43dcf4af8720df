//! The registry: every function is callable with its least and most arguments without
//! panicking, whatever the values, and a few semantics that queries lean on.

use super::*;
use serde_json::json;

fn call(name: &str, args: &[Value]) -> Value {
    let f = lookup(name).unwrap_or_else(|| panic!("{name} is registered"));
    (f.eval)(args, &Context::new(0))
}

#[test]
fn no_function_panics_on_odd_arguments() {
    let odd = [
        Value::Null,
        Value::Bool(true),
        Value::Long(i64::MIN),
        Value::Real(f64::NAN),
        Value::str("ä\u{0}%zz"),
        Value::DateTime(i64::MAX),
        Value::TimeSpan(i64::MIN),
        Value::Dynamic(json!({"a": [1, null]})),
    ];
    for f in FUNCTIONS {
        for count in [f.min_args, f.max_args.min(4)] {
            for v in &odd {
                let args = vec![v.clone(); count];
                let _ = (f.eval)(&args, &Context::new(i64::MAX));
            }
        }
    }
}

#[test]
fn logic_and_lists() {
    assert_eq!(
        call("iff", &[Value::Bool(false), Value::Long(1), Value::Long(2)]),
        Value::Long(2)
    );
    assert_eq!(
        call(
            "case",
            &[Value::Bool(false), Value::Long(1), Value::Long(9)]
        ),
        Value::Long(9)
    );
    assert_eq!(
        call("coalesce", &[Value::Null, Value::Long(3)]),
        Value::Long(3)
    );
    assert!(in_list(
        &Value::str("50126"),
        &[Value::Dynamic(json!([50053, 50126]))],
        false
    ));
    assert!(in_list(&Value::str("Admin"), &[Value::str("admin")], true));
    assert!(!in_list(
        &Value::str("Admin"),
        &[Value::str("admin")],
        false
    ));
}

#[test]
fn numbers_and_time() {
    assert_eq!(
        call("round", &[Value::Real(2.345), Value::Long(2)]),
        Value::Real(2.35)
    );
    assert_eq!(
        call("max_of", &[Value::Long(1), Value::Null, Value::Long(7)]),
        Value::Long(7)
    );
    assert_eq!(
        (lookup("ago").unwrap().eval)(&[Value::TimeSpan(10)], &Context::new(100)),
        Value::DateTime(90)
    );
    assert_eq!(call("tolong", &[Value::str(" 12 ")]), Value::Long(12));
    assert_eq!(
        call("gettype", &[Value::Dynamic(json!([]))]),
        Value::str("array")
    );
}
