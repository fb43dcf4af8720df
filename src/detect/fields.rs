//! The field paths rules commonly use, answered straight from the typed record, without
//! building the three layers of [`super::event`] (a `serde_json::Value` tree per record).
//!
//! Each answer is exactly what the layered lookup gives: the same layer order (Log Analytics
//! row, Event Hub record, Graph record), the same value type (a Log Analytics string column is
//! `""` where the Graph property is `null`; `ResultType` a string, `status.errorCode` a
//! number), and the same case-insensitive fallback on the first segment. A path is answered
//! only where that can be decided from the record alone; anything else (a dynamic column, a
//! path into an array, a beta property whose key may be absent, a record carrying properties
//! entralab does not model) is `None` here and goes to the layers. The differential test in
//! `fields_tests.rs` compares both answers for every record of library scenarios.
//!
//! The key lists below must name every top-level key of each layer: absence ("no layer has
//! this path") is decided from them. Their own tests check them against the exports.
//!
//! Which layer has a path (and under which case) is the same for every record of a kind, so
//! it is worked out once per path ([`Route`]); a lookup then costs a hash of the path and one
//! accessor.

use crate::export::eventhub::{AUDIT_CATEGORY, OPERATION_VERSION, SIGN_IN_OPERATION};
use crate::export::loganalytics::{AUDIT_COLUMNS, AUDIT_TABLE, SIGN_IN_COLUMNS};
use crate::export::{RESOURCE_PROVIDER, SignInLog, audit_identity, eventhub, resource_id};
use crate::graph::{
    BETA_SIGN_IN_PROPERTIES, DIRECTORY_AUDIT_PROPERTIES, DirectoryAudit, Record,
    SIGN_IN_PROPERTIES, SignIn, SignInStatus, Text,
};
use rsigma_eval::event::EventValue;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasherDefault;
use std::sync::OnceLock;

/// A layer's answer: `Some(found)` when decided from the record (`Some(None)`: the layer has
/// no such path), `None` when only the materialised layer can tell.
type Direct<'a> = Option<Option<EventValue<'a>>>;

/// The Event Hub record's top-level keys for a sign-in, in order
/// ([`crate::export::eventhub::EventHubSignIn`]).
pub(super) const EVENT_HUB_SIGN_IN_KEYS: &[&str] = &[
    "time",
    "resourceId",
    "operationName",
    "operationVersion",
    "category",
    "tenantId",
    "resultType",
    "resultSignature",
    "resultDescription",
    "durationMs",
    "callerIpAddress",
    "correlationId",
    "identity",
    "Level",
    "location",
    "properties",
];

/// The Event Hub record's top-level keys for an audit, in order.
pub(super) const EVENT_HUB_AUDIT_KEYS: &[&str] = &[
    "time",
    "resourceId",
    "operationName",
    "operationVersion",
    "category",
    "tenantId",
    "resultType",
    "resultSignature",
    "resultDescription",
    "durationMs",
    "callerIpAddress",
    "correlationId",
    "identity",
    "Level",
    "properties",
];

/// `path` of `record`, decided without the layers; `None` when only they can tell.
pub(super) fn direct<'a>(record: &'a Record, tenant_id: &'a str, path: &str) -> Direct<'a> {
    match record {
        Record::SignIn(r) if r.unknown.is_empty() => {
            routed(Kind::SignIn, &SignInLayers { r, tenant_id }, path)
        }
        Record::Audit(r) if r.unknown.is_empty() => {
            routed(Kind::Audit, &AuditLayers { r, tenant_id }, path)
        }
        _ => None,
    }
}

#[derive(Clone, Copy)]
enum Kind {
    SignIn = 0,
    Audit = 1,
}

#[derive(Clone, Copy)]
enum Layer {
    LogAnalytics,
    EventHub,
    Graph,
}

/// Where the layered lookup finds a path, for every record of a kind (without unmodelled
/// properties): which keys each layer has does not depend on the record, only their values
/// do (an accessor below answers for every record or for none).
enum Route {
    /// No layer has it, in any case.
    Absent,
    /// This layer has it under this path (the one asked, or its first segment in the case a
    /// layer spells it).
    Found(Layer, Box<str>),
    /// Only the materialised layers can tell.
    Layers,
}

/// A fast hash for the route cache (FNV-1a): keys are a few field paths of the rules.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

