//! Functions over dynamic values (arrays and property bags).

use crate::kql::value::Value;
use serde_json::Value as Json;

/// `parse_json(s)`: JSON text becomes a value; a dynamic value stays; other text stays text.
pub fn parse_json(v: &Value) -> Value {
    match v {
        Value::Str(s) => match serde_json::from_str::<Json>(s) {
            Ok(json) => Value::from_json(&json),
            Err(_) => v.clone(),
        },
        other => other.clone(),
    }
}

fn array(v: &Value) -> Option<&Vec<Json>> {
    match v {
        Value::Dynamic(Json::Array(items)) => Some(items),
        _ => None,
    }
}

/// An array argument, or a JSON text of one.
fn array_of(v: &Value) -> Option<Vec<Json>> {
    match parse_json(v) {
        Value::Dynamic(Json::Array(items)) => Some(items),
        _ => None,
    }
}

pub fn array_length(v: &Value) -> Value {
    array(v).map_or(Value::Null, |a| Value::Long(a.len() as i64))
}

pub fn bag_keys(v: &Value) -> Value {
    match v {
        Value::Dynamic(Json::Object(map)) => Value::Dynamic(Json::Array(
            map.keys().map(|k| Json::String(k.clone())).collect(),
        )),
        _ => Value::Null,
    }
}

/// `bag_pack(k1, v1, k2, v2, ...)`
pub fn pack(a: &[Value]) -> Value {
    let mut map = serde_json::Map::new();
    for pair in a.chunks(2) {
        if let [key, value] = pair {
            map.insert(key.to_text(), value.to_json());
        }
    }
    Value::Dynamic(Json::Object(map))
}

