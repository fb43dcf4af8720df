//! A diagnostic-settings envelope `{"records":[...]}` of sign-ins straight from its bytes: the
//! envelope fields fill in what `properties` lack, as `convert::event_hub` does.

use super::intern::Shared;
use super::wire::{Diagnostic, WireSignIn};
use crate::graph::{SignIn, Text};
use crate::logfiles::convert::SIGN_IN_CATEGORIES;
use serde::Deserialize;
use serde::de::IgnoredAny;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireEnvelope {
    pub(super) records: Vec<WireEventHubRecord>,
}

/// The fields the exports write. Those the general path reads only for records this path
/// leaves to it (`time`, `resultType` when `properties` lack a time or status) are not kept.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct WireEventHubRecord {
    #[serde(default, rename = "time")]
    _time: IgnoredAny,
    resource_id: Option<Shared>,
    #[serde(default, rename = "operationName")]
    _operation_name: IgnoredAny,
    #[serde(default, rename = "operationVersion")]
    _operation_version: IgnoredAny,
    category: Option<Shared>,
    tenant_id: Option<Shared>,
    #[serde(default, rename = "resultType")]
    _result_type: IgnoredAny,
    #[serde(default, rename = "resultSignature")]
    _result_signature: IgnoredAny,
    #[serde(default, rename = "resultDescription")]
    _result_description: IgnoredAny,
    #[serde(default, rename = "durationMs")]
    _duration_ms: IgnoredAny,
    caller_ip_address: Option<Text>,
    correlation_id: Option<Text>,
    identity: Option<Text>,
    #[serde(default, rename = "Level")]
    _level_upper: IgnoredAny,
    #[serde(default, rename = "level")]
    _level: IgnoredAny,
    location: Option<Shared>,
    properties: Option<WireSignIn>,
}

impl WireEventHubRecord {
    /// The sign-in and the tenant its envelope names; `None` for another category, or a record
    /// the general path would fill in from the envelope in ways this one does not.
    pub(super) fn into_sign_in(self) -> Option<(Option<String>, SignIn)> {
        let category = self.category?;
        let event_type = SIGN_IN_CATEGORIES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(&category.0))
            .map(|(_, event_type)| *event_type)?;
        let mut properties = self.properties?;
        fill(&mut properties.user_display_name, self.identity);
        fill(
            &mut properties.ip_address,
            self.caller_ip_address.filter(|ip| &**ip != "<null>"),
        );
        fill(&mut properties.correlation_id, self.correlation_id);
        let location = properties.location.get_or_insert_with(Default::default);
        fill(&mut location.country_or_region, self.location);
        let tenant = tenant(
            self.tenant_id.as_ref().map(|t| &*t.0),
            self.resource_id.as_ref().map(|r| &*r.0),
        );
        let from = Diagnostic {
            event_type: Some(event_type),
            diagnostic: true,
        };
        Some((tenant, properties.into_sign_in(&from)?))
    }
}

fn fill<T>(field: &mut Option<T>, value: Option<T>) {
    if field.is_none() {
        *field = value;
    }
}

/// What `logfiles::envelope_tenant_id` finds: `tenantId`, else the tenant of `resourceId`.
pub(super) fn tenant(tenant_id: Option<&str>, resource_id: Option<&str>) -> Option<String> {
    fn text(t: Option<&str>) -> Option<&str> {
        t.map(str::trim).filter(|t| !t.is_empty())
    }
    text(tenant_id)
        .or_else(|| {
            text(resource_id)
                .and_then(|r| r.strip_prefix("/tenants/"))
                .and_then(|r| r.split('/').next())
                .filter(|t| !t.is_empty())
        })
        .map(str::to_string)
}