type Routes = HashMap<Box<str>, Route, BuildHasherDefault<Fnv>>;

thread_local! {
    /// The route of each path asked, per [`Kind`]: worked out on a path's first lookup.
    static ROUTES: RefCell<[Routes; 2]> = RefCell::default();
}

/// `path` through its cached route (worked out now on its first lookup).
fn routed<'a>(kind: Kind, layers: &impl DirectLayers<'a>, path: &str) -> Direct<'a> {
    ROUTES.with(|routes| {
        let mut routes = routes.borrow_mut();
        let routes = &mut routes[kind as usize];
        if let Some(known) = routes.get(path) {
            return follow(layers, known);
        }
        let new = route(layers, path);
        let answer = follow(layers, &new);
        routes.insert(path.into(), new);
        answer
    })
}

fn follow<'a>(layers: &impl DirectLayers<'a>, route: &Route) -> Direct<'a> {
    match route {
        Route::Absent => Some(None),
        Route::Layers => None,
        Route::Found(layer, key) => layers.get(*layer, key),
    }
}

/// The route of one path for each kind of record, kept by whoever keeps the path (a rule's
/// field), so that a lookup costs one accessor, not a hash of the path in the per-thread
/// table. Worked out on the path's first lookup for a kind, as that table does; a `OnceLock`,
/// as the rules holding it are matched on one thread and shared with another.
#[derive(Default)]
pub(crate) struct RouteCell([OnceLock<Route>; 2]);

impl std::fmt::Debug for RouteCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RouteCell")
    }
}

/// [`direct`], with `path`'s route kept in `cell` (which must only ever see this `path`).
pub(super) fn direct_via<'a>(
    record: &'a Record,
    tenant_id: &'a str,
    path: &str,
    cell: &RouteCell,
) -> Direct<'a> {
    fn via<'a>(
        cell: &RouteCell,
        kind: Kind,
        layers: &impl DirectLayers<'a>,
        path: &str,
    ) -> Direct<'a> {
        follow(
            layers,
            cell.0[kind as usize].get_or_init(|| route(layers, path)),
        )
    }
    match record {
        Record::SignIn(r) if r.unknown.is_empty() => {
            via(cell, Kind::SignIn, &SignInLayers { r, tenant_id }, path)
        }
        Record::Audit(r) if r.unknown.is_empty() => {
            via(cell, Kind::Audit, &AuditLayers { r, tenant_id }, path)
        }
        _ => None,
    }
}

/// One kind of record under the three namings, layer by layer.
trait DirectLayers<'a> {
    fn log_analytics(&self, path: &str) -> Direct<'a>;
    fn event_hub(&self, path: &str) -> Direct<'a>;
    fn graph(&self, path: &str) -> Direct<'a>;
    fn columns(&self) -> &'static [&'static str];
    fn event_hub_keys(&self) -> &'static [&'static str];
    /// The Graph record's keys that are always there (in order), then those that may be.
    fn graph_keys(&self) -> (&'static [&'static str], &'static [&'static str]);

    fn tenant_id(&self) -> &'a str;

    /// The Log Analytics columns sign-ins and audits fill alike.
    fn log_analytics_shared(&self, path: &str) -> Direct<'a> {
        match path {
            "TenantId" | "AADTenantId" => borrowed(self.tenant_id()),
            "SourceSystem" => borrowed("Azure AD"),
            "ResourceId" => owned(resource_id(self.tenant_id())),
            "OperationVersion" => borrowed(OPERATION_VERSION),
            "ResultSignature" => borrowed("None"),
            "DurationMs" => int(0),
            "Resource" | "ResourceGroup" | "ResourceProvider" => borrowed(RESOURCE_PROVIDER),
            "Level" => borrowed("4"),
            _ => other(path, &[self.columns()]),
        }
    }

    /// The Event Hub envelope's keys sign-ins and audits fill alike, and `properties.`.
    fn event_hub_shared(&self, path: &str) -> Direct<'a> {
        match path {
            "resourceId" => owned(resource_id(self.tenant_id())),
            "operationVersion" => borrowed(OPERATION_VERSION),
            "tenantId" => borrowed(self.tenant_id()),
            "resultSignature" => borrowed("None"),
            "durationMs" => int(0),
            "Level" => int(4),
            _ => match path.split_once('.') {
                // `properties` is the Graph record.
                Some(("properties", rest)) => self.graph(rest),
                // Every other top-level value is a scalar: nothing is inside it.
                Some(_) => Some(None),
                None => other(path, &[self.event_hub_keys()]),
            },
        }
    }

    fn get(&self, layer: Layer, path: &str) -> Direct<'a> {
        match layer {
            Layer::LogAnalytics => self.log_analytics(path),
            Layer::EventHub => self.event_hub(path),
            Layer::Graph => self.graph(path),
        }
    }
}

