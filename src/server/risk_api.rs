//! `/v1.0` and `/beta` `identityProtection` routes: risk detections, risky users, their
//! history, and the dismiss / confirmCompromised actions. Same token, faults, OData and paging
//! as the audit log routes; what a tenant sees depends on its ID Protection licence, and a
//! detection is listed only once its `detectedDateTime` has passed on the serve clock.

use super::graph_api::{Version, authenticate, inject_faults, next_link_at, query_error, select};
use super::respond::{self, ODATA_JSON, RequestIds, graph_error};
use super::state::{AppState, TenantState};
use crate::graph::{
    BETA_RISK_DETECTION_PROPERTIES, RISK_DETECTION_PROPERTIES, RISKY_USER_HISTORY_PROPERTIES,
    RISKY_USER_PROPERTIES, RiskUserActivity, RiskyUser, RiskyUserHistoryItem, Timestamp,
    beta_risk_detection,
};
use crate::odata::{QueryOptions, RISK_DETECTION, RISKY_USER, RISKY_USER_HISTORY, Schema};
use crate::store::{Collection, Page, RiskTier, Timed};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use serde::Serialize;

/// A request under `/{version}/identityProtection`.
pub struct RiskRequest<'a> {
    pub version: Version,
    pub method: &'a Method,
    /// The segments after `identityProtection`.
    pub segments: &'a [&'a str],
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub base: &'a str,
    pub ids: &'a RequestIds,
    pub body: &'a [u8],
}

enum Route<'a> {
    Detections,
    Detection(&'a str),
    RiskyUsers,
    RiskyUser(&'a str),
    History(&'a str),
    Action(AdminAction),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum AdminAction {
    Dismiss,
    ConfirmCompromised,
}

const READ_EVENTS: &[&str] = &[
    "IdentityRiskEvent.Read.All",
    "IdentityRiskEvent.ReadWrite.All",
];
const READ_USERS: &[&str] = &[
    "IdentityRiskyUser.Read.All",
    "IdentityRiskyUser.ReadWrite.All",
];
const WRITE_USERS: &[&str] = &["IdentityRiskyUser.ReadWrite.All"];

fn route<'a>(segments: &[&'a str]) -> Result<Route<'a>, String> {
    let is = |s: &str, name: &str| s.eq_ignore_ascii_case(name);
    match segments {
        [list] if is(list, "riskDetections") => Ok(Route::Detections),
        [list, id] if is(list, "riskDetections") => Ok(Route::Detection(id)),
        [list] if is(list, "riskyUsers") => Ok(Route::RiskyUsers),
        [list, action] if is(list, "riskyUsers") && is(action, "dismiss") => {
            Ok(Route::Action(AdminAction::Dismiss))
        }
        [list, action] if is(list, "riskyUsers") && is(action, "confirmCompromised") => {
            Ok(Route::Action(AdminAction::ConfirmCompromised))
        }
        [list, id] if is(list, "riskyUsers") => Ok(Route::RiskyUser(id)),
        [list, id, history] if is(list, "riskyUsers") && is(history, "history") => {
            Ok(Route::History(id))
        }
        [first, ..] => Err(first.to_string()),
        [] => Err("identityProtection".into()),
    }
}

