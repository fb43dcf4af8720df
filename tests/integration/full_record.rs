//! A sign-in and an audit with every property set to something other than its default (v1.0,
//! beta, nested properties entralab has no field for, top-level ones it does not know) written
//! in every format and read back: each format keeps all of it but for its documented losses.

use entralab::export::{ExportOptions, Format, export_all};
use entralab::graph::{ApiVersion, DirectoryAudit, Record, SignIn};
use entralab::logfiles;
use std::path::PathBuf;

const SIGN_IN: &str = r#"{"id":"f0000000-0000-4000-8000-0000000000aa","createdDateTime":"2025-03-17T15:08:07.1234567Z","userDisplayName":"ユーザ01","userPrincipalName":"user01@xxx.onmicrosoft.com","userId":"f0000000-0000-4000-8000-000000000001","appId":"4765445b-32c6-49b0-83e6-1d93765276ca","appDisplayName":"OfficeHome","ipAddress":"203.0.113.10","clientAppUsed":"Mobile Apps and Desktop clients","correlationId":"f0000000-0000-4000-8000-0000000000cc","conditionalAccessStatus":"success","isInteractive":true,"riskDetail":"userPassedMFADrivenByRiskBasedPolicy","riskLevelAggregated":"medium","riskLevelDuringSignIn":"high","riskState":"remediated","riskEventTypes":["unfamiliarFeatures"],"riskEventTypes_v2":["unfamiliarFeatures"],"resourceDisplayName":"Office 365 SharePoint Online","resourceId":"00000003-0000-0ff1-ce00-000000000000","status":{"errorCode":0,"failureReason":"Other.","additionalDetails":"MFA completed in Azure AD"},"deviceDetail":{"deviceId":"f0000000-0000-4000-8000-0000000000dd","displayName":"TOKYO-PC-0042","operatingSystem":"Windows10","browser":"Edge 134.0.0","isCompliant":true,"isManaged":true,"trustType":"Hybrid Azure AD joined"},"location":{"city":"Tokyo","state":"Tokyo","countryOrRegion":"JP","geoCoordinates":{"altitude":40.5,"latitude":35.68949890136719,"longitude":139.69169616699219}},"appliedConditionalAccessPolicies":[{"id":"0c0a0000-0000-4000-8000-000000000001","displayName":"Require MFA","enforcedGrantControls":["Mfa"],"enforcedSessionControls":["SignInFrequency"],"result":"success","conditionsSatisfied":3,"conditionsNotSatisfied":0}],"authenticationAppDeviceDetails":{"appVersion":"6.8","operatingSystem":"iOS"},"homeTenantId":"e17a1ab0-0000-4000-8000-000000000001","resourceTenantId":"e17a1ab0-0000-4000-8000-000000000009","servicePrincipalId":"f0000000-0000-4000-8000-0000000000ee","servicePrincipalName":"sp","userAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64)","signInEventTypes":["interactiveUser"],"userType":"guest","authenticationRequirement":"multiFactorAuthentication","authenticationRequirementPolicies":[{"requirementProvider":"multiConditionalAccess","detail":"Conditional Access"}],"authenticationDetails":[{"authenticationStepDateTime":"2025-03-17T15:08:01Z","authenticationMethod":"Password","authenticationMethodDetail":"Password in the cloud","succeeded":true,"authenticationStepResultDetail":"Correct password","authenticationStepRequirement":"Primary authentication","RequestSequence":1},{"authenticationStepDateTime":"2025-03-17T15:08:07Z","authenticationMethod":"Text message","authenticationMethodDetail":"+X XXXXXXXX64","succeeded":true,"authenticationStepResultDetail":"MFA completed in Azure AD","authenticationStepRequirement":"Multi-factor authentication"}],"authenticationMethodsUsed":["Password","Text message"],"authenticationProtocol":"oAuth2","authenticationProcessingDetails":[{"key":"Is CAE Token","value":"True"}],"mfaDetail":{"authMethod":"Text message","authDetail":"+X XXXXXXXX64"},"tokenIssuerType":"ADFederationServices","tokenIssuerName":"sts.contoso.com","crossTenantAccessType":"b2bCollaboration","incomingTokenType":"primaryRefreshToken","isTenantRestricted":true,"flaggedForReview":true,"processingTimeInMilliseconds":761,"networkLocationDetails":[{"networkType":"trustedNamedLocation","networkNames":["Tokyo office"]}],"sessionLifetimePolicies":[{"expirationRequirement":"signInFrequencyPeriodicReauthentication","detail":"sign-in frequency"}],"originalRequestId":"f0000000-0000-4000-8000-0000000000ab","uniqueTokenIdentifier":"AbCdEf012345","autonomousSystemNumber":2516,"clientCredentialType":"clientSecret","sessionId":"f0000000-0000-4000-8000-0000000000ff","privateLinkDetails":{"policyId":"p"}}"#;

