//! The direct answers against the layered lookup, record by record.

use super::*;
use crate::detect::event::RecordEvent;
use rsigma_eval::event::Event;
use std::path::Path;

/// The paths the shipped rules (tests/data/sigma), the scenarios' rules and SigmaHQ's Azure
/// sign-in, audit and risk rules use, then spellings that exercise the fallbacks: other cases,
/// `properties.` paths, paths no layer has, paths into arrays and dynamic columns.
const PATHS: &[&str] = &[
    // Used by rules.
    "ActivityDetails",
    "ActivityDisplayName",
    "ActivityType",
    "AuthenticationRequirement",
    "Category",
    "ClientApp",
    "ConsentContext.IsAdminConsent",
    "DeviceDetail.deviceId",
    "DeviceDetail.isCompliant",
    "DeviceDetail.trusttype",
    "IPAddress",
    "Initiatedby",
    "LoggedByService",
    "NetworkLocationDetails",
    "OperationName",
    "ResourceDisplayName",
    "Result",
    "ResultDescription",
    "ResultReason",
    "ResultType",
    "Resultdescription",
    "RiskEventType",
    "RiskState",
    "Status",
    "Target",
    "TargetResources",
    "TargetResources.ModifiedProperties.DisplayName",
    "TargetResources.ModifiedProperties.NewValue",
    "TargetResources.displayName",
    "TargetResources.id",
    "TargetResources.modifiedProperties",
    "TargetResources.modifiedProperties.displayName",
    "TargetResources.modifiedProperties.newValue",
    "TargetResources.modifiedProperties.oldValue",
    "TargetResources.userPrincipalName",
    "UserPrincipalName",
    "Username",
    "activityDisplayName",
    "activityType",
    "additionalDetails.additionalInfo",
    "additionalDetails.value",
    "callerIpAddress",
    "category",
    "clientAppUsed",
    "conditionalAccessStatus",
    "failure_status_reason",
    "loggedByService",
    "operationName",
    "properties.category",
    "properties.initiatedBy.app.displayName",
    "properties.initiatedBy.user.userPrincipalName",
    "properties.loggedByService",
    "properties.message",
    "properties.result",
    "properties.riskEventType",
    "properties.status.errorCode",
    "properties.targetResources",
    "result",
    "resultDescription",
    "resultType",
    "resulttype",
    "riskEventType",
    "status.errorCode",
    "targetResources.type",
    "userAgent",
    // Every accessor of the table, and its neighbours.
    "TenantId",
    "AADTenantId",
    "SourceSystem",
    "ResourceId",
    "OperationVersion",
    "ResultSignature",
    "DurationMs",
    "CorrelationId",
    "Resource",
    "ResourceGroup",
    "ResourceProvider",
    "Identity",
    "Level",
    "Location",
    "AppDisplayName",
    "AppId",
    "ClientAppUsed",
    "ConditionalAccessStatus",
    "IsInteractive",
    "Id",
    "RiskDetail",
    "RiskLevelAggregated",
    "RiskLevelDuringSignIn",
    "ResourceIdentity",
    "ServicePrincipalId",
    "ServicePrincipalName",
    "UserAgent",
    "UserDisplayName",
    "UserId",
    "ResourceTenantId",
    "HomeTenantId",
    "Type",
    "AADOperationType",
    "resourceId",
    "operationVersion",
    "tenantId",
    "resultSignature",
    "durationMs",
    "correlationId",
    "identity",
    "location",
    "time",
    "id",
    "userDisplayName",
    "userPrincipalName",
    "userId",
    "appId",
    "appDisplayName",
    "ipAddress",
    "isInteractive",
    "riskDetail",
    "riskLevelAggregated",
    "riskLevelDuringSignIn",
    "riskState",
    "resourceDisplayName",
    "homeTenantId",
    "resourceTenantId",
    "servicePrincipalId",
    "servicePrincipalName",
    "status.failureReason",
    "status.additionalDetails",
    "authenticationRequirement",
    "userType",
    "operationType",
    "resultReason",
    "properties.status.failureReason",
    "properties.userPrincipalName",
    "properties.authenticationRequirement",
    "properties.resultReason",
    "properties.id",
    "properties",
    "status",
    "deviceDetail",
    "deviceDetail.isCompliant",
    "location.countryOrRegion",
    "Status.errorCode",
    "Level.x",
    "category.x",
    "properties.nothing.here",
    // Other cases (the case-insensitive fallback).
    "resultdescription",
    "RESULTTYPE",
    "userprincipalname",
    "UserprincipalName",
    "ipaddress",
    "Ipaddress",
    "OPERATIONNAME",
    "operationname",
    "Operationname",
    "CATEGORY",
    "Useragent",
    "useragent",
    "Status.ErrorCode",
    "STATUS.errorCode",
    "Authenticationrequirement",
    "authenticationrequirement",
    "Loggedbyservice",
    "activitydisplayname",
    "Properties.result",
    "PROPERTIES.status.errorCode",
    "Callercallerip",
    "TARGETRESOURCES.modifiedProperties.newValue",
    "Id.x",
    "ID",
    "LEVEL",
    // Nowhere.
    "nothing",
    "no.such.path",
    "\u{0}entralab.category",
    "",
    ".",
    "a..b",
];

