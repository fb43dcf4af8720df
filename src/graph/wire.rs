//! The JSON of a v1.0 `signIn` written straight into a buffer, for the mock Graph's pages: the
//! same bytes as `serde_json` writes for `SignIn`'s `Serialize`, several times faster.
//!
//! serde_json escapes every key and every string value byte by byte; here the keys are
//! literals and a string is copied whole once a branch-free scan finds nothing to escape
//! (the common case). Integers and whole-second timestamps are written directly; anything
//! else (a string that needs escaping, a float, a policy list, a JSON value, a year outside
//! 1..=9999) is handed to serde_json itself, so its output rules stay the only ones (the text
//! of recent floats is kept, as serde_json wrote it, since coordinates repeat). Every struct
//! is destructured without `..`: a new field does not compile until it is written here, and
//! the tests compare with serde_json.

use super::timestamp::TICKS_PER_SECOND;
use super::{DeviceDetail, GeoCoordinates, SignIn, SignInLocation, SignInStatus, Text, Timestamp};
use serde::Serialize;

/// Appends `sign_in` as serde_json would write it (`serde_json::to_writer(out, sign_in)`).
pub fn write_sign_in(out: &mut Vec<u8>, sign_in: &SignIn) {
    write_sign_in_fields::<GraphForm>(out, sign_in);
    out.push(b'}');
}

/// What differs between writers of a sign-in's v1.0 properties: Graph writes
/// `createdDateTime` in whole seconds and every device field; the diagnostic-settings exports
/// (`export::eventhub`) write seven digits and `+00:00`, and leave the registration fields of
/// an unregistered device out. A type parameter rather than a value, so that Graph's pages
/// pay nothing for the choice.
pub trait SignInForm {
    /// Appends `createdDateTime`'s value, quotes included.
    fn created_date_time(out: &mut Vec<u8>, time: Timestamp);
    /// Whether `deviceDetail` has `displayName`, `isCompliant`, `isManaged` and `trustType`.
    fn device_registration(device: &DeviceDetail) -> bool;
}

/// Graph's own v1.0 form.
struct GraphForm;

impl SignInForm for GraphForm {
    fn created_date_time(out: &mut Vec<u8>, time: Timestamp) {
        seconds(out, time);
    }

    fn device_registration(_: &DeviceDetail) -> bool {
        true
    }
}

