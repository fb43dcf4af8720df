use super::*;
use crate::detect::RuleSet;
use crate::export::test_records::sample_sign_in;
use crate::graph::Timestamp;

const SCHEDULED: &str = r#"id: 11111111-2222-3333-4444-555555555555
name: Three lockouts in an hour
kind: Scheduled
severity: Medium
requiredDataConnectors:
  - connectorId: AzureActiveDirectory
    dataTypes: [SigninLogs]
queryFrequency: 1h
queryPeriod: 1h
triggerOperator: gt
triggerThreshold: 0
query: |
  SigninLogs
  | where ResultType == "50053"
  | summarize Lockouts = count() by UserPrincipalName
  | where Lockouts >= 3
"#;

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// `n` sign-ins with `code`, one a minute from `start` (Unix seconds).
fn sign_ins(start: i64, n: i64, code: i32) -> Vec<Record> {
    (0..n)
        .map(|i| {
            let mut s = sample_sign_in();
            s.created_date_time = Timestamp::from_unix_seconds(start + 60 * i);
            s.id = format!("id-{start}-{i}").as_str().into();
            s.status.error_code = code;
            Record::SignIn(Box::new(s))
        })
        .collect()
}

#[test]
fn durations_read_as_kql_timespans_or_iso_8601() {
    let hour = 3600 * TICKS_PER_SECOND;
    assert_eq!(parse_duration("1h"), Some(hour));
    assert_eq!(parse_duration("14d"), Some(14 * 24 * hour));
    assert_eq!(parse_duration("2H"), Some(2 * hour));
    assert_eq!(parse_duration("PT1H"), Some(hour));
    assert_eq!(parse_duration("P1DT30M"), Some(24 * hour + hour / 2));
    assert_eq!(parse_duration("P2W"), Some(14 * 24 * hour));
    assert_eq!(parse_duration("soon"), None);
    assert_eq!(parse_duration("PT5"), None);
}

#[test]
fn sentinel_files_are_told_from_sigma_by_their_keys() {
    assert!(is_sentinel(SCHEDULED));
    assert!(!is_sentinel(
        "title: x\nlogsource: {product: azure}\ndetection: {s: {a: 1}, condition: s}\n"
    ));
    // A Sigma rule that mentions `query:` inside its detection is still Sigma.
    assert!(!is_sentinel("title: x\ndetection:\n  query: 1\n"));
}

#[test]
fn a_rule_runs_every_frequency_over_its_period_and_fires_on_the_trigger() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "lockouts.yaml", SCHEDULED);
    let rules = RuleSet::load(dir.path()).unwrap();
    assert!(
        rules.not_applicable.is_empty(),
        "{:?}",
        rules.not_applicable
    );
    let info = &rules.rules[0];
    assert_eq!(
        (
            info.title.as_str(),
            info.kind.as_str(),
            info.service.as_str()
        ),
        ("Three lockouts in an hour", "scheduled", "signinlogs")
    );
    // Four lockouts in the first hour, two in the third: the runs whose hour holds the first
    // burst fire (once), the second burst is below the threshold.
    let start = 1_700_000_000;
    let mut records = sign_ins(start, 4, 50053);
    records.extend(sign_ins(start + 2 * 3600, 2, 50053));
    records.extend(sign_ins(start + 3 * 3600, 1, 0));
    let results = rules.evaluate(&records, "tenant");
    assert_eq!((results[0].fired, results[0].matches), (true, 1));
    assert!(results[0].error.is_none());
}

#[test]
fn the_trigger_threshold_counts_rows() {
    let dir = tempfile::tempdir().unwrap();
    let text = SCHEDULED
        .replace("| where Lockouts >= 3\n", "")
        .replace("triggerThreshold: 0", "triggerThreshold: 1");
    write(dir.path(), "rule.yaml", &text);
    let rules = RuleSet::load(dir.path()).unwrap();
    let mut records = sign_ins(1_700_000_000, 3, 50053);
    // One user: one row, not more than 1.
    assert!(!rules.evaluate(&records, "t")[0].fired);
    if let Record::SignIn(s) = &mut records[2] {
        s.user_principal_name = Some("someone.else@contoso.com".into());
    }
    assert!(rules.evaluate(&records, "t")[0].fired);
}

