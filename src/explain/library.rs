//! The scenarios entralab ships, built into the binary so `explain` and its search for "the
//! scenario that shows this" work offline and from anywhere, in the order that search goes:
//! the reference labs first (the ones to learn from), then the detection library, then the ID
//! Protection library, the benign noise last (it is the biggest to simulate and shows nothing
//! the others do not).

use crate::cli::BUILTIN_SCENARIOS;
use crate::scenario::{self, Scenario};
use std::path::Path;

/// `(path as shipped, text)` of each file of one folder of `scenarios/`, in the order given.
macro_rules! shipped_folder {
    ($(#[$doc:meta])* $name:ident, $folder:literal, [$($file:literal),* $(,)?]) => {
        $(#[$doc])*
        pub const $name: &[(&str, &str)] = &[
            $((
                concat!("scenarios/", $folder, "/", $file),
                include_str!(concat!("../../scenarios/", $folder, "/", $file)),
            )),*
        ];
    };
}

shipped_folder!(
    /// The detection library, `scenarios/detections/`.
    DETECTION_SCENARIOS,
    "detections",
    [
        "account-created-and-deleted.yaml",
        "app-credential-after-admin-consent.yaml",
        "app-removed-after-use.yaml",
        "bitlocker-key-read.yaml",
        "brute-force.yaml",
        "ca-policy-deleted.yaml",
        "conditional-access-block.yaml",
        "credential-stuffing.yaml",
        "device-no-longer-compliant.yaml",
        "device-trust-weakened.yaml",
        "disabled-account.yaml",
        "distributed-password-cracking.yaml",
        "guest-made-administrator.yaml",
        "illicit-consent-grant.yaml",
        "impossible-travel.yaml",
        "legacy-authentication.yaml",
        "mfa-fatigue.yaml",
        "mfa-method-after-password-guessing.yaml",
        "password-spray.yaml",
        "privileged-role-outside-pim.yaml",
        "tenant-backdoors.yaml",
        "benign-admin-noise.yaml",
        "benign-noise.yaml",
    ]
);

shipped_folder!(
    /// The ID Protection library, `scenarios/identity-protection/`: the seed lab's part 3
    /// first, then one scenario per detection family.
    IDENTITY_PROTECTION_SCENARIOS,
    "identity-protection",
    [
        "lab-anonymous-travel-sspr.yaml",
        "admin-confirmed-compromise.yaml",
        "activity-from-anonymous-ip.yaml",
        "anomalous-token.yaml",
        "anomalous-user-activity.yaml",
        "anonymized-ip-address.yaml",
        "attacker-in-the-middle.yaml",
        "atypical-travel.yaml",
        "benign-familiar-sign-ins.yaml",
        "leaked-credentials.yaml",
        "malicious-ip-address.yaml",
        "mcas-impossible-travel.yaml",
        "nation-state-ip.yaml",
        "new-country.yaml",
        "password-spray.yaml",
        "prt-access-attempt.yaml",
        "sign-in-risk-mfa.yaml",
        "suspicious-api-traffic.yaml",
        "suspicious-browser.yaml",
        "suspicious-inbox-forwarding.yaml",
        "suspicious-inbox-manipulation.yaml",
        "suspicious-sending-patterns.yaml",
        "threat-intelligence.yaml",
        "token-issuer-anomaly.yaml",
        "unfamiliar-features.yaml",
        "user-reported-suspicious-activity.yaml",
        "user-risk-password-change.yaml",
    ]
);

/// Every shipped scenario, in the order `explain` searches them: the seed labs
/// (`scenarios/user0*`) before the other built-in ones, the detection library, the ID
/// Protection library, then the detection library's benign noise.
pub fn shipped() -> impl Iterator<Item = (&'static str, &'static str)> {
    let seed_lab = |path: &str| path.starts_with("scenarios/user0");
    let noise = |path: &str| path.starts_with("scenarios/detections/benign-");
    let builtin = || BUILTIN_SCENARIOS.iter();
    builtin()
        .filter(move |(path, _)| seed_lab(path))
        .chain(builtin().filter(move |(path, _)| !seed_lab(path)))
        .chain(DETECTION_SCENARIOS.iter().filter(move |(p, _)| !noise(p)))
        .chain(IDENTITY_PROTECTION_SCENARIOS)
        .chain(DETECTION_SCENARIOS.iter().filter(move |(p, _)| noise(p)))
        .map(|(path, text)| (*path, *text))
}

/// Loads a shipped scenario by its path (for tests and exercises).
pub fn load_shipped(path: &str) -> Option<Scenario> {
    let (path, text) = shipped().find(|(p, _)| *p == path)?;
    scenario::load_str(Path::new(path), text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `.yaml` files of `scenarios/<folder>` against the paths of `listed`.
    fn assert_lists_the_folder(folder: &str, listed: &[(&str, &str)]) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(folder);
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| format!("scenarios/{folder}/{}", e.file_name().to_string_lossy()))
            .filter(|p| p.ends_with(".yaml"))
            .collect();
        files.sort();
        let mut listed: Vec<String> = listed.iter().map(|(p, _)| p.to_string()).collect();
        listed.sort();
        assert_eq!(files, listed, "add new scenarios of {folder} to the list");
    }

    #[test]
    fn every_detection_scenario_file_is_shipped() {
        assert_lists_the_folder("detections", DETECTION_SCENARIOS);
    }

    #[test]
    fn every_identity_protection_scenario_file_is_shipped() {
        assert_lists_the_folder("identity-protection", IDENTITY_PROTECTION_SCENARIOS);
    }

    #[test]
    fn every_shipped_scenario_is_searched_once() {
        let mut paths: Vec<&str> = shipped().map(|(p, _)| p).collect();
        let all = paths.len();
        assert_eq!(
            all,
            BUILTIN_SCENARIOS.len()
                + DETECTION_SCENARIOS.len()
                + IDENTITY_PROTECTION_SCENARIOS.len()
        );
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), all);
        assert_eq!(
            shipped().last().map(|(p, _)| p),
            Some("scenarios/detections/benign-noise.yaml")
        );
    }
}
