//! Every field path of the Graph records, as expectations and people name them
//! (`status/errorCode`, `targetResources/*/id`). `*` stands for any element of a collection.

/// Paths of a v1.0 `signIn`.
pub const SIGN_IN_PATHS: &[&str] = &[
    "id",
    "createdDateTime",
    "userDisplayName",
    "userPrincipalName",
    "userId",
    "appId",
    "appDisplayName",
    "ipAddress",
    "clientAppUsed",
    "correlationId",
    "conditionalAccessStatus",
    "isInteractive",
    "riskDetail",
    "riskLevelAggregated",
    "riskLevelDuringSignIn",
    "riskState",
    "riskEventTypes",
    "riskEventTypes/*",
    "riskEventTypes_v2",
    "riskEventTypes_v2/*",
    "resourceDisplayName",
    "resourceId",
    "status",
    "status/errorCode",
    "status/failureReason",
    "status/additionalDetails",
    "deviceDetail",
    "deviceDetail/deviceId",
    "deviceDetail/displayName",
    "deviceDetail/operatingSystem",
    "deviceDetail/browser",
    "deviceDetail/isCompliant",
    "deviceDetail/isManaged",
    "deviceDetail/trustType",
    "location",
    "location/city",
    "location/state",
    "location/countryOrRegion",
    "location/geoCoordinates",
    "location/geoCoordinates/altitude",
    "location/geoCoordinates/latitude",
    "location/geoCoordinates/longitude",
    "appliedConditionalAccessPolicies",
    "appliedConditionalAccessPolicies/*",
    "appliedConditionalAccessPolicies/*/id",
    "appliedConditionalAccessPolicies/*/displayName",
    "appliedConditionalAccessPolicies/*/enforcedGrantControls",
    "appliedConditionalAccessPolicies/*/enforcedSessionControls",
    "appliedConditionalAccessPolicies/*/result",
    "authenticationAppDeviceDetails",
    "homeTenantId",
    "resourceTenantId",
    "servicePrincipalId",
    "servicePrincipalName",
    "userAgent",
];

/// Paths of a v1.0 `directoryAudit`.
pub const DIRECTORY_AUDIT_PATHS: &[&str] = &[
    "id",
    "category",
    "correlationId",
    "result",
    "resultReason",
    "activityDisplayName",
    "activityDateTime",
    "loggedByService",
    "operationType",
    "initiatedBy",
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
    "targetResources",
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
    "additionalDetails",
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
            known_path(DIRECTORY_AUDIT_PATHS, "targetResources/0/id"),
            Some("targetResources/*/id")
        );
        assert_eq!(
            known_path(DIRECTORY_AUDIT_PATHS, "targetResources/*/id"),
            Some("targetResources/*/id")
        );
        assert_eq!(
            known_path(SIGN_IN_PATHS, "Status/ErrorCode"),
            Some("status/errorCode")
        );
        assert_eq!(known_path(SIGN_IN_PATHS, "status/code"), None);
    }
}