/// Appends `sign_in`'s v1.0 properties as `F` writes them, from the opening `{` through
/// `userAgent`, leaving the object open for the properties a caller adds after them.
pub fn write_sign_in_fields<F: SignInForm>(out: &mut Vec<u8>, sign_in: &SignIn) {
    let SignIn {
        id,
        created_date_time,
        user_display_name,
        user_principal_name,
        user_id,
        app_id,
        app_display_name,
        ip_address,
        client_app_used,
        correlation_id,
        conditional_access_status,
        is_interactive,
        risk_detail,
        risk_level_aggregated,
        risk_level_during_sign_in,
        risk_state,
        risk_event_types,
        risk_event_types_v2,
        resource_display_name,
        resource_id,
        status,
        device_detail,
        location,
        applied_conditional_access_policies,
        authentication_app_device_details,
        home_tenant_id,
        resource_tenant_id,
        service_principal_id,
        service_principal_name,
        user_agent,
        // Neither is part of the v1.0 form.
        beta: _,
        unknown: _,
    } = sign_in;
    out.extend_from_slice(b"{\"id\":");
    string(out, id);
    out.extend_from_slice(b",\"createdDateTime\":");
    F::created_date_time(out, *created_date_time);
    text(out, b",\"userDisplayName\":\"", user_display_name);
    text(out, b",\"userPrincipalName\":\"", user_principal_name);
    text(out, b",\"userId\":\"", user_id);
    text(out, b",\"appId\":\"", app_id);
    text(out, b",\"appDisplayName\":\"", app_display_name);
    text(out, b",\"ipAddress\":\"", ip_address);
    text(out, b",\"clientAppUsed\":\"", client_app_used);
    text(out, b",\"correlationId\":\"", correlation_id);
    text(
        out,
        b",\"conditionalAccessStatus\":\"",
        conditional_access_status,
    );
    out.extend_from_slice(b",\"isInteractive\":");
    flag(out, *is_interactive);
    text(out, b",\"riskDetail\":\"", risk_detail);
    text(out, b",\"riskLevelAggregated\":\"", risk_level_aggregated);
    text(
        out,
        b",\"riskLevelDuringSignIn\":\"",
        risk_level_during_sign_in,
    );
    text(out, b",\"riskState\":\"", risk_state);
    out.extend_from_slice(b",\"riskEventTypes\":");
    strings(out, risk_event_types);
    out.extend_from_slice(b",\"riskEventTypes_v2\":");
    strings(out, risk_event_types_v2);
    text(out, b",\"resourceDisplayName\":\"", resource_display_name);
    text(out, b",\"resourceId\":\"", resource_id);
    out.extend_from_slice(b",\"status\":");
    write_status(out, status);
    out.extend_from_slice(b",\"deviceDetail\":");
    write_device(out, device_detail, F::device_registration(device_detail));
    out.extend_from_slice(b",\"location\":");
    write_location(out, location);
    out.extend_from_slice(b",\"appliedConditionalAccessPolicies\":");
    if applied_conditional_access_policies.is_empty() {
        out.extend_from_slice(b"[]");
    } else {
        serde(out, applied_conditional_access_policies);
    }
    out.extend_from_slice(b",\"authenticationAppDeviceDetails\":");
    match authentication_app_device_details {
        None => out.extend_from_slice(b"null"),
        Some(value) => serde(out, value),
    }
    text(out, b",\"homeTenantId\":\"", home_tenant_id);
    text(out, b",\"resourceTenantId\":\"", resource_tenant_id);
    text(out, b",\"servicePrincipalId\":\"", service_principal_id);
    text(out, b",\"servicePrincipalName\":\"", service_principal_name);
    text(out, b",\"userAgent\":\"", user_agent);
}

pub(crate) fn write_status(out: &mut Vec<u8>, status: &SignInStatus) {
    let SignInStatus {
        error_code,
        failure_reason,
        additional_details,
    } = status;
    out.extend_from_slice(b"{\"errorCode\":");
    integer(out, i64::from(*error_code));
    text(out, b",\"failureReason\":\"", failure_reason);
    text(out, b",\"additionalDetails\":\"", additional_details);
    out.push(b'}');
}

/// `deviceDetail`; without `displayName`, `isCompliant`, `isManaged` and `trustType` unless
/// `registration` (see [`SignInForm::device_registration`]).
pub(crate) fn write_device(out: &mut Vec<u8>, device: &DeviceDetail, registration: bool) {
    let DeviceDetail {
        device_id,
        display_name,
        operating_system,
        browser,
        is_compliant,
        is_managed,
        trust_type,
    } = device;
    text(out, b"{\"deviceId\":\"", device_id);
    if registration {
        text(out, b",\"displayName\":\"", display_name);
    }
    text(out, b",\"operatingSystem\":\"", operating_system);
    text(out, b",\"browser\":\"", browser);
    if registration {
        out.extend_from_slice(b",\"isCompliant\":");
        flag(out, *is_compliant);
        out.extend_from_slice(b",\"isManaged\":");
        flag(out, *is_managed);
        text(out, b",\"trustType\":\"", trust_type);
    }
    out.push(b'}');
}

pub(crate) fn write_location(out: &mut Vec<u8>, location: &SignInLocation) {
    let SignInLocation {
        city,
        state,
        country_or_region,
        geo_coordinates,
    } = location;
    let GeoCoordinates {
        altitude,
        latitude,
        longitude,
    } = geo_coordinates;
    text(out, b"{\"city\":\"", city);
    text(out, b",\"state\":\"", state);
    text(out, b",\"countryOrRegion\":\"", country_or_region);
    out.extend_from_slice(b",\"geoCoordinates\":{\"altitude\":");
    float(out, *altitude);
    out.extend_from_slice(b",\"latitude\":");
    float(out, *latitude);
    out.extend_from_slice(b",\"longitude\":");
    float(out, *longitude);
    out.extend_from_slice(b"}}");
}