pub fn bag_merge(a: &[Value]) -> Value {
    let mut map = serde_json::Map::new();
    for v in a {
        if let Value::Dynamic(Json::Object(m)) = v {
            for (k, v) in m {
                map.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
    }
    Value::Dynamic(Json::Object(map))
}

fn distinct(items: impl IntoIterator<Item = Json>) -> Vec<Json> {
    let mut out: Vec<Json> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// Distinct elements of the first array that are in none of the others.
pub fn set_difference(a: &[Value]) -> Value {
    let Some(first) = array_of(&a[0]) else {
        return Value::Null;
    };
    let others: Vec<Json> = a[1..].iter().filter_map(array_of).flatten().collect();
    Value::Dynamic(Json::Array(distinct(
        first.into_iter().filter(|x| !others.contains(x)),
    )))
}

pub fn set_union(a: &[Value]) -> Value {
    Value::Dynamic(Json::Array(distinct(
        a.iter().filter_map(array_of).flatten(),
    )))
}

pub fn set_intersect(a: &[Value]) -> Value {
    let Some(first) = array_of(&a[0]) else {
        return Value::Null;
    };
    let others: Vec<Vec<Json>> = a[1..].iter().filter_map(array_of).collect();
    Value::Dynamic(Json::Array(distinct(
        first
            .into_iter()
            .filter(|x| others.iter().all(|o| o.contains(x))),
    )))
}

pub fn has_element(set: &Value, v: &Value) -> Value {
    array_of(set).map_or(Value::Null, |items| {
        Value::Bool(items.contains(&v.to_json()))
    })
}

pub fn index_of(set: &Value, v: &Value) -> Value {
    array_of(set).map_or(Value::Null, |items| {
        let target = v.to_json();
        Value::Long(
            items
                .iter()
                .position(|x| *x == target)
                .map_or(-1, |i| i as i64),
        )
    })
}

pub fn concat(a: &[Value]) -> Value {
    Value::Dynamic(Json::Array(
        a.iter().filter_map(array_of).flatten().collect(),
    ))
}

/// `array_slice(arr, start, end)`: inclusive; negative indexes count from the end.
pub fn slice(a: &[Value]) -> Value {
    let (Some(items), Some(start), Some(end)) = (array_of(&a[0]), a[1].to_long(), a[2].to_long())
    else {
        return Value::Null;
    };
    let len = items.len() as i64;
    let fix = |i: i64| if i < 0 { len + i } else { i };
    let (start, end) = (fix(start).max(0), fix(end).min(len - 1));
    if start > end {
        return Value::Dynamic(Json::Array(Vec::new()));
    }
    Value::Dynamic(Json::Array(items[start as usize..=end as usize].to_vec()))
}

pub fn sort(v: &Value, descending: bool) -> Value {
    let Some(mut items) = array_of(v) else {
        return Value::Null;
    };
    items.sort_by(|x, y| crate::kql::value::sort_order(&Value::from_json(x), &Value::from_json(y)));
    if descending {
        items.reverse();
    }
    Value::Dynamic(Json::Array(items))
}

/// `extractjson("$.a.b[0]", json)`: the element at a simple JSON path, as text.
pub fn extract_json(a: &[Value]) -> Value {
    let path = a[0].to_text();
    let json = match &a[1] {
        Value::Dynamic(j) => j.clone(),
        other => match serde_json::from_str::<Json>(&other.to_text()) {
            Ok(j) => j,
            Err(_) => return Value::Null,
        },
    };
    let Some(mut rest) = path.trim().strip_prefix('$') else {
        return Value::Null;
    };
    let mut at = &json;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let Some(next) = at.get(&r[..end]) else {
                return Value::Null;
            };
            at = next;
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let Some(end) = r.find(']') else {
                return Value::Null;
            };
            let key = r[..end].trim_matches(['\'', '"']);
            let next = match key.parse::<usize>() {
                Ok(i) => at.get(i),
                Err(_) => at.get(key),
            };
            let Some(next) = next else {
                return Value::Null;
            };
            at = next;
            rest = &r[end + 1..];
        } else {
            return Value::Null;
        }
    }
    match at {
        Json::String(s) => Value::Str(s.clone()),
        other => Value::Str(other.to_string()),
    }
}

/// `a.b`, `a["b"]`: a property of a bag (or of JSON text holding one).
pub fn member(base: &Value, key: &str) -> Value {
    match base {
        Value::Dynamic(Json::Object(map)) => map.get(key).map_or(Value::Null, Value::from_json),
        _ => Value::Null,
    }
}

/// `a[i]`: an element of an array (negative from the end), or a property by a computed key.
pub fn index(base: &Value, i: &Value) -> Value {
    match (base, i) {
        (Value::Dynamic(Json::Array(items)), Value::Long(n)) => {
            let at = if *n < 0 { items.len() as i64 + n } else { *n };
            usize::try_from(at)
                .ok()
                .and_then(|at| items.get(at))
                .map_or(Value::Null, Value::from_json)
        }
        (Value::Dynamic(Json::Object(_)), Value::Str(key)) => member(base, key),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(j: Json) -> Value {
        Value::Dynamic(j)
    }

    #[test]
    fn sets_keep_first_order_and_drop_duplicates() {
        assert_eq!(
            set_difference(&[d(json!(["a", "b", "a", "c"])), d(json!(["b"]))]),
            d(json!(["a", "c"]))
        );
        assert_eq!(
            set_union(&[d(json!([1, 2])), d(json!([2, 3]))]),
            d(json!([1, 2, 3]))
        );
        assert_eq!(
            set_intersect(&[d(json!([1, 2])), d(json!([2, 3]))]),
            d(json!([2]))
        );
    }

    #[test]
    fn reaches_into_json() {
        let bag = d(json!({"a": {"b": [10, 20]}}));
        assert_eq!(
            extract_json(&[Value::str("$.a.b[1]"), bag.clone()]),
            Value::str("20")
        );
        assert_eq!(
            index(&member(&member(&bag, "a"), "b"), &Value::Long(-1)),
            Value::Long(20)
        );
        assert_eq!(parse_json(&Value::str("[1]")), d(json!([1])));
        assert_eq!(bag_keys(&bag), d(json!(["a"])));
    }
}
