//! Reading ID Protection detections through a Graph client, for `verify`'s `detections:`
//! (the `service: riskdetection` rules need them beside the sign-ins).

use super::sources::SourceError;
use crate::client::GraphClient;
use crate::graph::{RiskDetection, Timestamp};
use crate::scenario::Scenario;

/// The detections of activity from the window's start on, when the scenario declares ID
/// Protection and has `detections:` to check; none otherwise (no request is made). Offline
/// detections land up to 48 hours after the activity, so the window has no end here.
pub fn fetch_risk_detections(
    client: &mut GraphClient,
    scenario: &Scenario,
    window: (Timestamp, Timestamp),
) -> Result<Vec<RiskDetection>, SourceError> {
    if scenario.tenant.identity_protection.is_none() || scenario.detections.is_empty() {
        return Ok(Vec::new());
    }
    let filter = format!("activityDateTime ge {}", window.0);
    let mut found = Vec::new();
    let mut bad = None;
    client.list(
        "identityProtection/riskDetections",
        Some(&filter),
        None,
        &mut |value| match serde_json::from_value::<RiskDetection>(value) {
            Ok(d) => found.push(d),
            Err(e) => bad = Some(e.to_string()),
        },
    )?;
    match bad {
        Some(e) => Err(SourceError::BadInput(format!(
            "a risk detection does not read as riskDetection: {e}"
        ))),
        None => Ok(found),
    }
}