/// Whether serde_json writes `text` between quotes as it is: nothing below 0x20, no `"`, no
/// `\\`. Checked in fixed blocks (the last one overlapping) with no early exit, which the
/// compiler turns into a few vector instructions a block.
#[inline(always)]
fn is_plain(text: &str) -> bool {
    let bytes = text.as_bytes();
    let special = match bytes.len() {
        0..8 => bytes.iter().fold(false, |s, &b| s | is_special(b)),
        8..16 => block_special::<8>(&bytes[..8]) | block_special::<8>(&bytes[bytes.len() - 8..]),
        len => {
            let mut special = block_special::<16>(&bytes[len - 16..]);
            for block in bytes.chunks_exact(16) {
                special |= block_special::<16>(block);
            }
            special
        }
    };
    !special
}

#[inline(always)]
fn block_special<const N: usize>(block: &[u8]) -> bool {
    let block: &[u8; N] = block.try_into().expect("a block of N bytes");
    block.iter().fold(false, |s, &b| s | is_special(b))
}

#[inline(always)]
fn is_special(b: u8) -> bool {
    (b < 0x20) | (b == b'"') | (b == b'\\')
}

#[inline(always)]
pub(crate) fn string(out: &mut Vec<u8>, value: &str) {
    if is_plain(value) {
        out.reserve(value.len() + 2);
        out.push(b'"');
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
    } else {
        serde(out, value);
    }
}

/// A key and its text value; `key` ends with the opening quote of the value (one copy
/// fewer), which is dropped when the value is `null` or needs escaping.
#[inline(always)]
pub(crate) fn text(out: &mut Vec<u8>, key: &[u8], value: &Option<Text>) {
    let bare = &key[..key.len() - 1];
    match value {
        Some(value) if is_plain(value) => {
            out.extend_from_slice(key);
            out.extend_from_slice(value.as_bytes());
            out.push(b'"');
        }
        Some(value) => {
            out.extend_from_slice(bare);
            serde(out, &**value);
        }
        None => {
            out.extend_from_slice(bare);
            out.extend_from_slice(b"null");
        }
    }
}

pub(crate) fn strings(out: &mut Vec<u8>, values: &[Text]) {
    out.push(b'[');
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, value);
    }
    out.push(b']');
}

fn flag(out: &mut Vec<u8>, value: Option<bool>) {
    out.extend_from_slice(match value {
        Some(true) => b"true",
        Some(false) => b"false",
        None => b"null",
    });
}

fn float(out: &mut Vec<u8>, value: Option<f64>) {
    match value {
        None => out.extend_from_slice(b"null"),
        Some(value) => FLOATS.with_borrow_mut(|floats| floats.write(out, value)),
    }
}

thread_local! {
    static FLOATS: std::cell::RefCell<FloatCache> = const {
        std::cell::RefCell::new(FloatCache { slots: [(0, 0, [0; FLOAT_BYTES]); FLOAT_SLOTS] })
    };
}

const FLOAT_SLOTS: usize = 16;
/// The longest f64 serde_json writes is 24 bytes (`-2.2250738585072014e-308`).
const FLOAT_BYTES: usize = 24;

/// serde_json's text of recently written floats: coordinates repeat (one pair per location),
/// and formatting them was a few percent of a page. Direct-mapped by the value's bits; a slot
/// holds (bits, length, text), length 0 when empty.
struct FloatCache {
    slots: [(u64, u8, [u8; FLOAT_BYTES]); FLOAT_SLOTS],
}

