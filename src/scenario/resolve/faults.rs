//! Faults the mock Graph injects: throttling, latency, server errors, ingestion delay.

use super::Resolver;
use crate::scenario::model::*;
use crate::scenario::spec::*;

impl Resolver<'_> {
    pub(super) fn faults(&mut self, spec: FaultsSpec) -> Faults {
        let throttle = spec.throttle.map(|t| {
            if t.requests.value == 0 {
                self.error(
                    t.requests.referenced,
                    "a budget of 0 requests refuses everything",
                    "must be 1 or more",
                    "Graph's identity reports allow 5 requests per 10 s per app and tenant",
                );
            }
            if t.per.value.ticks() == 0 {
                self.error(
                    t.per.referenced,
                    "a throttling window needs a length",
                    "must be more than 0",
                    "write e.g. `per: 10s`",
                );
            }
            Throttle {
                requests: t.requests.value,
                window_ticks: t.per.value.ticks(),
            }
        });
        let ingestion_delay = spec.ingestion_delay.map(|d| {
            let median = d.median.value.ticks();
            let max = d.max.map_or(median * 3, |m| m.ticks());
            if !(d.min.ticks() <= median && median <= max) {
                self.error(
                    d.median.referenced,
                    "the ingestion delay needs min <= median <= max",
                    "out of order",
                    "e.g. `{ min: 1m, median: 3m, max: 15m }`",
                );
            }
            IngestionDelay {
                min_ticks: d.min.ticks(),
                median_ticks: median,
                max_ticks: max,
            }
        });
        Faults {
            throttle,
            latency_ticks: spec.latency.map_or(0, |l| l.ticks()),
            server_error_rate: spec.server_errors.map_or(0.0, |p| p.0),
            ingestion_delay,
        }
    }
}