/// The layered lookup's route: the first layer that has `path`, else the same path with its
/// first segment in another case.
fn route<'a>(layers: &impl DirectLayers<'a>, path: &str) -> Route {
    match exact(layers, path) {
        None => return Route::Layers,
        Some(Some(layer)) => return Route::Found(layer, path.into()),
        Some(None) => {}
    }
    let (first, rest) = match path.find('.') {
        Some(i) => (&path[..i], &path[i..]),
        None => (path, ""),
    };
    let different_case = |k: &&&str| **k != first && k.eq_ignore_ascii_case(first);
    let (graph_keys, optional_keys) = layers.graph_keys();
    let key = layers
        .columns()
        .iter()
        .chain(layers.event_hub_keys())
        .chain(graph_keys)
        .find(different_case);
    match key {
        Some(key) => {
            let path = format!("{key}{rest}");
            match exact(layers, &path) {
                None => Route::Layers,
                Some(Some(layer)) => Route::Found(layer, path.into()),
                Some(None) => Route::Absent,
            }
        }
        // A key that may or may not be there decides: only the layers know.
        None if optional_keys.iter().any(|k| different_case(&k)) => Route::Layers,
        None => Route::Absent,
    }
}

/// The first layer that has `path`: `Some(None)` when none has it, `None` when only the
/// materialised layers can tell.
fn exact<'a>(layers: &impl DirectLayers<'a>, path: &str) -> Option<Option<Layer>> {
    for layer in [Layer::LogAnalytics, Layer::EventHub, Layer::Graph] {
        if layers.get(layer, path)?.is_some() {
            return Some(Some(layer));
        }
    }
    Some(None)
}

/// The answer for a path no accessor below handles: unknown when its first segment is one of
/// `keys` (always or maybe there), absent otherwise. Keys never contain dots.
fn other<'a>(path: &str, keys: &[&[&str]]) -> Direct<'a> {
    let first = path.split_once('.').map_or(path, |(first, _)| first);
    if keys.iter().any(|keys| keys.contains(&first)) {
        None
    } else {
        Some(None)
    }
}

fn borrowed(s: &str) -> Direct<'_> {
    Some(Some(EventValue::Str(Cow::Borrowed(s))))
}

/// The `Status` column's text: a dynamic column named whole is its compact JSON text. The same
/// few statuses recur across records, so the texts of the last few are kept (on each thread)
/// rather than serialised again for every record: serde_json's serialiser was about 3% of the
/// instructions of `detect --logs` with the shipped `Status|contains` rule.
fn status_text(status: &SignInStatus) -> Option<String> {
    const KEPT: usize = 8;
    thread_local! {
        static RECENT: RefCell<VecDeque<(SignInStatus, String)>> = const {
            RefCell::new(VecDeque::new())
        };
    }
    RECENT.with_borrow_mut(|recent| {
        if let Some((_, text)) = recent.iter().find(|(kept, _)| kept == status) {
            return Some(text.clone());
        }
        let text = serde_json::to_string(status).ok()?;
        recent.truncate(KEPT - 1);
        recent.push_front((status.clone(), text.clone()));
        Some(text)
    })
}

fn owned<'a>(s: String) -> Direct<'a> {
    Some(Some(EventValue::Str(Cow::Owned(s))))
}

/// A Log Analytics string column: absent is `""`.
fn column(value: &Option<Text>) -> Direct<'_> {
    borrowed(value.as_deref().unwrap_or(""))
}

/// A JSON property: absent is `null`.
fn property(value: &Option<Text>) -> Direct<'_> {
    Some(Some(match value.as_deref() {
        Some(s) => EventValue::Str(Cow::Borrowed(s)),
        None => EventValue::Null,
    }))
}