impl FloatCache {
    fn write(&mut self, out: &mut Vec<u8>, value: f64) {
        let bits = value.to_bits();
        let slot = &mut self.slots[(bits.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 60) as usize];
        if slot.1 > 0 && slot.0 == bits {
            out.extend_from_slice(&slot.2[..usize::from(slot.1)]);
            return;
        }
        let start = out.len();
        serde(out, &value);
        let text = &out[start..];
        if text.len() <= FLOAT_BYTES {
            slot.0 = bits;
            slot.1 = text.len() as u8;
            slot.2[..text.len()].copy_from_slice(text);
        }
    }
}

pub(crate) fn integer(out: &mut Vec<u8>, value: i64) {
    if value < 0 {
        out.push(b'-');
    }
    let mut digits = [0u8; 20];
    let mut n = value.unsigned_abs();
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// A sign-in's `createdDateTime`: whole seconds, `"2025-03-17T15:08:07Z"`.
fn seconds(out: &mut Vec<u8>, time: Timestamp) {
    if time.ticks().rem_euclid(TICKS_PER_SECOND) != 0 {
        return serde(out, &time);
    }
    let Some(civil) = civil_seconds(time) else {
        return serde(out, &time.to_graph_string(super::Precision::Seconds));
    };
    out.push(b'"');
    out.extend_from_slice(&civil);
    out.extend_from_slice(b"Z\"");
}

/// `2025-03-17T15:08:07`, the whole seconds of `time`, for the years 1 to 9999: as chrono
/// writes them, without its formatting machinery. `None` for other years, which the callers
/// leave to their general path.
pub(crate) fn civil_seconds(time: Timestamp) -> Option<[u8; 19]> {
    let seconds = time.ticks().div_euclid(TICKS_PER_SECOND);
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    if !(1..=9999).contains(&year) {
        return None;
    }
    let mut text = *b"0000-00-00T00:00:00";
    put_digits(&mut text[0..4], year);
    put_digits(&mut text[5..7], month);
    put_digits(&mut text[8..10], day);
    put_digits(&mut text[11..13], of_day / 3600);
    put_digits(&mut text[14..16], of_day / 60 % 60);
    put_digits(&mut text[17..19], of_day % 60);
    Some(text)
}

/// Fills `digits` with the last `digits.len()` decimal digits of `value` (non-negative),
/// zero-padded.
pub(crate) fn put_digits(digits: &mut [u8], value: i64) {
    let mut value = value;
    for digit in digits.iter_mut().rev() {
        *digit = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// (year, month, day) of the proleptic Gregorian calendar, `days` after 1970-01-01
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The general path: serde_json's own bytes.
fn serde<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    serde_json::to_writer(&mut *out, value).expect("writing to memory cannot fail");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{AppliedConditionalAccessPolicy, Record};
    use proptest::prelude::*;
    use std::sync::Arc;

    fn same_as_serde(sign_in: &SignIn) {
        let mut fast = Vec::new();
        write_sign_in(&mut fast, sign_in);
        let expected = serde_json::to_vec(sign_in).unwrap();
        assert_eq!(
            String::from_utf8(fast).unwrap(),
            String::from_utf8(expected).unwrap()
        );
    }

    fn simulated(text: &str) -> Vec<SignIn> {
        let scenario = crate::scenario::load_str(std::path::Path::new("s.yaml"), text).unwrap();
        crate::sim::simulate(&scenario)
            .filter_map(|item| match item.record {
                Some(Record::SignIn(s)) => Some(*s),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn writes_what_serde_json_writes_for_every_simulated_sign_in() {
        let mut count = 0;
        for text in [
            include_str!("../../scenarios/user01-password-failures.yaml"),
            include_str!("../../scenarios/user02-smart-lockout.yaml"),
            include_str!("../../scenarios/user03-sspr.yaml"),
            include_str!("../../scenarios/same-wrong-password.yaml"),
            include_str!("../../tests/data/population-small.yaml"),
        ] {
            for sign_in in simulated(text) {
                same_as_serde(&sign_in);
                count += 1;
            }
        }
        assert!(count > 50, "only {count} sign-ins checked");
    }

    fn odd(text: &str) -> Option<Text> {
        Some(Arc::from(text))
    }

    #[test]
    fn writes_escapes_numbers_policies_and_values_as_serde_json() {
        let text = include_str!("../../scenarios/user01-password-failures.yaml");
        let mut sign_in = simulated(text).remove(0);
        sign_in.id = Arc::from("quote \" backslash \\ tab \t nul \u{0} del \u{7f} é 😀");
        sign_in.user_agent = odd("line\nbreak\r\u{1f}");
        sign_in.user_display_name = None;
        sign_in.is_interactive = None;
        sign_in.device_detail.is_compliant = Some(false);
        sign_in.status.error_code = i32::MIN;
        sign_in.risk_event_types = vec![Arc::from("a\"b"), Arc::from("plain")];
        sign_in.risk_event_types_v2 = vec![Arc::from("")];
        sign_in.location.geo_coordinates = GeoCoordinates {
            altitude: Some(f64::NAN),
            latitude: Some(-0.0),
            longitude: Some(1e300),
        };
        sign_in.applied_conditional_access_policies = vec![AppliedConditionalAccessPolicy {
            id: Arc::from("p\"1"),
            display_name: None,
            enforced_grant_controls: vec![Arc::from("mfa")],
            enforced_session_controls: vec![],
            result: odd("success"),
            other: crate::graph::UnknownProperties::from_map(serde_json::Map::from_iter([(
                "conditionsSatisfied".into(),
                3.into(),
            )])),
        }];
        sign_in.authentication_app_device_details = Some(serde_json::json!({"a": [1, 2.5, null]}));
        same_as_serde(&sign_in);
        sign_in.status.error_code = i32::MAX;
        sign_in.created_date_time = Timestamp::from_ticks(-1);
        same_as_serde(&sign_in);
        sign_in.created_date_time = Timestamp::from_unix_seconds(-62_135_596_800 - 1);
        same_as_serde(&sign_in);
        sign_in.created_date_time = Timestamp::from_unix_seconds(253_402_300_800);
        same_as_serde(&sign_in);
    }

    #[test]
    fn cached_floats_are_serde_json_floats() {
        let values = [
            0.0,
            -0.0,
            1.0,
            35.6895,
            139.6917,
            -122.3321,
            f64::MIN_POSITIVE,
            -2.2250738585072014e-308,
            f64::MAX,
            f64::NAN,
            f64::INFINITY,
            1e21,
            1.5e-7,
        ];
        // Twice: the first pass fills the cache, the second reads it.
        for _ in 0..2 {
            for value in values {
                let mut out = Vec::new();
                float(&mut out, Some(value));
                assert_eq!(out, serde_json::to_vec(&value).unwrap(), "{value}");
            }
        }
    }

    proptest! {
        #[test]
        fn floats_match_serde_json(value in any::<f64>(), again in any::<bool>()) {
            let mut out = Vec::new();
            float(&mut out, Some(value));
            if again {
                out.clear();
                float(&mut out, Some(value));
            }
            prop_assert_eq!(out, serde_json::to_vec(&value).unwrap());
        }

        #[test]
        fn timestamps_and_strings_match_serde_json(
            ticks in -70_000_000_000i64 * TICKS_PER_SECOND..260_000_000_000 * TICKS_PER_SECOND,
            upn in "\\PC{0,40}",
            agent in any::<String>(),
            code in any::<i32>(),
        ) {
            let text = include_str!("../../scenarios/user01-password-failures.yaml");
            let mut sign_in = simulated(text).remove(0);
            sign_in.created_date_time = Timestamp::from_ticks(ticks);
            sign_in.user_principal_name = odd(&upn);
            sign_in.user_agent = odd(&agent);
            sign_in.status.error_code = code;
            let mut fast = Vec::new();
            write_sign_in(&mut fast, &sign_in);
            prop_assert_eq!(fast, serde_json::to_vec(&sign_in).unwrap());
        }
    }
}
