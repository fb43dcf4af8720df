//! A diagnostic-settings envelope `{"records":[...]}` of sign-ins straight from its bytes: the
//! envelope fields fill in what `properties` lack, as `convert::event_hub` does.
//!
//! The envelope's own fields mostly repeat what `properties` hold: they are skipped without
//! being decoded, or borrowed from the line and copied only when `properties` lack them.

use super::Tenanted;
use super::intern::intern;
use super::text::{Shared, Unique};
use super::wire::{Diagnostic, WireSignIn};
use crate::graph::{SignIn, Text};
use crate::logfiles::Shape;
use crate::logfiles::convert::SIGN_IN_CATEGORIES;
use serde::de::{self, IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::borrow::Cow;
use std::fmt;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireEnvelope {
    pub(super) records: TypedRecords,
}

/// The sign-ins of an envelope's `records`, each converted as soon as it is read: a list of
/// the records as read (about 1.5 kB each) grew and was copied, then copied again as they
/// were converted, a tenth of the Event Hub reader's time. Fails at the first record this
/// path does not take, which leaves the whole line to the general path.
pub(super) struct TypedRecords(pub(super) Vec<Tenanted>);

impl<'de> Deserialize<'de> for TypedRecords {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(TypedRecordsVisitor)
    }
}

struct TypedRecordsVisitor;

impl<'de> Visitor<'de> for TypedRecordsVisitor {
    type Value = TypedRecords;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of sign-in records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TypedRecords, A::Error> {
        // The exports write 100 records an envelope.
        let mut records = Vec::with_capacity(seq.size_hint().unwrap_or(128).min(1024));
        while let Some(record) = seq.next_element::<WireEventHubRecord<'de>>()? {
            let (tenant, sign_in) = record
                .into_sign_in()
                .ok_or_else(|| de::Error::custom("not for the typed path"))?;
            records.push(super::sign_in(tenant, sign_in, Shape::EventHub));
        }
        Ok(TypedRecords(records))
    }
}

/// An envelope value kept as the line spells it (copied only if it has escapes).
type Borrowed<'a> = Option<Cow<'a, str>>;

/// The fields the exports write. Those the general path reads only for records this path
/// leaves to it (`time`, `resultType` when `properties` lack a time or status) are not kept.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct WireEventHubRecord<'a> {
    #[serde(default, rename = "time")]
    _time: IgnoredAny,
    #[serde(borrow)]
    resource_id: Borrowed<'a>,
    #[serde(default, rename = "operationName")]
    _operation_name: IgnoredAny,
    #[serde(default, rename = "operationVersion")]
    _operation_version: IgnoredAny,
    #[serde(borrow)]
    category: Borrowed<'a>,
    #[serde(borrow)]
    tenant_id: Borrowed<'a>,
    #[serde(default, rename = "resultType")]
    _result_type: IgnoredAny,
    #[serde(default, rename = "resultSignature")]
    _result_signature: IgnoredAny,
    #[serde(default, rename = "resultDescription")]
    _result_description: IgnoredAny,
    #[serde(default, rename = "durationMs")]
    _duration_ms: IgnoredAny,
    #[serde(borrow)]
    caller_ip_address: Borrowed<'a>,
    #[serde(borrow)]
    correlation_id: Borrowed<'a>,
    #[serde(borrow)]
    identity: Borrowed<'a>,
    #[serde(default, rename = "Level")]
    _level_upper: IgnoredAny,
    #[serde(default, rename = "level")]
    _level: IgnoredAny,
    #[serde(borrow)]
    location: Borrowed<'a>,
    #[serde(borrow)]
    properties: Option<Box<WireSignIn<'a>>>,
}

impl WireEventHubRecord<'_> {
    /// The sign-in and the tenant its envelope names; `None` for another category, or a record
    /// the general path would fill in from the envelope in ways this one does not.
    pub(super) fn into_sign_in(self) -> Option<(Option<Text>, Box<SignIn>)> {
        let category = self.category?;
        let event_type = SIGN_IN_CATEGORIES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(&category))
            .map(|(_, event_type)| *event_type)?;
        let mut properties = self.properties?;
        fill(&mut properties.user_display_name, self.identity, unique);
        fill(
            &mut properties.ip_address,
            self.caller_ip_address.filter(|ip| ip != "<null>"),
            unique,
        );
        fill(&mut properties.correlation_id, self.correlation_id, unique);
        let location = properties.location.get_or_insert_with(Default::default);
        fill(&mut location.country_or_region, self.location, |l| {
            Shared(intern(&l))
        });
        let tenant = tenant(self.tenant_id.as_deref(), self.resource_id.as_deref());
        let from = Diagnostic {
            event_type: Some(event_type),
            diagnostic: true,
        };
        Some((tenant, properties.into_sign_in(&from)?))
    }
}

fn unique(value: Cow<'_, str>) -> Unique {
    Unique(Text::from(value))
}

/// Fills a field `properties` lack from the envelope's value.
fn fill<'a, T>(field: &mut Option<T>, value: Borrowed<'a>, make: impl FnOnce(Cow<'a, str>) -> T) {
    if field.is_none() {
        *field = value.map(make);
    }
}

/// What `logfiles::envelope_tenant_id` finds: `tenantId`, else the tenant of `resourceId`;
/// shared, as every record of a file names the same one.
pub(super) fn tenant(tenant_id: Option<&str>, resource_id: Option<&str>) -> Option<Text> {
    fn text(t: Option<&str>) -> Option<&str> {
        t.map(str::trim).filter(|t| !t.is_empty())
    }
    text(tenant_id)
        .or_else(|| text(resource_id).and_then(crate::logfiles::tenant_of_resource_id))
        .map(intern)
}