const AUDIT: &str = r#"{"id":"Directory_f0000000-0000-4000-8000-0000000000aa_ABCDE_12345678","category":"RoleManagement","correlationId":"f0000000-0000-4000-8000-0000000000cc","result":"failure","resultReason":"Microsoft.Online.Workflows.ObjectAlreadyExistsException","activityDisplayName":"Add member to role","activityDateTime":"2025-03-17T15:08:07.1234567Z","loggedByService":"Core Directory","operationType":"Assign","initiatedBy":{"app":null,"user":{"id":"f0000000-0000-4000-8000-000000000001","displayName":"Admin","userPrincipalName":"admin@xxx.onmicrosoft.com","ipAddress":"203.0.113.10","userType":null,"homeTenantId":null,"homeTenantName":null,"roles":"admin"}},"targetResources":[{"id":"f0000000-0000-4000-8000-000000000002","displayName":"Mallory","type":"User","userPrincipalName":"mallory@xxx.onmicrosoft.com","groupType":null,"modifiedProperties":[{"displayName":"Role.DisplayName","oldValue":null,"newValue":"\"Global Administrator\""}],"administrativeUnits":[]}],"additionalDetails":[{"key":"UserAgent","value":"Mozilla/5.0"}],"userAgent":"Mozilla/5.0"}"#;

fn records() -> (SignIn, DirectoryAudit) {
    let (Record::SignIn(s), Record::Audit(a)) = (
        logfiles::read_slice("s.json", SIGN_IN.as_bytes())
            .unwrap()
            .remove(0),
        logfiles::read_slice("a.json", AUDIT.as_bytes())
            .unwrap()
            .remove(0),
    ) else {
        panic!("a sign-in and an audit");
    };
    (*s, *a)
}

fn round_trip(format: Format, api: ApiVersion, only: &str) -> (SignIn, DirectoryAudit) {
    let (s, a) = records();
    let dir = tempfile::tempdir().unwrap();
    let options = ExportOptions {
        tenant_id: "e17a1ab0-0000-4000-8000-000000000001".into(),
        api,
    };
    let summary = export_all(
        format,
        dir.path(),
        &options,
        [Record::SignIn(Box::new(s)), Record::Audit(Box::new(a))],
    )
    .unwrap();
    let files: Vec<PathBuf> = summary
        .files
        .into_iter()
        .filter(|f| f.to_string_lossy().ends_with(only))
        .collect();
    let mut read: Vec<Record> = files
        .iter()
        .flat_map(|f| logfiles::read_path(f).unwrap())
        .collect();
    read.sort_by_key(|r| matches!(r, Record::Audit(_)));
    let [Record::SignIn(s), Record::Audit(a)] = <[Record; 2]>::try_from(read).unwrap() else {
        panic!("a sign-in and an audit back")
    };
    (*s, *a)
}

#[test]
fn the_reader_keeps_every_property_of_the_file() {
    let (s, a) = records();
    assert_eq!(
        s.beta.authentication_requirement.as_deref(),
        Some("multiFactorAuthentication")
    );
    assert_eq!(s.beta.autonomous_system_number, Some(2516));
    assert_eq!(
        s.unknown.iter().count(),
        2,
        "sessionId and privateLinkDetails"
    );
    assert_eq!(s.applied_conditional_access_policies[0].other.len(), 2);
    assert_eq!(
        s.beta.authentication_details.as_ref().unwrap()[0]
            .other
            .len(),
        1
    );
    assert_eq!(
        a.initiated_by
            .user
            .as_ref()
            .unwrap()
            .other
            .get("roles")
            .unwrap(),
        "admin"
    );
    assert_eq!(a.target_resources[0].other.len(), 1);
    assert_eq!(a.unknown.iter().count(), 1, "userAgent");
}

#[test]
fn event_hub_keeps_everything_and_beta_all_but_the_v1_only_property() {
    let expected = records();
    assert_eq!(
        round_trip(Format::EventHub, ApiVersion::V1, ".json"),
        expected
    );
    // Beta has `riskEventTypes_v2` only (reference graph-api.md 1.4).
    let (mut s, a) = expected;
    s.risk_event_types.clear();
    for (format, only) in [(Format::Graph, ".json"), (Format::Ndjson, ".ndjson")] {
        assert_eq!(
            round_trip(format, ApiVersion::Beta, only),
            (s.clone(), a.clone()),
            "{format}"
        );
    }
}

#[test]
fn v1_keeps_the_v1_properties() {
    let (mut s, mut a) = records();
    s.beta = Default::default();
    s.unknown = Default::default();
    a.unknown = Default::default();
    for format in [Format::Graph, Format::Ndjson] {
        assert_eq!(
            round_trip(format, ApiVersion::V1, ""),
            (s.clone(), a.clone()),
            "{format}"
        );
    }
}

#[test]
fn log_analytics_keeps_what_its_columns_hold() {
    let (mut s, mut a) = records();
    // No column for these (src/export/loganalytics.rs).
    s.authentication_app_device_details = None;
    s.beta.client_credential_type = None;
    s.beta.is_tenant_restricted = None;
    s.unknown = Default::default();
    a.unknown = Default::default();
    for (only, csv) in [(".ndjson", false), (".csv", true)] {
        let (mut got_s, mut got_a) = round_trip(Format::LogAnalytics, ApiVersion::V1, only);
        if csv {
            // The portal's CSV keeps milliseconds.
            let millis = |t: entralab::graph::Timestamp| {
                entralab::graph::Timestamp::from_ticks(t.ticks() - t.ticks().rem_euclid(10_000))
            };
            assert_eq!(got_s.created_date_time, millis(s.created_date_time));
            assert_eq!(got_a.activity_date_time, millis(a.activity_date_time));
            got_s.created_date_time = s.created_date_time;
            got_a.activity_date_time = a.activity_date_time;
        }
        assert_eq!((got_s, got_a), (s.clone(), a.clone()), "{only}");
    }
}
