//! `explain`'s text for an ID Protection risk detection type: what it means, the
//! `riskDetection` fields entralab writes for it and when it becomes visible, what its sign-in
//! shows, where it lands, and what raises it in entralab's model. The facts come from the
//! catalogue (`catalog::risk`) and the export names from `export`, so the text cannot drift
//! from what the simulator writes.

use super::render::{knobs, line, section, sentence, wrapped};
use crate::catalog::risk::{GENERIC, RiskActivity, RiskType, Timing, window_bound};
use crate::catalog::risk_teaching::risk_text;
use crate::export::loganalytics::USER_RISK_EVENTS_TABLE;
use crate::export::risk::{USER_RISK_CATEGORY, USER_RISK_OPERATION};
use std::fmt::Write;

/// Everything before "Shown in".
pub(super) fn risk_body(out: &mut String, r: &RiskType) {
    let text = risk_text(r.name);
    let _ = writeln!(
        out,
        "{} ({}): {}",
        r.name,
        r.title,
        text.map_or("", |t| t.meaning)
    );
    section(out, "How ID Protection logs it (riskDetection)");
    line(out, "riskEventType", r.name);
    line(out, "detectionTimingType", &timing_types(r));
    line(out, "activity", activity(r.activity));
    line(out, "source", r.source);
    line(
        out,
        "riskLevel",
        &format!("{} (entralab's named default)", r.level.as_str()),
    );
    line(out, "Licence", &licence(r));
    line(out, "Visible", &visible(r));
    wrapped(
        out,
        &format!(
            "Entra computes each detection's level and does not publish defaults: {} is \
             entralab's, and a `risk_detection` step's `level:` sets another.",
            r.level.as_str()
        ),
    );
    section(out, "What the sign-in shows");
    wrapped(out, &sign_in(r));
    section(out, "Where it lands");
    line(
        out,
        "Graph",
        "GET /identityProtection/riskDetections (riskEventType)",
    );
    line(
        out,
        "Event Hub",
        &format!(
            "category {USER_RISK_CATEGORY}, operationName {USER_RISK_OPERATION} \
             (properties.riskEventType)"
        ),
    );
    line(
        out,
        "Log Analytics",
        &format!("table {USER_RISK_EVENTS_TABLE} (RiskEventType)"),
    );
    section(out, "What causes it in entralab");
    match text.and_then(|t| t.raised_by.map(|by| (by, t.knobs))) {
        Some((raised_by, keys)) => {
            wrapped(out, &sentence(raised_by));
            knobs(out, keys);
            wrapped(
                out,
                &format!(
                    "A `risk_detection: {{ user: ..., type: {} }}` step declares one as well.",
                    r.name
                ),
            );
        }
        None => wrapped(
            out,
            &format!(
                "Nothing a scenario's users do raises it by itself: a timeline step declares \
                 it, `risk_detection: {{ user: ..., type: {} }}` (optional `level`, `timing`, \
                 `delay` within the window).",
                r.name
            ),
        ),
    }
    if r.activity == RiskActivity::SignIn {
        wrapped(
            out,
            "Declared by a step, it belongs to the user's latest sign-in with the right \
             password before the step.",
        );
    }
    wrapped(
        out,
        "Only in a tenant that declares `identity_protection` (without it nothing is risky).",
    );
}

fn timing_types(r: &RiskType) -> String {
    if r.also_realtime && r.timing != Timing::Realtime {
        format!("{} (or {})", r.timing.as_str(), Timing::Realtime.as_str())
    } else {
        r.timing.as_str().to_string()
    }
}

fn activity(activity: RiskActivity) -> &'static str {
    match activity {
        RiskActivity::SignIn => "signin (linked to one sign-in)",
        RiskActivity::User => "user (linked to the user, not to a sign-in)",
    }
}

fn licence(r: &RiskType) -> String {
    let free = "`free` refuses the riskDetections list (403)";
    if r.premium {
        format!("Entra ID P2; with `license: p1` it is `{GENERIC}`, level `hidden`; {free}")
    } else {
        format!("named without P2 too (`license: p1`), its level `hidden` there; {free}")
    }
}

/// The documented window from the activity to `detectedDateTime`.
fn visible(r: &RiskType) -> String {
    let window = |timing: Timing| {
        let (min, max) = timing.window();
        format!("{} to {}", window_bound(min), window_bound(max))
    };
    let note = if r.timing == Timing::NearRealtime {
        " (entralab's named default: not published)".to_string()
    } else if r.also_realtime && r.timing != Timing::Realtime {
        format!(" ({} when real time)", window(Timing::Realtime))
    } else {
        String::new()
    };
    format!(
        "detectedDateTime {} after the activity{note}; `serve` lists it from then",
        window(r.timing)
    )
}

/// How the sign-in a detection is linked to shows it (`sim::risk::records::write_sign_ins`).
fn sign_in(r: &RiskType) -> String {
    if r.activity == RiskActivity::User {
        return "Nothing: it is linked to the user, so its requestId, correlationId and \
                ipAddress are empty and no sign-in lists it. Once detected it raises the \
                user's risk (riskyUsers), which a `user_risk:` Conditional Access policy acts \
                on."
        .to_string();
    }
    let level = r.level.as_str();
    let common = format!(
        "Every row of the sign-in lists it in riskEventTypes_v2, and riskLevelAggregated \
         becomes at least its level ({level} by default; the highest of the sign-in's \
         detections counts); riskState is atRisk until its detections are closed \
         (remediated, dismissed, or the user confirmed compromised). Once detected it raises the user's risk too, unless the user passed the \
         MFA of a sign-in risk policy on that sign-in."
    );
    if r.timing == Timing::Realtime {
        return format!(
            "{common} As a real-time detection it raises riskLevelDuringSignIn in the same way, \
             which a `sign_in_risk:` Conditional Access policy acts on while the \
             sign-in happens."
        );
    }
    let late = match r.timing {
        Timing::NearRealtime => "a near-real-time",
        _ => "an offline",
    };
    let mut text = format!(
        "{common} riskLevelDuringSignIn stays as it was: {late} detection lands after the \
         sign-in, so a `sign_in_risk:` Conditional Access policy never sees it."
    );
    if r.also_realtime {
        text.push_str(
            " Computed in real time instead (a step's `timing: realtime`), it raises \
             riskLevelDuringSignIn too.",
        );
    }
    text
}
