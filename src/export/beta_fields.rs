//! What the diagnostic-settings exports (Event Hub, Log Analytics) write of a sign-in beyond
//! its v1.0 form, shared by both so that they agree.
//!
//! - The beta-only properties the record has, in the beta resource's order (`signInEventTypes`
//!   included: a 2025 AD FS record of Elastic's samples carries it beside its category). A
//!   property the record lacks (not modelled, or absent from the file it was read from) is left
//!   out, never defaulted.
//! - `userType` spelled as these exports spell it: `Member`, `Guest` (reference 4.7; Graph
//!   writes `member`).
//! - `deviceDetail` as real exports write it: an unregistered device (no `deviceId`, no
//!   `trustType`) has no `displayName`, `isCompliant`, `isManaged` or `trustType`. Every
//!   unmanaged-device record in Elastic's public sample exports
//!   (elastic/integrations `packages/azure/data_stream/signinlogs/_dev/test/pipeline/`) and
//!   in a portal CSV export omits them, so SigmaHQ's non-compliant-device rule
//!   (`DeviceDetail.isCompliant: false`) fires on registered devices that are not compliant,
//!   not on every personal browser.

use crate::graph::{DeviceDetail, SignIn};
use serde_json::{Map, Value};

/// The beta properties of `sign_in` an export writes, with the export spellings, in the beta
/// resource's order (`BetaSignIn`'s field order; serde_json keeps it).
pub fn beta_entries(sign_in: &SignIn) -> Map<String, Value> {
    let Ok(Value::Object(mut beta)) = serde_json::to_value(&sign_in.beta) else {
        return Map::new();
    };
    if let Some(user_type) = beta.get_mut("userType") {
        *user_type = export_user_type(user_type.take());
    }
    beta
}

fn export_user_type(value: Value) -> Value {
    match value.as_str() {
        Some("member") => Value::from("Member"),
        Some("guest") => Value::from("Guest"),
        _ => value,
    }
}

/// `deviceDetail` as the exports write it (see the module documentation): whole for a
/// registered device, without the device fields for an unregistered one.
pub fn device_detail(device: &DeviceDetail) -> Value {
    let unregistered = device.device_id.as_deref().is_none_or(str::is_empty)
        && device.trust_type.as_deref().is_none_or(str::is_empty);
    let Ok(Value::Object(mut out)) = serde_json::to_value(device) else {
        return Value::Null;
    };
    if unregistered {
        for key in ["displayName", "isCompliant", "isManaged", "trustType"] {
            out.shift_remove(key);
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beta_entries_come_in_the_beta_resource_order_with_export_spellings() {
        let sign_in = crate::export::test_records::sample_sign_in();
        let entries = beta_entries(&sign_in);
        let order: Vec<usize> = entries
            .keys()
            .map(|k| {
                crate::graph::BETA_SIGN_IN_PROPERTIES
                    .iter()
                    .position(|p| p == k)
                    .unwrap_or_else(|| panic!("{k} is not a beta property"))
            })
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
        assert_eq!(entries["userType"], "Member");
    }

    fn device(compliant: bool, managed: bool, trust: &str, name: &str) -> DeviceDetail {
        DeviceDetail {
            device_id: Some(if trust.is_empty() { "" } else { "d-1" }.into()),
            display_name: Some(name.into()),
            operating_system: Some("Windows10".into()),
            browser: Some("Edge 134.0.0".into()),
            is_compliant: Some(compliant),
            is_managed: Some(managed),
            trust_type: Some(trust.into()),
        }
    }

    #[test]
    fn an_unregistered_device_has_only_its_client_fields() {
        assert_eq!(
            device_detail(&device(false, false, "", "")),
            serde_json::json!({"deviceId": "", "operatingSystem": "Windows10", "browser": "Edge 134.0.0"})
        );
    }

    #[test]
    fn a_registered_device_keeps_every_field() {
        let joined = device_detail(&device(true, true, "Azure AD joined", "PC-1"));
        assert_eq!(joined["isCompliant"], true);
        assert_eq!(joined["trustType"], "Azure AD joined");
        let not_compliant = device_detail(&device(false, false, "Azure AD registered", "P-2"));
        assert_eq!(not_compliant["isCompliant"], false);
        assert_eq!(not_compliant["displayName"], "P-2");
    }
}
