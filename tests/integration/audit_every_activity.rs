//! tests/data/every-audit-activity.yaml writes one row of every activity of the audit
//! catalogue: the test walks the catalogue, so an activity added without a step there fails
//! here. The same tenant is what the Python Graph SDK parses (real_clients.rs).

use entralab::catalog::audit::{AuditActivity, activities, activity_names};
use entralab::graph::{DirectoryAudit, Record};
use entralab::sim;

const SCENARIO: &str = "tests/data/every-audit-activity.yaml";
const SSPR: &str = "Self-service Password Management";

fn audits() -> Vec<DirectoryAudit> {
    let scenario = crate::records::load(SCENARIO);
    sim::simulate(&scenario)
        .filter_map(|item| match item.record {
            Some(Record::Audit(row)) => Some(*row),
            _ => None,
        })
        .collect()
}

/// Whether `row` is a row of `activity`: its four constant strings and its target types.
fn is_row_of(row: &DirectoryAudit, activity: &AuditActivity) -> bool {
    let types: Vec<&str> = row
        .target_resources
        .iter()
        .map(|t| t.resource_type.as_deref().unwrap_or(""))
        .collect();
    let wanted: Vec<&str> = activity.targets.iter().map(|t| t.wire()).collect();
    row.activity_display_name.as_deref() == Some(activity.display_name)
        && row.category.as_deref() == Some(activity.category)
        && row.logged_by_service.as_deref() == Some(activity.service)
        && row.operation_type.as_deref() == Some(activity.operation_type)
        && types == wanted
}

#[test]
fn the_scenario_writes_a_successful_row_of_every_catalogue_activity() {
    let rows = audits();
    let successes: Vec<&DirectoryAudit> = rows
        .iter()
        .filter(|r| r.result.as_deref() == Some("success"))
        .collect();
    let missing: Vec<&str> = activities()
        .filter(|a| !successes.iter().any(|r| is_row_of(r, a)))
        .map(|a| a.key)
        .collect();
    assert!(
        missing.is_empty(),
        "no successful row of {missing:?}: add a step to {SCENARIO}"
    );
    // With the SSPR service's three: every activityDisplayName entralab writes.
    let names: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.activity_display_name.as_deref())
        .collect();
    let unwritten: Vec<&&str> = activity_names()
        .iter()
        .filter(|n| !names.contains(n))
        .collect();
    assert!(
        unwritten.is_empty(),
        "{unwritten:?} not written by {SCENARIO}"
    );
    assert_eq!(activity_names().len(), 66);
    // Nothing is written that the catalogue does not know.
    for row in rows
        .iter()
        .filter(|r| r.logged_by_service.as_deref() != Some(SSPR))
    {
        assert!(
            activities().any(|a| is_row_of(row, a)),
            "{:?} is in no catalogue entry",
            row.activity_display_name
        );
    }
}

/// The directory steps that fail (the SSPR block's failures are the seed lab's).
#[test]
fn the_failures_write_their_first_row_with_the_reason() {
    let failures: Vec<(String, String)> = audits()
        .iter()
        .filter(|r| r.result.as_deref() == Some("failure"))
        .filter(|r| r.logged_by_service.as_deref() != Some(SSPR))
        .map(|r| {
            (
                r.activity_display_name
                    .as_deref()
                    .unwrap_or_default()
                    .to_string(),
                r.result_reason.as_deref().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let pairs: Vec<(&str, &str)> = failures
        .iter()
        .map(|(a, r)| (a.as_str(), r.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("Invite external user", "The invitation could not be sent."),
            (
                "Add member to role",
                "Insufficient privileges to complete the operation."
            ),
            (
                "Consent to application",
                "Microsoft.Online.Security.UserConsentBlockedForRiskyAppsException"
            ),
            (
                "Delete user",
                "Insufficient privileges to complete the operation."
            ),
        ]
    );
}

/// A deleted user's sign-in is 50034 with no user id; restored, the user signs in again.
#[test]
fn the_deleted_users_sign_in_is_50034_until_the_restore() {
    let scenario = crate::records::load(SCENARIO);
    let dan: Vec<(i32, bool)> = sim::simulate(&scenario)
        .filter_map(|item| match item.record {
            Some(Record::SignIn(row)) => Some(*row),
            _ => None,
        })
        .filter(|r| r.user_principal_name.as_deref() == Some("dan@contoso-lab-f9.onmicrosoft.com"))
        .map(|r| (r.status.error_code, r.user_id.is_some()))
        .collect();
    assert_eq!(dan, [(50034, false), (0, true)]);
}
