//! Every field path of the Graph records, as expectations and people name them
//! (`status/errorCode`, `targetResources/*/id`). `*` stands for any element of a collection.

use super::{
    DIRECTORY_AUDIT_PROPERTIES, RISK_DETECTION_PROPERTIES, RISKY_USER_PROPERTIES,
    SIGN_IN_PROPERTIES,
};

/// Every path of a v1.0 `signIn`: its properties and what lies below them.
pub fn sign_in_paths() -> Vec<&'static str> {
    SIGN_IN_PROPERTIES
        .iter()
        .chain(SIGN_IN_NESTED)
        .copied()
        .collect()
}

/// Every path of a v1.0 `directoryAudit`.
pub fn directory_audit_paths() -> Vec<&'static str> {
    DIRECTORY_AUDIT_PROPERTIES
        .iter()
        .chain(DIRECTORY_AUDIT_NESTED)
        .copied()
        .collect()
}

/// Every path of a v1.0 `riskDetection`; its `location` is a sign-in's.
pub fn risk_detection_paths() -> Vec<&'static str> {
    let location = SIGN_IN_NESTED.iter().filter(|p| p.starts_with("location/"));
    RISK_DETECTION_PROPERTIES
        .iter()
        .chain(location)
        .copied()
        .collect()
}

/// Every path of a v1.0 `riskyUser`.
pub fn risky_user_paths() -> Vec<&'static str> {
    RISKY_USER_PROPERTIES.to_vec()
}

/// Paths below the top level of a v1.0 `signIn`.
const SIGN_IN_NESTED: &[&str] = &[
    "riskEventTypes/*",
    "riskEventTypes_v2/*",
    "status/errorCode",
    "status/failureReason",
    "status/additionalDetails",
    "deviceDetail/deviceId",
    "deviceDetail/displayName",
    "deviceDetail/operatingSystem",
    "deviceDetail/browser",
    "deviceDetail/isCompliant",
    "deviceDetail/isManaged",
    "deviceDetail/trustType",
    "location/city",
    "location/state",
    "location/countryOrRegion",
    "location/geoCoordinates",
    "location/geoCoordinates/altitude",
    "location/geoCoordinates/latitude",
    "location/geoCoordinates/longitude",
    "appliedConditionalAccessPolicies/*",
    "appliedConditionalAccessPolicies/*/id",
    "appliedConditionalAccessPolicies/*/displayName",
    "appliedConditionalAccessPolicies/*/enforcedGrantControls",
    "appliedConditionalAccessPolicies/*/enforcedSessionControls",
    "appliedConditionalAccessPolicies/*/result",
];

/// Paths below the top level of a v1.0 `directoryAudit`.
const DIRECTORY_AUDIT_NESTED: &[&str] = &[
    "initiatedBy/user",
    "initiatedBy/user/id",
    "initiatedBy/user/displayName",
    "initiatedBy/user/userPrincipalName",
    "initiatedBy/user/ipAddress",
    "initiatedBy/user/userType",
    "initiatedBy/user/homeTenantId",
    "initiatedBy/user/homeTenantName",
    "initiatedBy/app",
    "initiatedBy/app/appId",
    "initiatedBy/app/displayName",
    "initiatedBy/app/servicePrincipalId",
    "initiatedBy/app/servicePrincipalName",
    "targetResources/*",
    "targetResources/*/id",
    "targetResources/*/displayName",
    "targetResources/*/type",
    "targetResources/*/userPrincipalName",
    "targetResources/*/groupType",
    "targetResources/*/modifiedProperties",
    "targetResources/*/modifiedProperties/*",
    "targetResources/*/modifiedProperties/*/displayName",
    "targetResources/*/modifiedProperties/*/oldValue",
    "targetResources/*/modifiedProperties/*/newValue",
    "additionalDetails/*",
    "additionalDetails/*/key",
    "additionalDetails/*/value",
];

/// The known path `path` names in `paths`, where a number or `*` may stand for `*`.
pub fn known_path(paths: &[&'static str], path: &str) -> Option<&'static str> {
    let normalised: Vec<&str> = path
        .split('/')
        .map(|segment| {
            if segment == "*" || segment.parse::<usize>().is_ok() {
                "*"
            } else {
                segment
            }
        })
        .collect();
    let normalised = normalised.join("/");
    paths
        .iter()
        .find(|p| p.eq_ignore_ascii_case(&normalised))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_and_stars_name_collection_elements() {
        assert_eq!(
            known_path(&directory_audit_paths(), "targetResources/0/id"),
            Some("targetResources/*/id")
        );
        assert_eq!(
            known_path(&directory_audit_paths(), "targetResources/*/id"),
            Some("targetResources/*/id")
        );
        assert_eq!(
            known_path(&sign_in_paths(), "Status/ErrorCode"),
            Some("status/errorCode")
        );
        assert_eq!(known_path(&sign_in_paths(), "status/code"), None);
    }
}