pub async fn handle(state: &AppState, request: RiskRequest<'_>) -> Response {
    let ids = request.ids;
    let route = match route(request.segments) {
        Ok(route) => route,
        Err(segment) => {
            let message = format!("Resource not found for the segment '{segment}'.");
            return graph_error(StatusCode::BAD_REQUEST, "BadRequest", &message, None, ids);
        }
    };
    let post = matches!(route, Route::Action(_));
    if post != (request.method == Method::POST) {
        return graph_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "Request_BadRequest",
            &format!("{} is not supported on this resource.", request.method),
            None,
            ids,
        );
    }
    let (tenant, claims) = match authenticate(state, request.headers, ids) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let needed = match route {
        Route::Detections | Route::Detection(_) => READ_EVENTS,
        Route::Action(_) => WRITE_USERS,
        _ => READ_USERS,
    };
    if !claims.roles.iter().any(|r| needed.contains(&r.as_str())) {
        let message = format!(
            "Calling principal does not have required MSGraph permissions {}",
            needed.last().expect("a permission")
        );
        return graph_error(
            StatusCode::FORBIDDEN,
            "Authentication_MSGraphPermissionMissing",
            &message,
            None,
            ids,
        );
    }
    if let Some(response) = licence(tenant, &route, ids) {
        return response;
    }
    if let Some(response) = inject_faults(state, tenant, &claims.appid, ids).await {
        return response;
    }
    let now = state.clock.now();
    let base = format!("{}/{}", request.base, request.version.segment());
    let risk = &tenant.config.store.risk;
    let actions = tenant
        .risk_actions
        .lock()
        .map(|a| a.clone())
        .unwrap_or_default();
    let premium = risk.license == Some(RiskTier::P2);
    match route {
        Route::Detections => {
            let properties = detection_properties(request.version);
            let page = Listing {
                request: &request,
                base: &base,
                path: "riskDetections".into(),
                context: "identityProtection/riskDetections".into(),
                schema: &RISK_DETECTION,
                properties: &properties,
            };
            page.respond(&risk.detections, Some(now), |d| match request.version {
                Version::V1 => serde_json::to_value(d).expect("records serialize"),
                Version::Beta => beta_risk_detection(d),
            })
        }
        Route::Detection(id) => respond::entity(
            risk.detections
                .get(id)
                .filter(|d| d.detected_date_time <= now)
                .map(|d| match request.version {
                    Version::V1 => serde_json::to_value(d).expect("records serialize"),
                    Version::Beta => beta_risk_detection(d),
                }),
            &format!("{base}/$metadata#identityProtection/riskDetections/$entity"),
            id,
            ids,
        ),
        Route::RiskyUsers => {
            let users = visible_users(risk.risky_users(now, &actions), premium);
            Listing {
                request: &request,
                base: &base,
                path: "riskyUsers".into(),
                context: "identityProtection/riskyUsers".into(),
                schema: &RISKY_USER,
                properties: RISKY_USER_PROPERTIES,
            }
            .respond(&users, None, to_value)
        }
        Route::RiskyUser(id) => {
            let users = visible_users(risk.risky_users(now, &actions), premium);
            respond::entity(
                users.get(id).map(to_value),
                &format!("{base}/$metadata#identityProtection/riskyUsers/$entity"),
                id,
                ids,
            )
        }
        Route::History(id) => {
            let history = risk.history_of(id, now, &actions);
            Listing {
                request: &request,
                base: &base,
                path: format!("riskyUsers/{id}/history"),
                context: format!("identityProtection/riskyUsers('{id}')/history"),
                schema: &RISKY_USER_HISTORY,
                properties: RISKY_USER_HISTORY_PROPERTIES,
            }
            .respond(&history, None, to_value)
        }
        Route::Action(action) => act(tenant, action, request.body, now, &claims.appid, ids),
    }
}

fn to_value<T: Serialize>(record: &T) -> serde_json::Value {
    serde_json::to_value(record).expect("records serialize")
}

fn detection_properties(version: Version) -> Vec<&'static str> {
    match version {
        Version::V1 => RISK_DETECTION_PROPERTIES.to_vec(),
        Version::Beta => RISK_DETECTION_PROPERTIES
            .iter()
            .chain(BETA_RISK_DETECTION_PROPERTIES)
            .copied()
            .collect(),
    }
}

/// Without P2 a tenant sees risky users only at medium or high (documented); the rest are
/// left out.
fn visible_users(
    users: Collection<crate::graph::RiskyUser>,
    premium: bool,
) -> Collection<crate::graph::RiskyUser> {
    if premium {
        return users;
    }
    let mut kept: Vec<crate::graph::RiskyUser> = users
        .iter()
        .filter(|u| matches!(&*u.risk_level, "medium" | "high"))
        .cloned()
        .collect();
    kept.reverse();
    Collection::oldest_first(kept)
}

/// What the licence refuses: detections on Free, history without P2 (documented as absent;
/// the exact error is UNSURE: entralab answers as the sign-in API does without a licence).
fn licence(tenant: &TenantState, route: &Route<'_>, ids: &RequestIds) -> Option<Response> {
    let tier = tenant.config.store.risk.license?;
    let refused = match route {
        Route::Detections | Route::Detection(_) => tier == RiskTier::Free,
        Route::History(_) => tier != RiskTier::P2,
        _ => false,
    };
    refused.then(|| {
        graph_error(
            StatusCode::FORBIDDEN,
            "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
            "Neither tenant is B2C or tenant doesn't have premium license",
            None,
            ids,
        )
    })
}