/// Records of library scenarios: interactive and non-interactive sign-ins, audits (SSPR,
/// directory changes), ID Protection's detections.
const SCENARIOS: &[&str] = &[
    "scenarios/user01-password-failures.yaml",
    "scenarios/user02-smart-lockout.yaml",
    "scenarios/user03-sspr.yaml",
    "scenarios/same-wrong-password.yaml",
    "scenarios/detections/account-created-and-deleted.yaml",
    "scenarios/detections/app-credential-after-admin-consent.yaml",
    "scenarios/detections/benign-admin-noise.yaml",
    "scenarios/detections/ca-policy-deleted.yaml",
    "scenarios/detections/conditional-access-block.yaml",
    "scenarios/identity-protection/lab-anonymous-travel-sspr.yaml",
    "scenarios/identity-protection/password-spray.yaml",
    "scenarios/identity-protection/atypical-travel.yaml",
    "scenarios/identity-protection/sign-in-risk-mfa.yaml",
];

/// Records per scenario compared (each builds its layers, slowly in a debug build).
const MAX_RECORDS: usize = 400;

#[test]
fn direct_answers_equal_the_layered_lookup() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut compared = 0;
    let mut direct_answers = 0;
    let mut kinds = [0usize; 3];
    for file in SCENARIOS {
        let scenario = crate::scenario::load_file(&root.join(file)).expect(file);
        let tenant_id = crate::sim::tenant_id(&scenario);
        let (items, risk) = crate::sim::risk::simulate_with_risk(&scenario);
        let records: Vec<Record> = items
            .filter_map(|item| item.record)
            .take(MAX_RECORDS)
            .collect();
        for record in &records {
            kinds[matches!(record, Record::Audit(_)) as usize] += 1;
            let event = RecordEvent::new(record, &tenant_id);
            if let Record::SignIn(_) = record {
                // Absence is decided from the key lists: every Graph key must be listed.
                for key in keys(event.layers().graph()) {
                    assert!(
                        SIGN_IN_PROPERTIES.contains(&key.as_str())
                            || BETA_SIGN_IN_PROPERTIES.contains(&key.as_str()),
                        "{file}: {key} is not listed"
                    );
                }
            }
            for path in PATHS {
                let answer = event.get_field(path);
                let layered = event.layered_field(path);
                assert_eq!(
                    answer,
                    layered,
                    "{file}: record {} path {path:?}",
                    record.id()
                );
                direct_answers += direct(record, &tenant_id, path).is_some() as usize;
                compared += 1;
            }
        }
        for detection in &risk.detections {
            kinds[2] += 1;
            let event = RecordEvent::risk_detection(detection, &tenant_id);
            for path in PATHS {
                assert_eq!(event.get_field(path), event.layered_field(path), "{path}");
            }
        }
    }
    assert!(
        kinds.iter().all(|&n| n > 0),
        "sign-ins, audits, risk: {kinds:?}"
    );
    // Most of the table answers directly (the rest are dynamic columns and arrays).
    assert!(
        direct_answers * 10 > compared * 7,
        "{direct_answers} direct of {compared}"
    );
}

/// Every path of [`PATHS`] answered alike by `record`'s event, with and without [`direct`].
fn assert_same(record: &Record, label: &str) {
    let event = RecordEvent::new(record, "t");
    for path in PATHS {
        assert_eq!(
            event.get_field(path),
            event.layered_field(path),
            "{label}: path {path:?}"
        );
    }
}

