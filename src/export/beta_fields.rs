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
//!
//! Each is written by one piece of code here, for every form the exports need: the Event Hub
//! writer appends the JSON straight to its buffer (a `serde_json::Value` per record was most
//! of its time), serde serializers take the same entries (`EventHubSignIn`'s `Serialize`).
//! Log Analytics writes each in a column of its own (`loganalytics::write_sign_in`), with
//! [`export_user_type`] and [`device_registration`] from here.

use crate::graph::wire::string;
use crate::graph::{BetaSignIn, DeviceDetail};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

/// The beta properties of `sign_in` an export writes, by name, with the export spellings, in
/// the beta resource's order (what Log Analytics looked them up in before its direct writer;
/// the tests' reference).
#[cfg(test)]
pub fn beta_entries(sign_in: &crate::graph::SignIn) -> serde_json::Map<String, Value> {
    match serde_json::to_value(ExportBeta(&sign_in.beta)) {
        Ok(Value::Object(entries)) => entries,
        _ => serde_json::Map::new(),
    }
}

/// Appends the beta properties `beta` has, with the export spellings, as further entries of
/// the JSON object being written in `out` (`,"key":value` each).
pub fn write_beta_entries(out: &mut Vec<u8>, beta: &BetaSignIn) {
    beta_entries_to(beta, &mut JsonEntries(out)).expect("writing to memory cannot fail");
}

/// Adds the beta properties `beta` has, with the export spellings, to a map being serialized.
pub fn serialize_beta_entries<M: SerializeMap>(
    map: &mut M,
    beta: &BetaSignIn,
) -> Result<(), M::Error> {
    beta_entries_to(beta, &mut MapEntries(map))
}

/// The beta properties as a map of their own, export spellings.
#[cfg(test)]
struct ExportBeta<'a>(&'a BetaSignIn);

#[cfg(test)]
impl Serialize for ExportBeta<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        serialize_beta_entries(&mut map, self.0)?;
        map.end()
    }
}

/// What the entries of an object go to: a serde map, or JSON text being written.
trait Entries {
    type Error;

    fn entry<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Self::Error>;

    /// An entry for a property the record has; nothing for one it lacks.
    fn present<T: Serialize>(&mut self, key: &str, value: &Option<T>) -> Result<(), Self::Error> {
        match value {
            Some(value) => self.entry(key, value),
            None => Ok(()),
        }
    }

    /// [`Entries::present`] for a text property (most are): JSON text has a quicker way.
    fn present_text(&mut self, key: &str, value: Option<&str>) -> Result<(), Self::Error> {
        self.present(key, &value)
    }
}

struct MapEntries<'a, M>(&'a mut M);

impl<M: SerializeMap> Entries for MapEntries<'_, M> {
    type Error = M::Error;

    fn entry<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), M::Error> {
        self.0.serialize_entry(key, value)
    }
}

/// Entries appended to an object already open in the buffer, after its first property.
pub(super) struct JsonEntries<'a>(pub &'a mut Vec<u8>);

impl Entries for JsonEntries<'_> {
    type Error = serde_json::Error;

    fn entry<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> serde_json::Result<()> {
        self.key(key);
        serde_json::to_writer(&mut *self.0, value)
    }

    fn present_text(&mut self, key: &str, value: Option<&str>) -> serde_json::Result<()> {
        if let Some(value) = value {
            self.key(key);
            string(self.0, value);
        }
        Ok(())
    }
}

impl JsonEntries<'_> {
    fn key(&mut self, key: &str) {
        self.0.push(b',');
        string(self.0, key);
        self.0.push(b':');
    }

    /// Appends every `(key, value)` (what a file carried beyond the modelled properties).
    pub(super) fn extend<'v>(&mut self, entries: impl Iterator<Item = (&'v String, &'v Value)>) {
        for (key, value) in entries {
            self.entry(key, value)
                .expect("writing to memory cannot fail");
        }
    }
}

