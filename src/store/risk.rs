//! ID Protection records held for serving: detections (paged by `detectedDateTime`, so one
//! not yet detected at the serve clock is past the page window) and every user's risk history,
//! from which the risky users at any instant follow.

use super::{Collection, Timed};
use crate::graph::{RiskDetection, RiskyUser, RiskyUserHistoryItem, Timestamp};
use crate::odata::Prop;

impl Timed for RiskDetection {
    fn time(&self) -> Timestamp {
        self.detected_date_time
    }
    const TIME: Prop = Prop::DetectedDateTime;
}

impl Timed for RiskyUser {
    fn time(&self) -> Timestamp {
        self.risk_last_updated_date_time
    }
    const TIME: Prop = Prop::RiskLastUpdatedDateTime;
}

impl Timed for RiskyUserHistoryItem {
    fn time(&self) -> Timestamp {
        self.risk.risk_last_updated_date_time
    }
    const TIME: Prop = Prop::RiskLastUpdatedDateTime;
}

/// What ID Protection shows for one tenant. `premium` is whether the tenant has Entra ID P2
/// (`None`: no ID Protection declared: empty collections).
#[derive(Debug, Default)]
pub struct RiskStore {
    pub license: Option<RiskTier>,
    pub detections: Collection<RiskDetection>,
    /// Oldest first.
    pub history: Vec<RiskyUserHistoryItem>,
}

/// The licence tiers the API tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiskTier {
    P2,
    P1,
    Free,
}

impl RiskStore {
    pub fn new(
        license: RiskTier,
        detections: Vec<RiskDetection>,
        mut history: Vec<RiskyUserHistoryItem>,
    ) -> Self {
        history.sort_by_key(|h| h.risk.risk_last_updated_date_time);
        RiskStore {
            license: Some(license),
            detections: Collection::oldest_first(detections),
            history,
        }
    }

    /// Each user's risk at `now` (the latest change at or before it), with `extra` changes
    /// (admin actions through the API) counted in, newest change first.
    pub fn risky_users(
        &self,
        now: Timestamp,
        extra: &[RiskyUserHistoryItem],
    ) -> Collection<RiskyUser> {
        let mut latest: Vec<&RiskyUserHistoryItem> = Vec::new();
        for item in self.history.iter().chain(extra) {
            if item.risk.risk_last_updated_date_time > now {
                continue;
            }
            match latest.iter_mut().find(|l| l.user_id == item.user_id) {
                Some(slot)
                    if slot.risk.risk_last_updated_date_time
                        <= item.risk.risk_last_updated_date_time =>
                {
                    *slot = item
                }
                Some(_) => {}
                None => latest.push(item),
            }
        }
        Collection::oldest_first(latest.into_iter().map(RiskyUserHistoryItem::user).collect())
    }

    /// One user's history at `now`, with `extra` changes.
    pub fn history_of(
        &self,
        user_id: &str,
        now: Timestamp,
        extra: &[RiskyUserHistoryItem],
    ) -> Collection<RiskyUserHistoryItem> {
        Collection::oldest_first(
            self.history
                .iter()
                .chain(extra)
                .filter(|h| &*h.user_id == user_id && h.risk.risk_last_updated_date_time <= now)
                .cloned()
                .collect(),
        )
    }
}