/// Absent properties: `null` in the Event Hub and Graph records, `""` in Log Analytics string
/// columns; a beta property is not there at all.
#[test]
fn records_with_every_optional_property_absent_answer_alike() {
    use crate::export::test_records::{sample_audit, sample_sign_in};
    let mut sign_in = sample_sign_in();
    assert_same(&Record::SignIn(Box::new(sign_in.clone())), "sample sign-in");
    sign_in.user_display_name = None;
    sign_in.user_principal_name = None;
    sign_in.user_id = None;
    sign_in.app_id = None;
    sign_in.app_display_name = None;
    sign_in.ip_address = None;
    sign_in.client_app_used = None;
    sign_in.correlation_id = None;
    sign_in.conditional_access_status = None;
    sign_in.is_interactive = None;
    sign_in.risk_detail = None;
    sign_in.risk_level_aggregated = None;
    sign_in.risk_level_during_sign_in = None;
    sign_in.risk_state = None;
    sign_in.resource_display_name = None;
    sign_in.resource_id = None;
    sign_in.status.failure_reason = None;
    sign_in.status.additional_details = None;
    sign_in.location.country_or_region = None;
    sign_in.home_tenant_id = None;
    sign_in.resource_tenant_id = None;
    sign_in.service_principal_id = None;
    sign_in.service_principal_name = None;
    sign_in.user_agent = None;
    sign_in.beta = Default::default();
    assert_same(&Record::SignIn(Box::new(sign_in)), "empty sign-in");
    let mut audit = sample_audit();
    assert_same(&Record::Audit(Box::new(audit.clone())), "sample audit");
    audit.category = None;
    audit.correlation_id = None;
    audit.result = None;
    audit.result_reason = None;
    audit.activity_display_name = None;
    audit.logged_by_service = None;
    audit.operation_type = None;
    audit.initiated_by = Default::default();
    assert_same(&Record::Audit(Box::new(audit)), "empty audit");
}

#[test]
fn a_record_with_unmodelled_properties_goes_to_the_layers() {
    let mut sign_in = crate::export::test_records::sample_sign_in();
    let record = Record::SignIn(Box::new(sign_in.clone()));
    assert!(direct(&record, "t", "ResultType").is_some());
    sign_in.unknown = crate::graph::UnknownProperties(Some(Box::new(
        serde_json::json!({ "resulttype": "x" })
            .as_object()
            .unwrap()
            .clone(),
    )));
    let record = Record::SignIn(Box::new(sign_in));
    assert!(direct(&record, "t", "ResultType").is_none());
    let event = RecordEvent::new(&record, "t");
    assert_eq!(
        event.get_field("ResultType"),
        event.layered_field("ResultType")
    );
}

fn keys(value: &serde_json::Value) -> Vec<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

/// Absence is decided from the key lists: they must name every key the exports write.
#[test]
fn the_key_lists_name_every_key_of_the_exports() {
    use crate::export::eventhub::{EventHubAudit, EventHubSignIn};
    use crate::export::test_records::{sample_audit, sample_sign_in};
    let sign_in = sample_sign_in();
    let eh = serde_json::to_value(EventHubSignIn {
        sign_in: &sign_in,
        tenant_id: "t",
        resource_id: "r",
    })
    .unwrap();
    assert_eq!(keys(&eh), EVENT_HUB_SIGN_IN_KEYS);
    for key in keys(&eh["properties"]) {
        assert!(
            SIGN_IN_PROPERTIES.contains(&key.as_str())
                || BETA_SIGN_IN_PROPERTIES.contains(&key.as_str()),
            "{key}"
        );
    }
    let audit = sample_audit();
    let eh = serde_json::to_value(EventHubAudit {
        audit: &audit,
        tenant_id: "t",
        resource_id: "r",
    })
    .unwrap();
    assert_eq!(keys(&eh), EVENT_HUB_AUDIT_KEYS);
    let mut graph = keys(&eh["properties"]);
    graph.sort();
    let mut listed: Vec<String> = DIRECTORY_AUDIT_PROPERTIES
        .iter()
        .chain(&["userAgent"])
        .map(|k| k.to_string())
        .collect();
    listed.sort();
    assert_eq!(graph, listed);
}
