//! An ID Protection detection as a Sigma event (`product: azure`, `service: riskdetection`),
//! under the same three namings as sign-ins and audits: the Log Analytics `AADUserRiskEvents`
//! row, the Event Hub `UserRiskEvents` record, and the Graph `riskDetection` inside it.
//!
//! Detections are few beside sign-ins, so their lookups always go through the materialised
//! layers (no direct accessors).

use super::event::{Layers, RecordEvent};
use crate::export::risk::{USER_RISK_EVENT_COLUMNS, user_risk_event_hub};
use crate::export::user_risk_event_row;
use crate::graph::RiskDetection;
use std::collections::HashMap;
use std::sync::OnceLock;

impl<'r> RecordEvent<'r> {
    pub fn risk_detection(detection: &'r RiskDetection, tenant_id: &'r str) -> Self {
        RecordEvent::of_risk(detection, tenant_id)
    }
}

impl Layers {
    pub(super) fn of_risk(detection: &RiskDetection, tenant_id: &str) -> Self {
        static INDEX: OnceLock<HashMap<&'static str, usize>> = OnceLock::new();
        Layers {
            la: user_risk_event_row(detection, tenant_id),
            la_index: INDEX.get_or_init(|| {
                USER_RISK_EVENT_COLUMNS
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (*c, i))
                    .collect()
            }),
            eh: user_risk_event_hub(detection, tenant_id),
        }
    }
}