/// The beta properties `beta` has, in `BetaSignIn`'s order (the beta resource's), to `to`.
/// Destructured without `..`: a new property does not compile until it is placed here.
fn beta_entries_to<E: Entries>(beta: &BetaSignIn, to: &mut E) -> Result<(), E::Error> {
    let BetaSignIn {
        sign_in_event_types,
        user_type,
        authentication_requirement,
        authentication_requirement_policies,
        authentication_details,
        authentication_methods_used,
        authentication_protocol,
        authentication_processing_details,
        mfa_detail,
        token_issuer_type,
        token_issuer_name,
        cross_tenant_access_type,
        incoming_token_type,
        is_tenant_restricted,
        flagged_for_review,
        processing_time_in_milliseconds,
        network_location_details,
        session_lifetime_policies,
        original_request_id,
        unique_token_identifier,
        autonomous_system_number,
        client_credential_type,
    } = beta;
    to.present("signInEventTypes", sign_in_event_types)?;
    to.present_text("userType", user_type.as_deref().map(export_user_type))?;
    to.present_text(
        "authenticationRequirement",
        authentication_requirement.as_deref(),
    )?;
    to.present(
        "authenticationRequirementPolicies",
        authentication_requirement_policies,
    )?;
    to.present("authenticationDetails", authentication_details)?;
    to.present("authenticationMethodsUsed", authentication_methods_used)?;
    to.present_text("authenticationProtocol", authentication_protocol.as_deref())?;
    to.present(
        "authenticationProcessingDetails",
        authentication_processing_details,
    )?;
    to.present("mfaDetail", mfa_detail)?;
    to.present_text("tokenIssuerType", token_issuer_type.as_deref())?;
    to.present_text("tokenIssuerName", token_issuer_name.as_deref())?;
    to.present_text("crossTenantAccessType", cross_tenant_access_type.as_deref())?;
    to.present_text("incomingTokenType", incoming_token_type.as_deref())?;
    to.present("isTenantRestricted", is_tenant_restricted)?;
    to.present("flaggedForReview", flagged_for_review)?;
    to.present(
        "processingTimeInMilliseconds",
        processing_time_in_milliseconds,
    )?;
    to.present("networkLocationDetails", network_location_details)?;
    to.present("sessionLifetimePolicies", session_lifetime_policies)?;
    to.present_text("originalRequestId", original_request_id.as_deref())?;
    to.present_text("uniqueTokenIdentifier", unique_token_identifier.as_deref())?;
    to.present("autonomousSystemNumber", autonomous_system_number)?;
    to.present_text("clientCredentialType", client_credential_type.as_deref())
}

/// `member` and `guest` as these exports spell them; anything else as it is.
pub(super) fn export_user_type(user_type: &str) -> &str {
    match user_type {
        "member" => "Member",
        "guest" => "Guest",
        other => other,
    }
}

/// Whether the exports write the registration fields of `device` (`displayName`,
/// `isCompliant`, `isManaged`, `trustType`): only when it is registered, i.e. has a
/// `deviceId` or a `trustType` (see the module documentation).
pub fn device_registration(device: &DeviceDetail) -> bool {
    !(device.device_id.as_deref().is_none_or(str::is_empty)
        && device.trust_type.as_deref().is_none_or(str::is_empty))
}

/// `deviceDetail` as the exports write it (see the module documentation): whole for a
/// registered device, without the registration fields for an unregistered one. The Event Hub
/// writer writes the same with `graph::write_sign_in_fields`, the Log Analytics files with
/// `graph::wire::write_device` (`loganalytics::row_json` takes this one's value).
pub struct ExportDevice<'a>(pub &'a DeviceDetail);

impl Serialize for ExportDevice<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Graph's order, as `DeviceDetail`'s own `Serialize` (the tests compare with it).
        let device = self.0;
        let registration = device_registration(device);
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("deviceId", &device.device_id)?;
        if registration {
            map.serialize_entry("displayName", &device.display_name)?;
        }
        map.serialize_entry("operatingSystem", &device.operating_system)?;
        map.serialize_entry("browser", &device.browser)?;
        if registration {
            map.serialize_entry("isCompliant", &device.is_compliant)?;
            map.serialize_entry("isManaged", &device.is_managed)?;
            map.serialize_entry("trustType", &device.trust_type)?;
        }
        map.end()
    }
}

/// The `serde_json::Value` encoding the exports had before [`write_beta_entries`] and
/// [`ExportDevice`], kept as the reference of the tests.
#[cfg(test)]
pub(crate) mod value_reference {
    use crate::graph::{DeviceDetail, SignIn};
    use serde_json::{Map, Value};

    pub(crate) fn beta_entries(sign_in: &SignIn) -> Map<String, Value> {
        let Ok(Value::Object(mut beta)) = serde_json::to_value(&sign_in.beta) else {
            return Map::new();
        };
        if let Some(user_type) = beta.get_mut("userType") {
            *user_type = match user_type.as_str() {
                Some("member") => Value::from("Member"),
                Some("guest") => Value::from("Guest"),
                _ => user_type.take(),
            };
        }
        beta
    }

    pub(crate) fn device_detail(device: &DeviceDetail) -> Value {
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

    fn device_detail(device: &DeviceDetail) -> Value {
        serde_json::to_value(ExportDevice(device)).unwrap()
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

    /// What Log Analytics takes from here is what the `Value` encoding made, byte for byte,
    /// for every record of the labs.
    #[test]
    fn the_same_as_the_value_encoding_for_every_record_of_the_labs() {
        let mut checked = 0;
        for (path, record) in crate::export::test_records::every_lab_record() {
            let crate::graph::Record::SignIn(sign_in) = record else {
                continue;
            };
            let want = serde_json::to_string(&value_reference::beta_entries(&sign_in)).unwrap();
            let got = serde_json::to_string(&beta_entries(&sign_in)).unwrap();
            assert_eq!(got, want, "{}", path.display());
            let want = value_reference::device_detail(&sign_in.device_detail).to_string();
            let got = serde_json::to_string(&ExportDevice(&sign_in.device_detail)).unwrap();
            assert_eq!(got, want, "{}", path.display());
            checked += 1;
        }
        assert!(checked >= 1000, "only {checked} sign-ins checked");
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
