//! A Graph sign-in straight from its JSON bytes, for the fast path: mirrors of the record's
//! objects that serde fills without a `serde_json::Value` in between.
//!
//! Why mirrors and not the `graph` types themselves: the general path fixes the case of keys
//! (`errorcode`), fills `null`s and keeps unknown properties, and the `graph` types silently
//! ignore (or keep aside) keys they do not know, so deserialising into them directly could not
//! tell a record the general path would change. Every mirror here denies unknown fields and
//! takes only the forms the general path keeps as they are: anything else fails, and the
//! record is read by the general path, so both give the same record.

use super::lists::{self, ListOf, SharedList};
use super::text::{Shared, Unique, read_str};
use crate::graph::{
    AppliedConditionalAccessPolicy, AuthenticationDetail, AuthenticationRequirementPolicy,
    BetaSignIn, DeviceDetail, GeoCoordinates, KeyValue, MfaDetail, NetworkLocationDetail, SignIn,
    SignInLocation, SignInStatus, Text, Timestamp, UnknownProperties,
};
use crate::logfiles::convert::has_misspelt_keys;
use crate::logfiles::time::parse_timestamp;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::borrow::Cow;
use std::sync::Arc;

/// A timestamp in any spelling the general path reads (it normalises them the same way).
pub(super) fn lenient_time<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Timestamp, D::Error> {
    read_str(deserializer, parse_timestamp)
}

