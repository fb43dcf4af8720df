//! A Log Analytics sign-in row (`SigninLogs`, `AADNonInteractiveUserSignInLogs`, ... as
//! `crate::export::loganalytics` writes them) straight from its JSON bytes, for the fast path.
//!
//! The general path (`convert::log_analytics`) reads a row loosely: column names without case
//! or suffixes, fallbacks (`TimeGenerated`, `ResultType`, `Identity`, `Location`) for empty
//! columns, numbers and booleans as text. This path takes only the exporter's own form, every
//! column spelt as it writes it and none other, each value of the type it writes, and only
//! where no fallback is used; the row is then the Graph sign-in [`WireSignIn`] that
//! `convert::log_analytics` builds from it, converted the same way. Any other row gives
//! `None` and is read by the general path, so both give the same record (or error).

use super::event_hub::tenant;
use super::lists::{ListOf, SharedList};
use super::strict;
use super::text::{Shared, Unique};
use super::wire::{
    Diagnostic, WireAuthenticationDetail, WireDevice, WireKeyValue, WireLocation, WireMfaDetail,
    WireNetworkLocation, WirePolicy, WireRequirementPolicy, WireSignIn, WireStatus, lenient_time,
};
use super::{Tenanted, sign_in};
use crate::graph::{AppliedConditionalAccessPolicy, AuthenticationDetail, Timestamp};
use crate::logfiles::Shape;
use crate::logfiles::convert::SIGN_IN_TABLES;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, DeserializeOwned, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// Whether a line may be a row of the exporter's: its first column. Rows in another order are
/// read by the general path (the strict reader is quickest with keys in the order expected).
pub(super) fn is_row(object: &[u8]) -> bool {
    object.starts_with(br#"{"TenantId":"#)
}

/// The sign-in of a row in the exporter's form, with its tenant; `None` for any other row.
pub(super) fn decode(object: &[u8]) -> Option<Tenanted> {
    let row: WireRow = strict::from_slice(object).ok()?;
    let event_type = SIGN_IN_TABLES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(&row.table))
        .map(|(_, event_type)| *event_type)?;
    let tenant = tenant(row.aad_tenant_id.as_deref(), row.resource_id.as_deref());
    let from = Diagnostic {
        event_type: Some(event_type),
        diagnostic: true,
    };
    let sign_in_record = row.into_wire()?.into_sign_in(&from)?;
    Some(sign_in(tenant, sign_in_record, Shape::LogAnalyticsJson))
}