#[test]
fn an_nrt_rule_runs_each_minute_over_the_minute_before() {
    let dir = tempfile::tempdir().unwrap();
    let text = "id: nrt-1\nname: Any lockout\nkind: NRT\nquery: |\n  SigninLogs | where ResultType == 50053\n";
    write(dir.path(), "nrt.yaml", text);
    let rules = RuleSet::load(dir.path()).unwrap();
    assert_eq!(rules.rules[0].kind, "nrt");
    let records = sign_ins(1_700_000_000, 5, 50053);
    let result = &rules.evaluate(&records, "t")[0];
    // A lockout a minute: one run a minute sees one each.
    assert_eq!(result.matches, 5);
    assert_eq!(result.record_ids.len(), 5);
}

#[test]
fn rules_over_tables_or_kql_entralab_lacks_cannot_run_and_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let rule = |query: &str| {
        SCHEDULED.replace(
        "query: |\n  SigninLogs\n  | where ResultType == \"50053\"\n  | summarize Lockouts = count() by UserPrincipalName\n  | where Lockouts >= 3\n",
        &format!("query: |\n  {query}\n"),
    )
    };
    write(dir.path(), "a.yaml", &rule("IdentityInfo | take 1"));
    write(
        dir.path(),
        "b.yaml",
        &rule("SigninLogs | evaluate bag_unpack(Status)"),
    );
    write(
        dir.path(),
        "c.yaml",
        &rule("SigninLogs | where NoSuchColumn == 1"),
    );
    write(
        dir.path(),
        "d.yaml",
        &SCHEDULED.replace("kind: Scheduled", "kind: Fusion"),
    );
    write(
        dir.path(),
        "e.yaml",
        &SCHEDULED.replace("queryPeriod: 1h", "queryPeriod: often"),
    );
    let rules = RuleSet::load(dir.path()).unwrap();
    assert!(rules.rules.is_empty());
    let found: Vec<(&str, &str)> = rules
        .not_applicable
        .iter()
        .map(|n| (n.kind, n.reason.as_str()))
        .collect();
    assert_eq!(
        found[0],
        (
            "table",
            "reads `IdentityInfo`, a table entralab does not produce (--empty-table declares it)"
        )
    );
    assert_eq!(found[1].0, "unsupported");
    assert!(found[1].1.contains("evaluate"), "{}", found[1].1);
    assert_eq!(found[2].0, "query");
    assert_eq!(found[3].0, "kind");
    assert_eq!(
        found[4],
        ("parse", "`queryPeriod: often` is not a duration")
    );
    assert!(!rules.not_applicable[0].is_broken() && rules.not_applicable[1].is_broken());
}

#[test]
fn a_rule_joining_a_table_declared_empty_runs_and_fires_on_the_entra_rows() {
    let dir = tempfile::tempdir().unwrap();
    let text = SCHEDULED.replace(
        "  | where Lockouts >= 3\n",
        "  | where Lockouts >= 3\n  | join kind=leftouter (DeviceInfo | project UserPrincipalName = LoggedOnUser, DeviceName) on UserPrincipalName\n",
    );
    write(dir.path(), "enriched.yaml", &text);
    let start = 1_700_000_000;
    let records = sign_ins(start, 4, 50053);

    // Without the table, the rule cannot run, and says which table and how to declare it.
    let rules = RuleSet::load(dir.path()).unwrap();
    assert!(rules.rules.is_empty());
    let why = &rules.not_applicable[0];
    assert_eq!(why.kind, "table");
    assert!(why.reason.contains("`DeviceInfo`"), "{}", why.reason);
    assert!(why.reason.contains("--empty-table"), "{}", why.reason);

    // Declared present but empty, it runs, and the enrichment finds nothing.
    let declared =
        crate::kql::EmptyTable::parse("DeviceInfo(LoggedOnUser:string, DeviceName:string)")
            .unwrap();
    let rules = RuleSet::load_all_with(&[dir.path().to_path_buf()], &[declared]).unwrap();
    assert!(
        rules.not_applicable.is_empty(),
        "{:?}",
        rules.not_applicable
    );
    let result = &rules.evaluate(&records, "tenant")[0];
    assert!(result.error.is_none(), "{:?}", result.error);
    assert_eq!((result.fired, result.matches), (true, 1));
}