fn int<'a>(value: i64) -> Direct<'a> {
    Some(Some(EventValue::Int(value)))
}

fn boolean<'a>(value: Option<bool>) -> Direct<'a> {
    Some(Some(value.map_or(EventValue::Null, EventValue::Bool)))
}

struct SignInLayers<'a> {
    r: &'a SignIn,
    tenant_id: &'a str,
}

impl<'a> DirectLayers<'a> for SignInLayers<'a> {
    fn log_analytics(&self, path: &str) -> Direct<'a> {
        let r = self.r;
        match path {
            "OperationName" => borrowed(SIGN_IN_OPERATION),
            "Category" => borrowed(SignInLog::of(r).category()),
            "ResultType" => owned(r.status.error_code.to_string()),
            "ResultDescription" => column(&r.status.failure_reason),
            "CorrelationId" => column(&r.correlation_id),
            "Identity" | "UserDisplayName" => column(&r.user_display_name),
            "Location" => column(&r.location.country_or_region),
            "AppDisplayName" => column(&r.app_display_name),
            "AppId" => column(&r.app_id),
            "AuthenticationRequirement" => column(&r.beta.authentication_requirement),
            "ClientAppUsed" => column(&r.client_app_used),
            "ConditionalAccessStatus" => column(&r.conditional_access_status),
            "IsInteractive" => boolean(r.is_interactive),
            "Id" => borrowed(&r.id),
            "IPAddress" => column(&r.ip_address),
            "RiskDetail" => column(&r.risk_detail),
            "RiskLevelAggregated" => column(&r.risk_level_aggregated),
            "RiskLevelDuringSignIn" => column(&r.risk_level_during_sign_in),
            "RiskState" => column(&r.risk_state),
            "ResourceDisplayName" => column(&r.resource_display_name),
            "ResourceIdentity" => column(&r.resource_id),
            "ServicePrincipalId" => column(&r.service_principal_id),
            "ServicePrincipalName" => column(&r.service_principal_name),
            // A dynamic column named whole is its compact JSON text.
            "Status" => owned(status_text(&r.status)?),
            "UserAgent" => column(&r.user_agent),
            "UserId" => column(&r.user_id),
            "UserPrincipalName" => column(&r.user_principal_name),
            "ResourceTenantId" => column(&r.resource_tenant_id),
            "HomeTenantId" => column(&r.home_tenant_id),
            "Type" => borrowed(SignInLog::of(r).table()),
            _ => self.log_analytics_shared(path),
        }
    }

    fn event_hub(&self, path: &str) -> Direct<'a> {
        let r = self.r;
        match path {
            "operationName" => borrowed(SIGN_IN_OPERATION),
            "category" => borrowed(SignInLog::of(r).category()),
            "resultType" => owned(r.status.error_code.to_string()),
            "resultDescription" => property(&r.status.failure_reason),
            "callerIpAddress" => property(&r.ip_address),
            "correlationId" => property(&r.correlation_id),
            "identity" => property(&r.user_display_name),
            "location" => property(&r.location.country_or_region),
            _ => self.event_hub_shared(path),
        }
    }

    fn graph(&self, path: &str) -> Direct<'a> {
        let r = self.r;
        match path {
            "id" => borrowed(&r.id),
            "userDisplayName" => property(&r.user_display_name),
            "userPrincipalName" => property(&r.user_principal_name),
            "userId" => property(&r.user_id),
            "appId" => property(&r.app_id),
            "appDisplayName" => property(&r.app_display_name),
            "ipAddress" => property(&r.ip_address),
            "clientAppUsed" => property(&r.client_app_used),
            "correlationId" => property(&r.correlation_id),
            "conditionalAccessStatus" => property(&r.conditional_access_status),
            "isInteractive" => boolean(r.is_interactive),
            "riskDetail" => property(&r.risk_detail),
            "riskLevelAggregated" => property(&r.risk_level_aggregated),
            "riskLevelDuringSignIn" => property(&r.risk_level_during_sign_in),
            "riskState" => property(&r.risk_state),
            "resourceDisplayName" => property(&r.resource_display_name),
            "resourceId" => property(&r.resource_id),
            "homeTenantId" => property(&r.home_tenant_id),
            "resourceTenantId" => property(&r.resource_tenant_id),
            "servicePrincipalId" => property(&r.service_principal_id),
            "servicePrincipalName" => property(&r.service_principal_name),
            "userAgent" => property(&r.user_agent),
            "status.errorCode" => int(r.status.error_code.into()),
            "status.failureReason" => property(&r.status.failure_reason),
            "status.additionalDetails" => property(&r.status.additional_details),
            // A beta property (`authenticationRequirement`, ...) is there only when the record
            // has it: that is no route for every record, so the layers answer.
            _ => other(path, &[SIGN_IN_PROPERTIES, BETA_SIGN_IN_PROPERTIES]),
        }
    }

    fn columns(&self) -> &'static [&'static str] {
        SIGN_IN_COLUMNS
    }

    fn tenant_id(&self) -> &'a str {
        self.tenant_id
    }

    fn event_hub_keys(&self) -> &'static [&'static str] {
        EVENT_HUB_SIGN_IN_KEYS
    }

    fn graph_keys(&self) -> (&'static [&'static str], &'static [&'static str]) {
        (SIGN_IN_PROPERTIES, BETA_SIGN_IN_PROPERTIES)
    }
}

