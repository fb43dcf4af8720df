//! Scalar value types of the scenario format. Each one checks itself while it is read, so a bad
//! value is reported at its own line and column.

use crate::graph::timestamp::TICKS_PER_SECOND;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A length of time: `90s`, `5m`, `1h30m`, `1d`, `250ms`, or a bare number of seconds.
/// Stored in 100 ns ticks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct DurationValue(pub i64);

impl DurationValue {
    pub fn ticks(self) -> i64 {
        self.0
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bad = || format!("`{text}` is not a duration like 90s, 5m, 1h30m or 1d");
        if text.is_empty() {
            return Err(bad());
        }
        let mut total: i64 = 0;
        let mut rest = text;
        while !rest.is_empty() {
            let digits = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            if digits == 0 {
                return Err(bad());
            }
            let number: i64 = rest[..digits].parse().map_err(|_| bad())?;
            rest = &rest[digits..];
            let unit_len = rest
                .find(|c: char| c.is_ascii_digit())
                .unwrap_or(rest.len());
            let ticks_per_unit = match &rest[..unit_len] {
                "ms" => TICKS_PER_SECOND / 1000,
                "s" => TICKS_PER_SECOND,
                "m" => 60 * TICKS_PER_SECOND,
                "h" => 3600 * TICKS_PER_SECOND,
                "d" => 86_400 * TICKS_PER_SECOND,
                _ => return Err(bad()),
            };
            rest = &rest[unit_len..];
            total = number
                .checked_mul(ticks_per_unit)
                .and_then(|t| total.checked_add(t))
                .filter(|t| *t <= MAX_DURATION_TICKS)
                .ok_or_else(|| {
                    format!("`{text}` is longer than the 100 years a scenario may span")
                })?;
        }
        Ok(DurationValue(total))
    }
}

/// A scenario spans at most 100 years, which keeps every instant far from overflow.
pub const MAX_DURATION_TICKS: i64 = 100 * 366 * 86_400 * TICKS_PER_SECOND;

impl<'de> Deserialize<'de> for DurationValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;
        impl Visitor<'_> for DurationVisitor {
            type Value = DurationValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration like 90s, 5m, 1h30m or 1d")
            }
            fn visit_u64<E: de::Error>(self, seconds: u64) -> Result<DurationValue, E> {
                DurationValue::parse(&format!("{seconds}s")).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, seconds: i64) -> Result<DurationValue, E> {
                if seconds < 0 {
                    return Err(E::custom(format!(
                        "`{seconds}` is negative: a duration is zero or more"
                    )));
                }
                self.visit_u64(seconds.unsigned_abs())
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<DurationValue, E> {
                DurationValue::parse(text).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(DurationVisitor)
    }
}

/// An IPv4 or IPv6 address, kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpText(pub String);

impl<'de> Deserialize<'de> for IpText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse::<IpAddr>()
            .map(|ip| IpText(ip.to_string()))
            .map_err(|_| {
                de::Error::custom(format!("`{text}` is not an IP address like 203.0.113.7"))
            })
    }
}

/// An address range in CIDR form (`203.0.113.0/24`); a bare address is a range of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub base: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("`{text}` is not an address range like 203.0.113.0/24");
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let base: IpAddr = addr.trim().parse().map_err(|_| bad())?;
        let max = if base.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(bad)?,
            None => max,
        };
        Ok(Cidr { base, prefix })
    }

    /// The address at position `index` of the range (wrapping), skipping the network and
    /// broadcast addresses of IPv4 ranges larger than two addresses.
    pub fn address(&self, index: u64) -> IpAddr {
        match self.base {
            IpAddr::V4(v4) => {
                let host_bits = 32 - u32::from(self.prefix);
                let size = 1u64 << host_bits;
                let mask = if host_bits == 32 {
                    0
                } else {
                    u32::MAX << host_bits
                };
                let host = if size > 2 {
                    1 + index % (size - 2)
                } else {
                    index % size
                };
                IpAddr::V4(Ipv4Addr::from((u32::from(v4) & mask) | host as u32))
            }
            IpAddr::V6(v6) => {
                let host_bits = 128 - u32::from(self.prefix);
                let mask = if host_bits == 128 {
                    0
                } else {
                    u128::MAX << host_bits
                };
                let span = if host_bits >= 64 {
                    u64::MAX
                } else {
                    (1u64 << host_bits).max(1)
                };
                let host = u128::from(index % span);
                IpAddr::V6(Ipv6Addr::from((u128::from(v6) & mask) | host))
            }
        }
    }

    /// Whether `ip` lies in the range (an IPv4 address never lies in an IPv6 range).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.base, ip) {
            (IpAddr::V4(base), IpAddr::V4(ip)) => {
                let shift = 32 - u32::from(self.prefix);
                // A shift by the whole width is `None` on both sides: /0 holds everything.
                u32::from(base).checked_shr(shift) == u32::from(ip).checked_shr(shift)
            }
            (IpAddr::V6(base), IpAddr::V6(ip)) => {
                let shift = 128 - u32::from(self.prefix);
                u128::from(base).checked_shr(shift) == u128::from(ip).checked_shr(shift)
            }
            _ => false,
        }
    }
}

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Cidr::parse(&text).map_err(de::Error::custom)
    }
}

