//! From findings to Graph records: `riskDetection`s, `riskyUserHistoryItem`s, and the risk
//! fields of the sign-ins. The licence decides what shows: without P2, premium detections are
//! `generic` and levels and details are `hidden`.

use super::users::Change;
use super::{Attempt, Finding};
use crate::catalog::risk::{GENERIC, RiskLevel, Timing};
use crate::graph::{
    Record, RiskDetection, RiskUserActivity, RiskyUser, RiskyUserHistoryItem, Text, Timestamp,
};
use crate::scenario::{RiskLicense, Scenario};
use crate::sim::schedule::SimItem;
use crate::sim::streams::{Purpose, Streams, guid};
use rand::Rng;
use serde_json::json;

const HIDDEN: &str = "hidden";

fn event_type(license: RiskLicense, f: &Finding) -> &'static str {
    if f.risk_type.premium && license != RiskLicense::P2 {
        GENERIC
    } else {
        f.risk_type.name
    }
}

fn level(license: RiskLicense, level: RiskLevel) -> &'static str {
    if license == RiskLicense::P2 {
        level.as_str()
    } else {
        HIDDEN
    }
}

/// A detection id: 64 hex digits, as Graph's are.
fn detection_id(streams: &Streams, key: u64) -> Text {
    let mut rng = streams.rng(Purpose::Risk, key, 1);
    let bytes: [u8; 32] = rng.random();
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        .into()
}

pub(super) fn detection(
    scenario: &Scenario,
    license: RiskLicense,
    streams: &Streams,
    user_ids: &[Text],
    f: &Finding,
    attempt: Option<&Attempt>,
) -> RiskDetection {
    let user = &scenario.users[f.user];
    let (state, detail, updated) = f.closed.unwrap_or(("atRisk", "none", f.detected_at));
    let mut info = Vec::new();
    if let Some(a) = attempt {
        info.push(json!({"Key": "userAgent", "Value": a.seen.user_agent}));
    }
    if let Some(related) = &f.related {
        info.push(json!({"Key": "relatedEventTimeInUtc", "Value": related.time.to_string()}));
        info.push(json!({"Key": "relatedUserAgent", "Value": related.user_agent}));
        let (latitude, longitude) = related.coordinates.unwrap_or_default();
        info.push(json!({"Key": "relatedLocation", "Value": {
            "clientCity": related.city,
            "clientCountry": related.country,
            "latitude": latitude,
            "longitude": longitude,
        }}));
    }
    info.push(json!({"Key": "alertUrl", "Value": null}));
    RiskDetection {
        id: detection_id(streams, f.key),
        // UNSURE (reference): whether requestId equals the sign-in's id; entralab's named
        // default says it does.
        request_id: attempt.map(|a| a.request_id.clone()),
        correlation_id: attempt.and_then(|a| a.correlation_id.clone()),
        risk_event_type: event_type(license, f).into(),
        risk_state: state.into(),
        risk_level: level(license, f.level).into(),
        risk_detail: if license == RiskLicense::P2 {
            detail
        } else {
            HIDDEN
        }
        .into(),
        source: f.risk_type.source.into(),
        detection_timing_type: f.timing.as_str().into(),
        activity: f.risk_type.activity.as_str().into(),
        token_issuer_type: "AzureAD".into(),
        ip_address: attempt.map(|a| a.seen.ip.as_str().into()),
        activity_date_time: f.activity_at,
        detected_date_time: f.detected_at,
        last_updated_date_time: updated.max(f.detected_at),
        user_id: user_ids[f.user].clone(),
        user_display_name: user.display_name.as_str().into(),
        user_principal_name: user.upn.as_str().into(),
        additional_info: serde_json::Value::Array(info).to_string().into(),
        location: attempt.map(|a| a.location.clone()),
    }
}

pub(super) fn history_item(
    scenario: &Scenario,
    streams: &Streams,
    user: usize,
    user_ids: &[Text],
    n: u64,
    change: &Change,
    risk_event_types: &[&str],
) -> RiskyUserHistoryItem {
    let model = &scenario.users[user];
    RiskyUserHistoryItem {
        risk: RiskyUser {
            id: guid(&mut streams.rng(Purpose::Risk, user as u64, (1 << 40) | n)),
            is_deleted: false,
            is_processing: false,
            risk_last_updated_date_time: change.time,
            risk_level: change.risk.level.as_str().into(),
            risk_state: change.risk.state.into(),
            risk_detail: change.risk.detail.into(),
            user_display_name: model.display_name.as_str().into(),
            user_principal_name: model.upn.as_str().into(),
        },
        user_id: user_ids[user].clone(),
        initiated_by: change.by.map(|b| user_ids[b].clone()),
        activity: RiskUserActivity {
            detail: change.risk.detail.into(),
            risk_event_types: risk_event_types.iter().map(|t| Text::from(*t)).collect(),
        },
    }
}

/// Writes each evaluated sign-in's risk fields from its findings: the real-time level during
/// the sign-in, the level with every later (offline) detection, the state after remediation.
pub(super) fn write_sign_ins(
    license: RiskLicense,
    items: &mut [SimItem],
    attempts: &[Attempt],
    findings: &[Finding],
) {
    for (a, attempt) in attempts.iter().enumerate() {
        let mine: Vec<&Finding> = findings.iter().filter(|f| f.attempt == Some(a)).collect();
        if mine.is_empty() {
            continue;
        }
        let max = |realtime_only: bool| {
            mine.iter()
                .filter(|f| !realtime_only || f.timing == Timing::Realtime)
                .map(|f| f.level)
                .max()
                .unwrap_or(RiskLevel::None)
        };
        let (during, aggregated) = (max(true), max(false));
        // Still at risk while any of its detections is; otherwise the latest closing.
        let (state, detail) = if mine.iter().any(|f| f.closed.is_none()) {
            ("atRisk", "none")
        } else {
            mine.iter()
                .filter_map(|f| f.closed)
                .max_by_key(|(_, _, t): &(&str, &str, Timestamp)| *t)
                .map(|(s, d, _)| (s, d))
                .unwrap_or(("atRisk", "none"))
        };
        let mut types: Vec<Text> = Vec::new();
        for f in &mine {
            let name = event_type(license, f);
            if !types.iter().any(|t| &**t == name) {
                types.push(name.into());
            }
        }
        for &row in &attempt.rows {
            if let Some(Record::SignIn(s)) = &mut items[row].record {
                s.risk_level_during_sign_in = Some(level(license, during).into());
                s.risk_level_aggregated = Some(level(license, aggregated).into());
                s.risk_state = Some(state.into());
                s.risk_detail = Some(
                    if license == RiskLicense::P2 {
                        detail
                    } else {
                        HIDDEN
                    }
                    .into(),
                );
                s.risk_event_types_v2 = types.clone();
            }
        }
    }
}