/// `true` or `false` only: the general path refuses a `null` `isInteractive` and reads strings
/// leniently, so both are left to it.
fn strict_bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    bool::deserialize(deserializer).map(Some)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct WireSignIn<'a> {
    pub(super) id: Unique,
    #[serde(deserialize_with = "lenient_time")]
    pub(super) created_date_time: Timestamp,
    pub(super) user_display_name: Option<Unique>,
    pub(super) user_principal_name: Option<Unique>,
    pub(super) user_id: Option<Unique>,
    pub(super) app_id: Option<Shared>,
    pub(super) app_display_name: Option<Shared>,
    pub(super) ip_address: Option<Unique>,
    pub(super) client_app_used: Option<Shared>,
    pub(super) correlation_id: Option<Unique>,
    pub(super) conditional_access_status: Option<Shared>,
    #[serde(default, deserialize_with = "strict_bool")]
    pub(super) is_interactive: Option<bool>,
    pub(super) risk_detail: Option<Shared>,
    pub(super) risk_level_aggregated: Option<Shared>,
    pub(super) risk_level_during_sign_in: Option<Shared>,
    pub(super) risk_state: Option<Shared>,
    pub(super) risk_event_types: Option<Vec<Shared>>,
    #[serde(rename = "riskEventTypes_v2")]
    pub(super) risk_event_types_v2: Option<Vec<Shared>>,
    pub(super) resource_display_name: Option<Shared>,
    pub(super) resource_id: Option<Shared>,
    pub(super) status: Option<WireStatus>,
    pub(super) device_detail: Option<WireDevice>,
    pub(super) location: Option<WireLocation>,
    pub(super) applied_conditional_access_policies:
        Option<ListOf<WirePolicy, AppliedConditionalAccessPolicy>>,
    pub(super) authentication_app_device_details: Option<Value>,
    pub(super) home_tenant_id: Option<Shared>,
    pub(super) resource_tenant_id: Option<Shared>,
    pub(super) service_principal_id: Option<Shared>,
    pub(super) service_principal_name: Option<Shared>,
    pub(super) user_agent: Option<Shared>,
    // Beta.
    pub(super) sign_in_event_types: Option<SharedList>,
    pub(super) user_type: Option<Shared>,
    pub(super) authentication_requirement: Option<Shared>,
    pub(super) authentication_requirement_policies: Option<Vec<WireRequirementPolicy>>,
    pub(super) authentication_details:
        Option<ListOf<WireAuthenticationDetail, AuthenticationDetail>>,
    pub(super) authentication_methods_used: Option<SharedList>,
    pub(super) authentication_protocol: Option<Shared>,
    pub(super) authentication_processing_details: Option<Vec<WireKeyValue>>,
    pub(super) mfa_detail: Option<WireMfaDetail>,
    pub(super) token_issuer_type: Option<Shared>,
    pub(super) token_issuer_name: Option<Shared>,
    pub(super) cross_tenant_access_type: Option<Shared>,
    pub(super) incoming_token_type: Option<Shared>,
    pub(super) is_tenant_restricted: Option<bool>,
    pub(super) flagged_for_review: Option<bool>,
    pub(super) processing_time_in_milliseconds: Option<u32>,
    pub(super) network_location_details: Option<Vec<WireNetworkLocation>>,
    pub(super) session_lifetime_policies: Option<Vec<Value>>,
    /// Most often the record's `id`, whose text is then shared rather than copied.
    #[serde(borrow)]
    pub(super) original_request_id: Option<Cow<'a, str>>,
    pub(super) unique_token_identifier: Option<Unique>,
    pub(super) autonomous_system_number: Option<u32>,
    pub(super) client_credential_type: Option<Shared>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct WireStatus {
    /// Wider than Graph's `i32` so that an out-of-range code is refused here, not wrapped.
    error_code: Option<i64>,
    failure_reason: Option<Shared>,
    additional_details: Option<Shared>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct WireDevice {
    device_id: Option<Shared>,
    display_name: Option<Shared>,
    operating_system: Option<Shared>,
    browser: Option<Shared>,
    is_compliant: Option<bool>,
    is_managed: Option<bool>,
    trust_type: Option<Shared>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct WireLocation {
    city: Option<Shared>,
    state: Option<Shared>,
    pub(super) country_or_region: Option<Shared>,
    geo_coordinates: Option<WireGeo>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct WireGeo {
    altitude: Option<f64>,
    latitude: Option<f64>,
    longitude: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct WirePolicy {
    id: Shared,
    display_name: Option<Shared>,
    enforced_grant_controls: Option<Vec<Shared>>,
    enforced_session_controls: Option<Vec<Shared>>,
    result: Option<Shared>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct WireRequirementPolicy {
    requirement_provider: Option<Shared>,
    detail: Option<Shared>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct WireAuthenticationDetail {
    authentication_step_date_time: Option<Timestamp>,
    authentication_method: Option<Shared>,
    authentication_method_detail: Option<Shared>,
    succeeded: Option<bool>,
    authentication_step_result_detail: Option<Shared>,
    authentication_step_requirement: Option<Shared>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireKeyValue {
    key: Option<Shared>,
    value: Option<Shared>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct WireMfaDetail {
    auth_method: Option<Shared>,
    auth_detail: Option<Shared>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct WireNetworkLocation {
    network_type: Option<Shared>,
    #[serde(default)]
    network_names: Vec<Shared>,
}

impl From<WirePolicy> for AppliedConditionalAccessPolicy {
    fn from(p: WirePolicy) -> Self {
        AppliedConditionalAccessPolicy {
            id: p.id.0,
            display_name: Shared::text(p.display_name),
            enforced_grant_controls: Shared::texts(p.enforced_grant_controls).unwrap_or_default(),
            enforced_session_controls: Shared::texts(p.enforced_session_controls)
                .unwrap_or_default(),
            result: Shared::text(p.result),
            other: UnknownProperties::default(),
        }
    }
}

impl From<WireAuthenticationDetail> for AuthenticationDetail {
    fn from(d: WireAuthenticationDetail) -> Self {
        AuthenticationDetail {
            authentication_step_date_time: d.authentication_step_date_time,
            authentication_method: Shared::text(d.authentication_method),
            authentication_method_detail: Shared::text(d.authentication_method_detail),
            succeeded: d.succeeded,
            authentication_step_result_detail: Shared::text(d.authentication_step_result_detail),
            authentication_step_requirement: Shared::text(d.authentication_step_requirement),
            other: UnknownProperties::default(),
        }
    }
}

/// Where a record came from, for what its envelope adds.
#[derive(Default)]
pub(super) struct Diagnostic {
    /// `signInEventTypes` from the category: also the default of `isInteractive`.
    pub(super) event_type: Option<&'static str>,
    /// A diagnostic-settings record, which spells `userType` `Member`.
    pub(super) diagnostic: bool,
}

impl WireSignIn<'_> {
    /// The Graph sign-in, as the general path makes it; `None` for a record it would change in
    /// a way this path does not (a missing `status`, keys to fix in free-form values).
    pub(super) fn into_sign_in(self: Box<Self>, from: &Diagnostic) -> Option<Box<SignIn>> {
        let status = self.status?;
        let error_code = i32::try_from(status.error_code?).ok()?;
        let free_form = self
            .authentication_app_device_details
            .iter()
            .chain(self.session_lifetime_policies.iter().flat_map(|p| p.iter()));
        if free_form.into_iter().any(has_misspelt_keys) {
            return None;
        }
        let original_request_id = self.original_request_id.map(|original| {
            if *original == *self.id.0 {
                self.id.0.clone()
            } else {
                Text::from(original)
            }
        });
        let location = self.location.unwrap_or_default();
        let geo = location.geo_coordinates.unwrap_or_default();
        let device = self.device_detail.unwrap_or_default();
        let mut is_interactive = self.is_interactive;
        let mut sign_in_event_types = self.sign_in_event_types.map(|l| l.0);
        if let Some(event_type) = from.event_type {
            is_interactive.get_or_insert(event_type == super::super::convert::INTERACTIVE);
            sign_in_event_types.get_or_insert_with(|| Arc::from([Text::from(event_type)]));
        }
        let mut user_type = Shared::text(self.user_type);
        if from.diagnostic
            && let Some(t) = &user_type
            && matches!(&**t, "Member" | "Guest")
        {
            user_type = Some(Text::from(t.to_ascii_lowercase()));
        }
        let beta = BetaSignIn {
            sign_in_event_types,
            user_type,
            authentication_requirement: Shared::text(self.authentication_requirement),
            authentication_requirement_policies: self.authentication_requirement_policies.map(
                |p| {
                    lists::list(
                        p.into_iter()
                            .map(|p| AuthenticationRequirementPolicy {
                                requirement_provider: Shared::text(p.requirement_provider),
                                detail: Shared::text(p.detail),
                            })
                            .collect(),
                    )
                },
            ),
            authentication_details: self.authentication_details.map(|d| d.0),
            authentication_methods_used: self.authentication_methods_used.map(|l| l.0),
            authentication_protocol: Shared::text(self.authentication_protocol),
            authentication_processing_details: self.authentication_processing_details.map(|p| {
                lists::list(
                    p.into_iter()
                        .map(|p| KeyValue {
                            key: Shared::text(p.key),
                            value: Shared::text(p.value),
                        })
                        .collect(),
                )
            }),
            mfa_detail: self.mfa_detail.map(|m| MfaDetail {
                auth_method: Shared::text(m.auth_method),
                auth_detail: Shared::text(m.auth_detail),
            }),
            token_issuer_type: Shared::text(self.token_issuer_type),
            token_issuer_name: Shared::text(self.token_issuer_name),
            cross_tenant_access_type: Shared::text(self.cross_tenant_access_type),
            incoming_token_type: Shared::text(self.incoming_token_type),
            is_tenant_restricted: self.is_tenant_restricted,
            flagged_for_review: self.flagged_for_review,
            processing_time_in_milliseconds: self.processing_time_in_milliseconds,
            network_location_details: self.network_location_details.map(|n| {
                lists::list(
                    n.into_iter()
                        .map(|n| NetworkLocationDetail {
                            network_type: Shared::text(n.network_type),
                            network_names: n.network_names.into_iter().map(|s| s.0).collect(),
                        })
                        .collect(),
                )
            }),
            session_lifetime_policies: self.session_lifetime_policies.map(lists::list),
            original_request_id,
            unique_token_identifier: Unique::text(self.unique_token_identifier),
            autonomous_system_number: self.autonomous_system_number,
            client_credential_type: Shared::text(self.client_credential_type),
        };
        // Boxed here, once: a `SignIn` is over 1 kB, and each later move of it (out of an
        // `Option`, into its record) was a call to `memcpy`.
        Some(Box::new(SignIn {
            id: self.id.0,
            created_date_time: self.created_date_time,
            user_display_name: Unique::text(self.user_display_name),
            user_principal_name: Unique::text(self.user_principal_name),
            user_id: Unique::text(self.user_id),
            app_id: Shared::text(self.app_id),
            app_display_name: Shared::text(self.app_display_name),
            ip_address: Unique::text(self.ip_address),
            client_app_used: Shared::text(self.client_app_used),
            correlation_id: Unique::text(self.correlation_id),
            conditional_access_status: Shared::text(self.conditional_access_status),
            is_interactive,
            risk_detail: Shared::text(self.risk_detail),
            risk_level_aggregated: Shared::text(self.risk_level_aggregated),
            risk_level_during_sign_in: Shared::text(self.risk_level_during_sign_in),
            risk_state: Shared::text(self.risk_state),
            risk_event_types: Shared::texts(self.risk_event_types).unwrap_or_default(),
            risk_event_types_v2: Shared::texts(self.risk_event_types_v2).unwrap_or_default(),
            resource_display_name: Shared::text(self.resource_display_name),
            resource_id: Shared::text(self.resource_id),
            status: SignInStatus {
                error_code,
                failure_reason: Shared::text(status.failure_reason),
                additional_details: Shared::text(status.additional_details),
            },
            device_detail: DeviceDetail {
                device_id: Shared::text(device.device_id),
                display_name: Shared::text(device.display_name),
                operating_system: Shared::text(device.operating_system),
                browser: Shared::text(device.browser),
                is_compliant: device.is_compliant,
                is_managed: device.is_managed,
                trust_type: Shared::text(device.trust_type),
            },
            location: SignInLocation {
                city: Shared::text(location.city),
                state: Shared::text(location.state),
                country_or_region: Shared::text(location.country_or_region),
                geo_coordinates: GeoCoordinates {
                    altitude: geo.altitude,
                    latitude: geo.latitude,
                    longitude: geo.longitude,
                },
            },
            applied_conditional_access_policies: self
                .applied_conditional_access_policies
                .map(|p| p.0)
                .unwrap_or_default(),
            authentication_app_device_details: self.authentication_app_device_details,
            home_tenant_id: Shared::text(self.home_tenant_id),
            resource_tenant_id: Shared::text(self.resource_tenant_id),
            service_principal_id: Shared::text(self.service_principal_id),
            service_principal_name: Shared::text(self.service_principal_name),
            user_agent: Shared::text(self.user_agent),
            beta,
            unknown: UnknownProperties::default(),
        }))
    }
}