struct Listing<'a> {
    request: &'a RiskRequest<'a>,
    base: &'a str,
    /// The path after `identityProtection/`, for the next link.
    path: String,
    /// The `$metadata#` fragment.
    context: String,
    schema: &'static Schema,
    properties: &'a [&'static str],
}

impl Listing<'_> {
    fn respond<T: Timed>(
        &self,
        collection: &Collection<T>,
        latest: Option<Timestamp>,
        to_value: impl Fn(&T) -> serde_json::Value,
    ) -> Response {
        let options = match QueryOptions::parse(self.request.query, self.schema, self.properties) {
            Ok(options) => options,
            Err(e) => return query_error(&e, self.request.ids),
        };
        match collection.page(&options, latest, |_, _| true) {
            Ok(page) => respond::json(
                StatusCode::OK,
                ODATA_JSON,
                self.body(&page, &options, to_value),
            ),
            Err(e) => query_error(&e, self.request.ids),
        }
    }

    fn body<T>(
        &self,
        page: &Page<'_, T>,
        options: &QueryOptions,
        to_value: impl Fn(&T) -> serde_json::Value,
    ) -> Vec<u8> {
        let context = match options.select.as_deref() {
            Some(p) if !p.is_empty() => {
                format!("{}/$metadata#{}({})", self.base, self.context, p.join(","))
            }
            _ => format!("{}/$metadata#{}", self.base, self.context),
        };
        let mut object = serde_json::Map::new();
        object.insert("@odata.context".into(), context.into());
        if let Some(cursor) = page.next {
            object.insert(
                "@odata.nextLink".into(),
                self.next_link(options, &cursor.encode()).into(),
            );
        }
        let values = page
            .items
            .iter()
            .map(|item| select(to_value(item), options.select.as_deref()))
            .collect();
        object.insert("value".into(), serde_json::Value::Array(values));
        serde_json::to_vec(&object).expect("pages serialize")
    }

    fn next_link(&self, options: &QueryOptions, skiptoken: &str) -> String {
        let time = self
            .schema
            .properties
            .iter()
            .find(|(_, p, _)| Some(*p) == self.schema.time)
            .map_or("", |(name, _, _)| *name);
        let collection = format!("{}/identityProtection/{}", self.base, self.path);
        next_link_at(&collection, options, time, skiptoken)
    }
}

/// `POST riskyUsers/dismiss` or `confirmCompromised` with `{"userIds": [...]}`: 204, and the
/// users' risk changes from now on (a history item initiated by the calling app).
fn act(
    tenant: &TenantState,
    action: AdminAction,
    body: &[u8],
    now: Timestamp,
    app: &str,
    ids: &RequestIds,
) -> Response {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Body {
        user_ids: Vec<String>,
    }
    let Ok(body) = serde_json::from_slice::<Body>(body) else {
        return graph_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "The request body must be {\"userIds\": [\"...\"]}.",
            None,
            ids,
        );
    };
    let risk = &tenant.config.store.risk;
    let Ok(mut actions) = tenant.risk_actions.lock() else {
        return graph_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "The risk state is unavailable.",
            None,
            ids,
        );
    };
    let current = risk.risky_users(now, &actions);
    let mut changes = Vec::new();
    for id in &body.user_ids {
        // Only users ID Protection knows change; Graph accepts the others silently.
        let Some(user) = current.get(id) else {
            continue;
        };
        let (level, state, detail) = match action {
            AdminAction::Dismiss => ("none", "dismissed", "adminDismissedAllRiskForUser"),
            AdminAction::ConfirmCompromised => (
                "high",
                "confirmedCompromised",
                "adminConfirmedUserCompromised",
            ),
        };
        changes.push(RiskyUserHistoryItem {
            risk: RiskyUser {
                id: respond::random_guid().into(),
                risk_last_updated_date_time: now,
                risk_level: level.into(),
                risk_state: state.into(),
                risk_detail: detail.into(),
                ..user.clone()
            },
            user_id: user.id.clone(),
            initiated_by: Some(app.into()),
            activity: RiskUserActivity {
                detail: detail.into(),
                risk_event_types: Vec::new(),
            },
        });
    }
    actions.extend(changes);
    respond::json(StatusCode::NO_CONTENT, ODATA_JSON, Vec::new())
}