/// The columns of a sign-in row, in the exporter's order (`SIGN_IN_COLUMNS`, which the strict
/// reader expects them in). Columns `convert::log_analytics` does not read, or reads only as a
/// fallback for an empty one this path requires, are passed over unread.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct WireRow<'a> {
    #[serde(default, rename = "TenantId")]
    _tenant_id: IgnoredAny,
    #[serde(default, rename = "SourceSystem")]
    _source_system: IgnoredAny,
    /// The fallback of `CreatedDateTime`.
    #[serde(default, rename = "TimeGenerated")]
    _time_generated: IgnoredAny,
    /// The tenant's fallback.
    #[serde(borrow)]
    resource_id: Option<Cow<'a, str>>,
    #[serde(default, rename = "OperationName")]
    _operation_name: IgnoredAny,
    #[serde(default, rename = "OperationVersion")]
    _operation_version: IgnoredAny,
    #[serde(default, rename = "Category")]
    _category: IgnoredAny,
    /// The fallback of `Status`.
    #[serde(default, rename = "ResultType")]
    _result_type: IgnoredAny,
    #[serde(default, rename = "ResultSignature")]
    _result_signature: IgnoredAny,
    #[serde(default, rename = "ResultDescription")]
    _result_description: IgnoredAny,
    #[serde(default, rename = "DurationMs")]
    _duration_ms: IgnoredAny,
    correlation_id: Option<Unique>,
    #[serde(default, rename = "Resource")]
    _resource: IgnoredAny,
    #[serde(default, rename = "ResourceGroup")]
    _resource_group: IgnoredAny,
    #[serde(default, rename = "ResourceProvider")]
    _resource_provider: IgnoredAny,
    /// The fallback of `UserDisplayName`.
    #[serde(default, rename = "Identity")]
    _identity: IgnoredAny,
    #[serde(default, rename = "Level")]
    _level: IgnoredAny,
    /// The fallback of `LocationDetails`.
    #[serde(default, rename = "Location")]
    _location: IgnoredAny,
    #[serde(default, rename = "AlternateSignInName")]
    _alternate_sign_in_name: NoValue,
    app_display_name: Option<Shared>,
    app_id: Option<Shared>,
    #[serde(default, rename = "AuthenticationContextClassReferences")]
    _authentication_context_class_references: NoValue,
    #[serde(default)]
    authentication_details: List<ListOf<WireAuthenticationDetail, AuthenticationDetail>>,
    #[serde(default)]
    authentication_methods_used: List<SharedList>,
    #[serde(default)]
    authentication_processing_details: List<Vec<WireKeyValue>>,
    authentication_requirement: Option<Shared>,
    #[serde(default)]
    authentication_requirement_policies: List<Vec<WireRequirementPolicy>>,
    client_app_used: Option<Shared>,
    #[serde(default)]
    conditional_access_policies: List<ListOf<WirePolicy, AppliedConditionalAccessPolicy>>,
    conditional_access_status: Option<Shared>,
    #[serde(deserialize_with = "lenient_time")]
    created_date_time: Timestamp,
    #[serde(default)]
    device_detail: Object<WireDevice>,
    is_interactive: Option<bool>,
    id: Unique,
    #[serde(rename = "IPAddress")]
    ip_address: Option<Unique>,
    #[serde(default, rename = "IsRisky")]
    _is_risky: NoValue,
    #[serde(default)]
    location_details: Object<WireLocation>,
    #[serde(default)]
    mfa_detail: Object<WireMfaDetail>,
    #[serde(default)]
    network_location_details: List<Vec<WireNetworkLocation>>,
    #[serde(borrow)]
    original_request_id: Option<Cow<'a, str>>,
    #[serde(default)]
    processing_time_in_milliseconds: Digits,
    risk_detail: Option<Shared>,
    #[serde(default)]
    risk_event_types: List<Vec<Shared>>,
    #[serde(default, rename = "RiskEventTypes_V2")]
    risk_event_types_v2: List<Vec<Shared>>,
    risk_level_aggregated: Option<Shared>,
    risk_level_during_sign_in: Option<Shared>,
    risk_state: Option<Shared>,
    resource_display_name: Option<Shared>,
    resource_identity: Option<Shared>,
    #[serde(default, rename = "ResourceServicePrincipalId")]
    _resource_service_principal_id: NoValue,
    service_principal_id: Option<Shared>,
    service_principal_name: Option<Shared>,
    #[serde(default)]
    status: Object<WireStatus>,
    token_issuer_name: Option<Shared>,
    token_issuer_type: Option<Shared>,
    user_agent: Option<Shared>,
    user_display_name: Option<Unique>,
    user_id: Option<Unique>,
    user_principal_name: Option<Unique>,
    #[serde(borrow, rename = "AADTenantId")]
    aad_tenant_id: Option<Cow<'a, str>>,
    user_type: Option<Shared>,
    flagged_for_review: Option<bool>,
    #[serde(default, rename = "IPAddressFromResourceProvider")]
    _ip_address_from_resource_provider: NoValue,
    #[serde(default, rename = "SignInIdentifier")]
    _sign_in_identifier: NoValue,
    #[serde(default, rename = "SignInIdentifierType")]
    _sign_in_identifier_type: NoValue,
    resource_tenant_id: Option<Shared>,
    home_tenant_id: Option<Shared>,
    unique_token_identifier: Option<Unique>,
    #[serde(default)]
    session_lifetime_policies: List<Vec<Value>>,
    #[serde(default)]
    autonomous_system_number: Digits,
    authentication_protocol: Option<Shared>,
    cross_tenant_access_type: Option<Shared>,
    incoming_token_type: Option<Shared>,
    #[serde(borrow, rename = "Type")]
    table: Cow<'a, str>,
}

