//! Devices and named locations: what `deviceDetail` and `networkLocationDetails` say.

use super::{Resolver, derived_guid};
use crate::scenario::model::{Device, NamedLocation, PopulationDevices, TrustType};
use crate::scenario::spec::{DeviceSpec, JoinSpec, NamedLocationSpec, PopulationDevicesSpec};
use crate::scenario::template::Template;

impl From<JoinSpec> for TrustType {
    fn from(join: JoinSpec) -> Self {
        match join {
            JoinSpec::EntraJoined => TrustType::EntraJoined,
            JoinSpec::HybridJoined => TrustType::HybridJoined,
            JoinSpec::Registered => TrustType::Registered,
        }
    }
}

impl Resolver<'_> {
    pub(super) fn device(&mut self, spec: &DeviceSpec) -> Device {
        let id = match &spec.id {
            Some(id) => {
                self.guid(id, "device id");
                id.value.to_lowercase()
            }
            None => derived_guid(self.seed, &format!("device:{}", spec.name.value)),
        };
        let trust = TrustType::from(spec.join);
        Device {
            id,
            name: spec.name.value.clone(),
            trust,
            compliant: spec.compliant.unwrap_or(trust.managed_by_default()),
            managed: spec.managed.unwrap_or(trust.managed_by_default()),
        }
    }

    pub(super) fn named_locations(&mut self, specs: Vec<NamedLocationSpec>) -> Vec<NamedLocation> {
        let mut seen: Vec<String> = Vec::new();
        let mut locations = Vec::new();
        for spec in specs {
            let key = spec.name.value.to_lowercase();
            if seen.contains(&key) {
                self.error(
                    spec.name.referenced,
                    format!("the named location `{}` is declared twice", spec.name.value),
                    "second declaration",
                    "give each named location its own name, or merge their `ips`",
                );
                continue;
            }
            if spec.ips.is_empty() {
                self.error(
                    spec.name.referenced,
                    format!(
                        "the named location `{}` has no address range",
                        spec.name.value
                    ),
                    "no `ips`",
                    "add e.g. `ips: [203.0.113.0/24]`",
                );
                continue;
            }
            seen.push(key);
            locations.push(NamedLocation {
                name: spec.name.value,
                ranges: spec.ips,
                trusted: spec.trusted,
            });
        }
        locations
    }

    pub(super) fn population_devices(
        &mut self,
        spec: PopulationDevicesSpec,
    ) -> Option<PopulationDevices> {
        let name = match &spec.name {
            Some(text) => self.template(text)?,
            None => Template::parse("PC-{n:06}").expect("a valid template"),
        };
        Some(PopulationDevices {
            share: spec.share.map_or(1.0, |p| p.0),
            trust: spec.join.into(),
            compliant: spec.compliant.map_or(1.0, |p| p.0),
            name,
        })
    }
}
