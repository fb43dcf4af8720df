//! IPv4 and geography functions.

use crate::kql::value::Value;
use std::net::Ipv4Addr;

fn ipv4(v: &Value) -> Option<u32> {
    let text = v.to_text();
    text.trim().parse::<Ipv4Addr>().ok().map(u32::from)
}

/// `a.b.c.d[/n]` as (network, mask).
fn range(v: &Value) -> Option<(u32, u32)> {
    let text = v.to_text();
    let (address, bits) = match text.trim().split_once('/') {
        Some((a, b)) => (a, b.parse::<u32>().ok().filter(|b| *b <= 32)?),
        None => (text.trim(), 32),
    };
    let address = u32::from(address.parse::<Ipv4Addr>().ok()?);
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    Some((address & mask, mask))
}

pub fn is_private(v: &Value) -> Value {
    ipv4(v).map_or(Value::Null, |ip| {
        let ip = Ipv4Addr::from(ip);
        Value::Bool(ip.is_private())
    })
}

pub fn in_range(ip: &Value, cidr: &Value) -> Value {
    match (ipv4(ip), range(cidr)) {
        (Some(ip), Some((net, mask))) => Value::Bool(ip & mask == net),
        _ => Value::Null,
    }
}

/// `ipv4_is_in_any_range(ip, r1, r2, ...)` or `(ip, dynamic([r1, r2]))`.
pub fn in_any_range(a: &[Value]) -> Value {
    let mut ranges = Vec::new();
    for v in &a[1..] {
        match v {
            Value::Dynamic(serde_json::Value::Array(items)) => {
                ranges.extend(items.iter().map(Value::from_json))
            }
            other => ranges.push(other.clone()),
        }
    }
    if ipv4(&a[0]).is_none() {
        return Value::Null;
    }
    Value::Bool(ranges.iter().any(|r| in_range(&a[0], r).is_true()))
}

pub fn parse_ipv4(v: &Value) -> Value {
    range(v).map_or(Value::Null, |(net, _)| Value::Long(i64::from(net)))
}

/// `geo_distance_2points(lon1, lat1, lon2, lat2)`: metres on a sphere of the Earth's mean
/// radius (KQL uses an ellipsoid; the two differ by under 0.5 %).
pub fn geo_distance(a: &[Value]) -> Value {
    let coords: Option<Vec<f64>> = a.iter().map(Value::to_real).collect();
    let Some(c) = coords else {
        return Value::Null;
    };
    let (lon1, lat1, lon2, lat2) = (c[0], c[1], c[2], c[3]);
    if !(-90.0..=90.0).contains(&lat1) || !(-90.0..=90.0).contains(&lat2) {
        return Value::Null;
    }
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    Value::Real(2.0 * 6_371_008.8 * h.sqrt().min(1.0).asin())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_private_addresses() {
        assert_eq!(is_private(&Value::str("10.1.2.3")), Value::Bool(true));
        assert_eq!(is_private(&Value::str("203.0.113.10")), Value::Bool(false));
        assert_eq!(is_private(&Value::str("not an ip")), Value::Null);
        assert_eq!(
            in_range(&Value::str("203.0.113.10"), &Value::str("203.0.113.0/24")),
            Value::Bool(true)
        );
        assert_eq!(parse_ipv4(&Value::str("0.0.1.2")), Value::Long(258));
    }

    #[test]
    fn tokyo_to_sao_paulo_is_about_18_500_km() {
        let d = geo_distance(&[
            Value::Real(139.6917),
            Value::Real(35.6895),
            Value::Real(-46.6333),
            Value::Real(-23.5505),
        ]);
        let km = d.to_real().unwrap() / 1000.0;
        assert!((18_400.0..18_700.0).contains(&km), "{km}");
    }
}