impl<'a> WireRow<'a> {
    /// The Graph sign-in `convert::log_analytics` builds of the row; `None` where it would
    /// fall back on another column (an empty `Id`, a null `UserDisplayName`, no `Status` or
    /// `LocationDetails`).
    fn into_wire(self) -> Option<Box<WireSignIn<'a>>> {
        if self.id.0.is_empty() {
            return None;
        }
        Some(Box::new(WireSignIn {
            id: self.id,
            created_date_time: self.created_date_time,
            user_display_name: Some(self.user_display_name?),
            user_principal_name: self.user_principal_name,
            user_id: self.user_id,
            app_id: self.app_id,
            app_display_name: self.app_display_name,
            ip_address: self.ip_address,
            client_app_used: self.client_app_used,
            correlation_id: self.correlation_id,
            conditional_access_status: self.conditional_access_status,
            is_interactive: self.is_interactive,
            risk_detail: self.risk_detail,
            risk_level_aggregated: self.risk_level_aggregated,
            risk_level_during_sign_in: self.risk_level_during_sign_in,
            risk_state: self.risk_state,
            risk_event_types: self.risk_event_types.0,
            risk_event_types_v2: self.risk_event_types_v2.0,
            resource_display_name: self.resource_display_name,
            resource_id: self.resource_identity,
            status: Some(self.status.0?),
            device_detail: self.device_detail.0,
            location: Some(self.location_details.0?),
            applied_conditional_access_policies: self.conditional_access_policies.0,
            authentication_app_device_details: None,
            home_tenant_id: self.home_tenant_id,
            resource_tenant_id: self.resource_tenant_id,
            service_principal_id: self.service_principal_id,
            service_principal_name: self.service_principal_name,
            user_agent: self.user_agent,
            sign_in_event_types: None,
            user_type: self.user_type,
            authentication_requirement: self.authentication_requirement,
            authentication_requirement_policies: self.authentication_requirement_policies.0,
            authentication_details: self.authentication_details.0,
            authentication_methods_used: self.authentication_methods_used.0,
            authentication_protocol: self.authentication_protocol,
            authentication_processing_details: self.authentication_processing_details.0,
            mfa_detail: self.mfa_detail.0,
            token_issuer_type: self.token_issuer_type,
            token_issuer_name: self.token_issuer_name,
            cross_tenant_access_type: self.cross_tenant_access_type,
            incoming_token_type: self.incoming_token_type,
            is_tenant_restricted: None,
            flagged_for_review: self.flagged_for_review,
            processing_time_in_milliseconds: self.processing_time_in_milliseconds.0,
            network_location_details: self.network_location_details.0,
            session_lifetime_policies: self.session_lifetime_policies.0,
            original_request_id: self.original_request_id,
            unique_token_identifier: self.unique_token_identifier,
            autonomous_system_number: self.autonomous_system_number.0,
            client_credential_type: None,
        }))
    }
}

/// A dynamic column holding an object ([`Dynamic`]).
type Object<T> = Dynamic<T, false>;
/// A dynamic column holding an array ([`Dynamic`]).
type List<T> = Dynamic<T, true>;

/// A dynamic column: JSON, or a string holding JSON (the exporter writes both, by table and
/// column), read into its mirror `T`; `null`, blank text or no column is `None`, as
/// `Row::dynamic` has them. `LIST` says whether `T` is read from an array or an object: the
/// other is refused, as the general path refuses it (a struct could otherwise be read from an
/// array, which Graph's types do not allow of a `Value`).
struct Dynamic<T, const LIST: bool>(Option<T>);

impl<T, const LIST: bool> Default for Dynamic<T, LIST> {
    fn default() -> Self {
        Dynamic(None)
    }
}

impl<'de, T: DeserializeOwned, const LIST: bool> Deserialize<'de> for Dynamic<T, LIST> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DynamicVisitor::<T, LIST>(PhantomData))
    }
}

struct DynamicVisitor<T, const LIST: bool>(PhantomData<T>);

impl<'de, T: DeserializeOwned, const LIST: bool> Visitor<'de> for DynamicVisitor<T, LIST> {
    type Value = Dynamic<T, LIST>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a dynamic column")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Dynamic(None))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        if text.trim().is_empty() {
            return Ok(Dynamic(None));
        }
        // The text was unescaped from the line; the JSON it holds is read by the same reader.
        strict::from_slice(text.as_bytes())
            .map(|value| Dynamic(Some(value)))
            .map_err(|_| E::custom("not for the typed path"))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        if LIST {
            return Err(de::Error::custom("an object, not an array"));
        }
        T::deserialize(MapAccessDeserializer::new(map)).map(|value| Dynamic(Some(value)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        if !LIST {
            return Err(de::Error::custom("an array, not an object"));
        }
        T::deserialize(SeqAccessDeserializer::new(seq)).map(|value| Dynamic(Some(value)))
    }
}

/// A column of a property entralab does not model (`IsRisky`, `SignInIdentifier`, ...), when
/// it has no value: `null` or blank text, as the exporter writes it. The general path keeps a
/// value among the record's unknown properties, which this path has no place for.
#[derive(Default)]
struct NoValue;

impl<'de> Deserialize<'de> for NoValue {
    /// What [`Digits`] reads as no number, and nothing else.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Digits::deserialize(deserializer)? {
            Digits(None) => Ok(NoValue),
            Digits(Some(_)) => Err(de::Error::custom("a value")),
        }
    }
}

/// A number column written as text (`ProcessingTimeInMilliseconds`, `AutonomousSystemNumber`):
/// digits only, or blank text or `null` for none. Signs, blanks around the digits and numbers
/// past `u32` are left to the general path, which reads them its own ways.
#[derive(Default)]
struct Digits(Option<u32>);

impl<'de> Deserialize<'de> for Digits {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DigitsVisitor)
    }
}

struct DigitsVisitor;

impl Visitor<'_> for DigitsVisitor {
    type Value = Digits;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number as text")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Digits, E> {
        Ok(Digits(None))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Digits, E> {
        if text.trim().is_empty() {
            return Ok(Digits(None));
        }
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(E::custom("not digits"));
        }
        text.parse()
            .map(|n| Digits(Some(n)))
            .map_err(|_| E::custom("past u32"))
    }
}
