//! `/v1.0` and `/beta` audit log routes: authentication, faults, OData, paging and the exact
//! JSON of collection pages.

use super::faults::{self, Kind};
use super::respond::{self, ODATA_JSON, RequestIds, graph_error};
use super::state::{AppState, TenantState};
use super::token::TokenError;
use crate::graph::{
    BETA_SIGN_IN_PROPERTIES, DIRECTORY_AUDIT_PROPERTIES, SIGN_IN_PROPERTIES, Timestamp,
    beta_sign_in, write_sign_in,
};
use crate::odata::{
    DIRECTORY_AUDIT, Order, QueryError, QueryOptions, SIGN_IN, SIGN_IN_BETA, Schema,
};
use crate::store::{Collection, Page, Timed};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use std::sync::atomic::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V1,
    Beta,
}

impl Version {
    pub fn from_segment(segment: &str) -> Option<Version> {
        match segment {
            "v1.0" => Some(Version::V1),
            "beta" => Some(Version::Beta),
            _ => None,
        }
    }

    pub(super) fn segment(self) -> &'static str {
        match self {
            Version::V1 => "v1.0",
            Version::Beta => "beta",
        }
    }
}

/// What a path under `/{version}` names.
enum Resource<'a> {
    Root,
    List(Kind),
    One(Kind, &'a str),
}

/// A request for the audit log API, everything but the state it runs against.
pub struct GraphRequest<'a> {
    pub version: Version,
    pub segments: &'a [&'a str],
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub base: &'a str,
    pub ids: &'a RequestIds,
}

pub async fn handle(state: &AppState, request: GraphRequest<'_>) -> Response {
    let ids = request.ids;
    let resource = match resource(request.segments) {
        Ok(resource) => resource,
        Err(segment) => {
            let message = format!("Resource not found for the segment '{segment}'.");
            return graph_error(StatusCode::BAD_REQUEST, "BadRequest", &message, None, ids);
        }
    };
    let (tenant, app) = match authorize(state, request.headers, &resource, ids) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    if let Some(response) = inject_faults(state, tenant, &app, ids).await {
        return response;
    }
    let now = state.clock.now();
    let base = format!("{}/{}", request.base, request.version.segment());
    match resource {
        Resource::Root => {
            let body = format!(
                "{{\"@odata.context\":\"{base}/$metadata#auditLogs/$entity\",\"id\":null}}"
            );
            respond::json(StatusCode::OK, ODATA_JSON, body.into_bytes())
        }
        Resource::One(kind, id) => one(tenant, kind, id, &request, &base, now),
        Resource::List(kind) => list(tenant, kind, &request, &base, now),
    }
}

fn resource<'a>(segments: &[&'a str]) -> Result<Resource<'a>, String> {
    let kind = |s: &str| match s.to_ascii_lowercase().as_str() {
        "signins" => Some(Kind::SignIns),
        "directoryaudits" => Some(Kind::Audits),
        _ => None,
    };
    match segments {
        [root] if root.eq_ignore_ascii_case("auditLogs") => Ok(Resource::Root),
        [root, rest @ ..] if root.eq_ignore_ascii_case("auditLogs") => match rest {
            [list] => kind(list)
                .map(Resource::List)
                .ok_or_else(|| list.to_string()),
            [list, id] => match (kind(list), *id) {
                (Some(_), "$count") => Err("$count".into()),
                (Some(k), id) => Ok(Resource::One(k, id)),
                (None, _) => Err(list.to_string()),
            },
            [_, _, extra, ..] => Err(extra.to_string()),
            [] => Ok(Resource::Root),
        },
        [first, ..] => Err(first.to_string()),
        [] => Err(String::new()),
    }
}

/// Checks the bearer token, the app's permission and the tenant's licence.
fn authorize<'s>(
    state: &'s AppState,
    headers: &HeaderMap,
    resource: &Resource<'_>,
    ids: &RequestIds,
) -> Result<(&'s TenantState, String), Box<Response>> {
    let (tenant, claims) = authenticate(state, headers, ids)?;
    if !claims.roles.iter().any(|r| r == "AuditLog.Read.All") {
        return Err(Box::new(graph_error(
            StatusCode::FORBIDDEN,
            "Authentication_MSGraphPermissionMissing",
            "Calling principal does not have required MSGraph permissions AuditLog.Read.All",
            None,
            ids,
        )));
    }
    let sign_ins = matches!(
        resource,
        Resource::List(Kind::SignIns) | Resource::One(Kind::SignIns, _)
    );
    if sign_ins && !tenant.config.premium {
        return Err(Box::new(graph_error(
            StatusCode::FORBIDDEN,
            "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
            "Neither tenant is B2C or tenant doesn't have premium license",
            None,
            ids,
        )));
    }
    Ok((tenant, claims.appid))
}