struct AuditLayers<'a> {
    r: &'a DirectoryAudit,
    tenant_id: &'a str,
}

impl<'a> DirectLayers<'a> for AuditLayers<'a> {
    fn log_analytics(&self, path: &str) -> Direct<'a> {
        let r = self.r;
        match path {
            "OperationName" | "ActivityDisplayName" => column(&r.activity_display_name),
            "Category" => column(&r.category),
            "ResultType" | "Result" => column(&r.result),
            "ResultDescription" | "ResultReason" => column(&r.result_reason),
            "CorrelationId" => column(&r.correlation_id),
            "Identity" => borrowed(audit_identity(r).unwrap_or("")),
            "Location" => borrowed(""),
            "Id" => borrowed(&r.id),
            "LoggedByService" => column(&r.logged_by_service),
            "AADOperationType" => column(&r.operation_type),
            "Type" => borrowed(AUDIT_TABLE),
            _ => self.log_analytics_shared(path),
        }
    }

    fn event_hub(&self, path: &str) -> Direct<'a> {
        let r = self.r;
        match path {
            "operationName" => property(&r.activity_display_name),
            "category" => borrowed(AUDIT_CATEGORY),
            "resultType" => property(&r.result),
            "resultDescription" => property(&r.result_reason),
            "callerIpAddress" => borrowed(
                r.initiated_by
                    .user
                    .as_ref()
                    .and_then(|u| u.ip_address.as_deref())
                    .unwrap_or("<null>"),
            ),
            "correlationId" => property(&r.correlation_id),
            "identity" => {
                Some(Some(audit_identity(r).map_or(EventValue::Null, |s| {
                    EventValue::Str(Cow::Borrowed(s))
                })))
            }
            _ => self.event_hub_shared(path),
        }
    }

    fn graph(&self, path: &str) -> Direct<'a> {
        let r = self.r;
        match path {
            "id" => borrowed(&r.id),
            "category" => property(&r.category),
            "correlationId" => property(&r.correlation_id),
            "result" => property(&r.result),
            "resultReason" => property(&r.result_reason),
            "activityDisplayName" => property(&r.activity_display_name),
            "loggedByService" => property(&r.logged_by_service),
            "operationType" => property(&r.operation_type),
            // The Event Hub export writes beta's userAgent, null when the record has none; a
            // record that has one carries an unknown property and is left to the layers.
            eventhub::USER_AGENT => Some(Some(EventValue::Null)),
            _ => other(path, &[DIRECTORY_AUDIT_PROPERTIES]),
        }
    }

    fn columns(&self) -> &'static [&'static str] {
        AUDIT_COLUMNS
    }

    fn tenant_id(&self) -> &'a str {
        self.tenant_id
    }

    fn event_hub_keys(&self) -> &'static [&'static str] {
        EVENT_HUB_AUDIT_KEYS
    }

    fn graph_keys(&self) -> (&'static [&'static str], &'static [&'static str]) {
        // userAgent is always written, but a key of another case is left to the layers.
        (DIRECTORY_AUDIT_PROPERTIES, &[eventhub::USER_AGENT])
    }
}

#[cfg(test)]
#[path = "fields_tests.rs"]
mod tests;