/// A probability from 0 to 1.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Probability(pub f64);

impl<'de> Deserialize<'de> for Probability {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = f64::deserialize(deserializer)?;
        if (0.0..=1.0).contains(&value) {
            Ok(Probability(value))
        } else {
            Err(de::Error::custom(format!(
                "`{value}` is not a probability: write a number from 0 to 1, like 0.05"
            )))
        }
    }
}

/// `3`, `"5..7"`, `"1.."`, `"..2"`: how many, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountSpec {
    pub min: u64,
    pub max: Option<u64>,
}

impl CountSpec {
    pub fn parse(text: &str) -> Result<CountSpec, String> {
        let bad = || format!("`{text}` is not a count: write 3, 5..7, 1.. or ..2");
        let text = text.trim();
        match text.split_once("..") {
            None => text
                .parse()
                .map(|n| CountSpec {
                    min: n,
                    max: Some(n),
                })
                .map_err(|_| bad()),
            Some((low, high)) => {
                let low = if low.is_empty() {
                    0
                } else {
                    low.trim().parse().map_err(|_| bad())?
                };
                let high = high.trim_start_matches('=');
                let high = if high.is_empty() {
                    None
                } else {
                    Some(high.trim().parse().map_err(|_| bad())?)
                };
                if high.is_some_and(|h| h < low) {
                    return Err(format!(
                        "`{text}` is empty: the lower bound is above the upper"
                    ));
                }
                Ok(CountSpec {
                    min: low,
                    max: high,
                })
            }
        }
    }
}

impl<'de> Deserialize<'de> for CountSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CountVisitor;
        impl Visitor<'_> for CountVisitor {
            type Value = CountSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a count: 3, 5..7, 1.. or ..2")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<CountSpec, E> {
                Ok(CountSpec {
                    min: n,
                    max: Some(n),
                })
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<CountSpec, E> {
                u64::try_from(n)
                    .map(|n| CountSpec {
                        min: n,
                        max: Some(n),
                    })
                    .map_err(|_| E::custom(format!("`{n}` is negative: a count is zero or more")))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<CountSpec, E> {
                CountSpec::parse(text).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(CountVisitor)
    }
}

/// A scalar as written in a matcher.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_contain_their_addresses_only() {
        let range = Cidr::parse("203.0.113.0/24").unwrap();
        assert!(range.contains("203.0.113.200".parse().unwrap()));
        assert!(!range.contains("203.0.114.1".parse().unwrap()));
        assert!(!range.contains("2001:db8::1".parse().unwrap()));
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        let one = Cidr::parse("198.51.100.7").unwrap();
        assert!(one.contains("198.51.100.7".parse().unwrap()));
        assert!(!one.contains("198.51.100.8".parse().unwrap()));
        let v6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(v6.contains("2001:db8:1::5".parse().unwrap()));
    }
    use proptest::prelude::*;

    #[test]
    fn durations_combine_units() {
        assert_eq!(
            DurationValue::parse("1h30m").unwrap().0,
            5400 * TICKS_PER_SECOND
        );
        assert_eq!(
            DurationValue::parse("250ms").unwrap().0,
            TICKS_PER_SECOND / 4
        );
        assert_eq!(DurationValue::parse("0s").unwrap().0, 0);
        for bad in ["", "5", "s", "5x", "1h-2m", "m5", "99999999999999999999d"] {
            assert!(DurationValue::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cidr_addresses_stay_in_range() {
        let range = Cidr::parse("203.0.113.0/24").unwrap();
        assert_eq!(range.address(0).to_string(), "203.0.113.1");
        assert_eq!(range.address(254).to_string(), "203.0.113.1");
        let one = Cidr::parse("198.51.100.7").unwrap();
        assert_eq!(one.address(12).to_string(), "198.51.100.7");
        assert!(Cidr::parse("10.0.0.0/33").is_err());
    }

    proptest! {
        #[test]
        fn duration_parser_never_panics(text in "\\PC{0,24}") {
            let _ = DurationValue::parse(&text);
        }

        #[test]
        fn cidr_parser_never_panics(text in "[0-9a-f:./]{0,40}", index: u64) {
            if let Ok(range) = Cidr::parse(&text) {
                let _ = range.address(index);
            }
        }
    }
}