/// The bearer token's claims and the tenant it was issued for (401 otherwise).
pub(super) fn authenticate<'s>(
    state: &'s AppState,
    headers: &HeaderMap,
    ids: &RequestIds,
) -> Result<(&'s TenantState, super::token::Claims), Box<Response>> {
    let unauthorized = |e: TokenError| {
        Box::new(graph_error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            e.message(),
            None,
            ids,
        ))
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim())
        .map(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
                .unwrap_or("")
        })
        .unwrap_or("");
    let claims = state
        .signer
        .verify(token, state.unix_now())
        .map_err(unauthorized)?;
    let tenant = state
        .tenant(&claims.tid)
        .ok_or_else(|| unauthorized(TokenError::Invalid))?;
    Ok((tenant, claims))
}

pub(super) async fn inject_faults(
    state: &AppState,
    tenant: &TenantState,
    app: &str,
    ids: &RequestIds,
) -> Option<Response> {
    let faults = &tenant.config.faults;
    if let Some((requests, window)) = faults.throttle
        && let Err(wait) = tenant
            .throttle
            .admit(app, state.unix_now(), requests, window)
    {
        let mut response = graph_error(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            "Please retry again later.",
            None,
            ids,
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, wait.into());
        return Some(response);
    }
    let n = tenant.requests.fetch_add(1, Ordering::Relaxed);
    if faults.latency_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(faults.latency_ms)).await;
    }
    faults::server_error(tenant.config.seed, n, faults.server_error_rate).map(|status| {
        let (code, message) = if status == StatusCode::SERVICE_UNAVAILABLE {
            (
                "serviceNotAvailable",
                "The service is temporarily unavailable. Please retry later.",
            )
        } else {
            (
                "gatewayTimeout",
                "The gateway did not receive a timely response.",
            )
        };
        graph_error(status, code, message, None, ids)
    })
}

fn schema_for(kind: Kind, version: Version) -> (&'static Schema, Vec<&'static str>) {
    match (kind, version) {
        (Kind::SignIns, Version::V1) => (&SIGN_IN, SIGN_IN_PROPERTIES.to_vec()),
        (Kind::SignIns, Version::Beta) => {
            let properties = SIGN_IN_PROPERTIES
                .iter()
                .filter(|p| **p != "riskEventTypes")
                .chain(BETA_SIGN_IN_PROPERTIES)
                .copied()
                .collect();
            (&SIGN_IN_BETA, properties)
        }
        (Kind::Audits, _) => (&DIRECTORY_AUDIT, DIRECTORY_AUDIT_PROPERTIES.to_vec()),
    }
}

fn list(
    tenant: &TenantState,
    kind: Kind,
    request: &GraphRequest<'_>,
    base: &str,
    now: Timestamp,
) -> Response {
    let (schema, properties) = schema_for(kind, request.version);
    let options = match QueryOptions::parse(request.query, schema, &properties) {
        Ok(options) => options,
        Err(e) => return query_error(&e, request.ids),
    };
    let store = &tenant.config.store;
    let delays = tenant.delays.as_ref();
    let latest = delays.map(|d| d.latest(now));
    let visible = |i: usize, time: Timestamp| delays.is_none_or(|d| d.visible(kind, i, time, now));
    let body = match kind {
        Kind::SignIns => store
            .sign_ins
            .page(&options, latest, |i, r| visible(i, r.created_date_time))
            .map(|page| {
                render(
                    &page,
                    &options,
                    request,
                    base,
                    "signIns",
                    |s| match request.version {
                        Version::V1 => serde_json::to_value(s).expect("records serialize"),
                        Version::Beta => beta_sign_in(s),
                    },
                    write_sign_in,
                )
            }),
        Kind::Audits => store
            .audits
            .page(&options, latest, |i, r| visible(i, r.activity_date_time))
            .map(|page| {
                render(
                    &page,
                    &options,
                    request,
                    base,
                    "directoryAudits",
                    |a| serde_json::to_value(a).expect("records serialize"),
                    |out, a| serde_json::to_writer(out, a).expect("records serialize"),
                )
            }),
    };
    match body {
        Ok(body) => respond::json(StatusCode::OK, ODATA_JSON, body),
        Err(e) => query_error(&e, request.ids),
    }
}

/// A collection page: `@odata.context`, `@odata.nextLink` when there is more, `value`.
/// `write` appends a record's v1.0 JSON (serde_json's bytes) when no `$select` applies.
fn render<T>(
    page: &Page<'_, T>,
    options: &QueryOptions,
    request: &GraphRequest<'_>,
    base: &str,
    name: &str,
    to_value: impl Fn(&T) -> serde_json::Value,
    write: impl Fn(&mut Vec<u8>, &T),
) -> Vec<u8> {
    let mut body = Vec::with_capacity(256 + page.items.len() * 1600);
    body.extend_from_slice(b"{\"@odata.context\":");
    serde_json::to_writer(&mut body, &context(base, name, options)).expect("a string serializes");
    body.push(b',');
    if let Some(cursor) = page.next {
        let link = next_link(base, name, options, &cursor.encode());
        body.extend_from_slice(b"\"@odata.nextLink\":");
        serde_json::to_writer(&mut body, &link).expect("a string serializes");
        body.push(b',');
    }
    body.extend_from_slice(b"\"value\":[");
    let plain = options.select.is_none() && request.version == Version::V1;
    for (i, item) in page.items.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        if plain {
            write(&mut body, item);
        } else {
            let value = select(to_value(item), options.select.as_deref());
            serde_json::to_writer(&mut body, &value).expect("values serialize");
        }
    }
    body.extend_from_slice(b"]}");
    body
}

/// `@odata.context` of a collection page (a record's adds `/$entity`): with `$select`, Graph
/// lists the selected properties in the order asked
/// (`.../$metadata#auditLogs/signIns(id,createdDateTime)`), on every page.
fn context(base: &str, name: &str, options: &QueryOptions) -> String {
    match options.select.as_deref() {
        Some(properties) if !properties.is_empty() => {
            format!(
                "{base}/$metadata#auditLogs/{name}({})",
                properties.join(",")
            )
        }
        _ => format!("{base}/$metadata#auditLogs/{name}"),
    }
}

pub(super) fn select(value: serde_json::Value, properties: Option<&[String]>) -> serde_json::Value {
    match (value, properties) {
        (serde_json::Value::Object(object), Some(properties)) => serde_json::Value::Object(
            object
                .into_iter()
                .filter(|(k, _)| properties.iter().any(|p| p == k))
                .collect(),
        ),
        (value, _) => value,
    }
}

/// The absolute link to the next page: the same query plus the cursor.
fn next_link(base: &str, name: &str, options: &QueryOptions, skiptoken: &str) -> String {
    let time = if name == "signIns" {
        "createdDateTime"
    } else {
        "activityDateTime"
    };
    next_link_at(
        &format!("{base}/auditLogs/{name}"),
        options,
        time,
        skiptoken,
    )
}

/// The next page of the collection at `collection` (an absolute URL): the same `$filter`,
/// `$orderby` (on `time`), `$select` and `$top`, plus the cursor.
pub(super) fn next_link_at(
    collection: &str,
    options: &QueryOptions,
    time: &str,
    skiptoken: &str,
) -> String {
    let mut link = format!("{collection}?");
    if let Some(filter) = &options.filter_text {
        link.push_str(&format!(
            "$filter={}&",
            crate::graph::encode_query_value(filter)
        ));
    }
    if options.order == Order::OldestFirst {
        link.push_str(&format!("$orderby={time}%20asc&"));
    }
    if let Some(select) = &options.select {
        link.push_str(&format!(
            "$select={}&",
            crate::graph::encode_query_value(&select.join(","))
        ));
    }
    link.push_str(&format!("$top={}&$skiptoken={skiptoken}", options.top));
    link
}

fn one(
    tenant: &TenantState,
    kind: Kind,
    id: &str,
    request: &GraphRequest<'_>,
    base: &str,
    now: Timestamp,
) -> Response {
    let (version, ids) = (request.version, request.ids);
    // Only `$select` means anything for one record; the rest is read (and refused when
    // malformed) as on lists.
    let (schema, properties) = schema_for(kind, version);
    let options = match QueryOptions::parse(request.query, schema, &properties) {
        Ok(options) => options,
        Err(e) => return query_error(&e, ids),
    };
    let delays = tenant.delays.as_ref();
    fn find<'a, T: Timed>(collection: &'a Collection<T>, id: &str) -> Option<(usize, &'a T)> {
        collection
            .iter()
            .enumerate()
            .find(|(_, r)| r.get(crate::odata::Prop::Id) == crate::odata::Val::Str(id))
    }
    let visible = |i: usize, time: Timestamp| delays.is_none_or(|d| d.visible(kind, i, time, now));
    let value = match kind {
        Kind::SignIns => find(&tenant.config.store.sign_ins, id)
            .filter(|(i, r)| visible(*i, r.time()))
            .map(|(_, r)| match version {
                Version::V1 => serde_json::to_value(r).expect("records serialize"),
                Version::Beta => beta_sign_in(r),
            }),
        Kind::Audits => find(&tenant.config.store.audits, id)
            .filter(|(i, r)| visible(*i, r.time()))
            .map(|(_, r)| serde_json::to_value(r).expect("records serialize")),
    };
    let value = value.map(|v| select(v, options.select.as_deref()));
    let name = if kind == Kind::SignIns {
        "signIns"
    } else {
        "directoryAudits"
    };
    let entity_context = format!("{}/$entity", context(base, name, &options));
    respond::entity(value, &entity_context, id, ids)
}

pub(super) fn query_error(error: &QueryError, ids: &RequestIds) -> Response {
    graph_error(
        StatusCode::BAD_REQUEST,
        error.code,
        &error.message,
        error.detail.as_deref(),
        ids,
    )
}
