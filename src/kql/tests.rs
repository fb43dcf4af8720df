//! Engine tests: queries over small `datatable`s and over a shipped lab, asserting the rows.

use super::*;
use crate::scenario;

/// Rows as `a | b | c` lines, the header first.
fn lines(table: &Table) -> Vec<String> {
    let mut out = vec![table.column_names().collect::<Vec<_>>().join(" | ")];
    for row in &table.rows {
        out.push(
            row.iter()
                .map(Value::to_text)
                .collect::<Vec<_>>()
                .join(" | "),
        );
    }
    out
}

fn query(catalog: &Catalog, text: &str) -> Vec<String> {
    match run(text, catalog, None) {
        Ok(t) => lines(&t),
        Err(e) => panic!("{}", e.render(text)),
    }
}

fn q(text: &str) -> Vec<String> {
    query(&Catalog::new(), text)
}

fn fails(text: &str) -> KqlError {
    run(text, &Catalog::new(), None).expect_err(text)
}

/// The records of a shipped scenario, as a workspace.
fn lab(file: &str) -> Catalog {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    let scenario = scenario::load_file(&path).expect("the lab loads");
    let tenant = crate::sim::tenant_id(&scenario);
    let mut catalog = Catalog::new();
    for record in crate::sim::simulate(&scenario).filter_map(|i| i.record) {
        catalog.push(&record, &tenant);
    }
    catalog
}

const EVENTS: &str = r#"let Events = datatable(User:string, Code:string, At:datetime, Ip:string, Tags:dynamic) [
    "ann", "50126", datetime(2025-03-17 15:00:00), "203.0.113.10", dynamic(["a", "b"]),
    "ann", "50126", datetime(2025-03-17 15:00:30), "203.0.113.10", dynamic([]),
    "bob", "0", datetime(2025-03-17 15:01:00), "10.0.0.5", dynamic({"k": 1, "m": 2}),
    "ann", "50053", datetime(2025-03-17 15:05:00), "203.0.113.11", dynamic(null),
    "cat", "0", datetime(2025-03-17 16:10:00), "10.0.0.6", dynamic(["c"])
];
"#;

fn events(text: &str) -> Vec<String> {
    q(&format!("{EVENTS}{text}"))
}

#[test]
fn lockouts_by_user_on_user02s_lab() {
    let catalog = lab("user02-smart-lockout.yaml");
    assert_eq!(
        query(
            &catalog,
            "SigninLogs | where ResultType == 50053 | summarize count() by UserPrincipalName"
        ),
        [
            "UserPrincipalName | count_",
            "user02@xxx.onmicrosoft.com | 2"
        ]
    );
    // ResultType is a string column: "50053" and 50053 select the same rows.
    assert_eq!(
        query(
            &catalog,
            "SigninLogs | where ResultType == \"50053\" | count"
        ),
        query(&catalog, "SigninLogs | where ResultType == 50053 | count")
    );
    // Dynamic columns are reachable by path, and `now()` is the end of the data.
    assert_eq!(
        query(
            &catalog,
            "SigninLogs | where TimeGenerated > ago(1h) and Status.errorCode == 50126 | summarize n = count(), browsers = make_set(tostring(DeviceDetail.browser)) | project n, array_length(browsers)"
        ),
        ["n | Column1", "6 | 1"]
    );
}

#[test]
fn summarize_names_and_aggregates() {
    assert_eq!(
        events(
            "Events | summarize count(), dcount(Ip), make_set(Code), countif(Code != \"0\"), arg_max(At, Ip), avg(strlen(User)) by User"
        ),
        [
            "User | count_ | dcount_Ip | set_Code | countif_ | At | Ip | avg_",
            "ann | 3 | 2 | [\"50126\",\"50053\"] | 3 | 2025-03-17T15:05:00Z | 203.0.113.11 | 3",
            "bob | 1 | 1 | [\"0\"] | 0 | 2025-03-17T15:01:00Z | 10.0.0.5 | 3",
            "cat | 1 | 1 | [\"0\"] | 0 | 2025-03-17T16:10:00Z | 10.0.0.6 | 3",
        ]
    );
    assert_eq!(
        events(
            "Events | summarize Failures = countif(Code != \"0\") by bin(At, 1h) | extend Share = Failures * 100 / 3"
        ),
        [
            "At | Failures | Share",
            "2025-03-17T15:00:00Z | 3 | 100",
            "2025-03-17T16:00:00Z | 0 | 0",
        ]
    );
    assert_eq!(
        events("Events | summarize arg_max(At, *) by User | project User, Code, Ip"),
        [
            "User | Code | Ip",
            "ann | 50053 | 203.0.113.11",
            "bob | 0 | 10.0.0.5",
            "cat | 0 | 10.0.0.6",
        ]
    );
    assert_eq!(
        q(
            "range x from 1 to 10 step 1 | summarize percentile(x, 90), p50 = percentile(x, 50), stdev(x), variance(x)"
        ),
        [
            "percentile_x_90 | p50 | stdev_x | variance_x",
            "9 | 5 | 3.0276503540974917 | 9.166666666666666"
        ]
    );
    // Expressions over aggregates, and summarize without rows or keys.
    assert_eq!(
        events(
            "Events | where User == \"nobody\" | summarize n = count(), rate = 1.0 * countif(Code == \"0\") / count()"
        ),
        ["n | rate", "0 | "]
    );
}

#[test]
fn lets_functions_and_subqueries() {
    assert_eq!(
        events(
            r#"let threshold = 2;
            let failing = (T:(*), code:string) { T | where Code == code };
            let isPrivate = (ip:string) { ipv4_is_private(ip) };
            failing(Events, "50126")
            | summarize n = count() by User
            | where n >= threshold
            | extend Private = isPrivate("10.1.1.1"), Total = toscalar(Events | count)"#
        ),
        ["User | n | Private | Total", "ann | 2 | true | 5"]
    );
    assert_eq!(
        events(
            "Events | where User in ((Events | where Code == \"0\" | distinct User)) | project User"
        ),
        ["User", "bob", "cat"]
    );
    assert_eq!(
        events("let Names = Events | distinct User; Events | where User !in (Names) | count"),
        ["Count", "0"]
    );
    let catalog = lab("user01-password-failures.yaml");
    assert_eq!(
        query(
            &catalog,
            "let f = (t:string) { table(t) | count }; union f(\"SigninLogs\"), f(\"AuditLogs\")"
        ),
        ["Count", "4", "0"]
    );
}

#[test]
fn joins_of_every_kind() {
    let tables = r#"let L = datatable(k:string, l:long) ["a", 1, "b", 2, "b", 3, "c", 4];
        let R = datatable(k:string, r:long) ["b", 20, "b", 21, "d", 40];
        "#;
    let join = |kind: &str| q(&format!("{tables}L | join kind={kind} R on k"));
    assert_eq!(
        join("inner"),
        [
            "k | l | k1 | r",
            "b | 2 | b | 20",
            "b | 2 | b | 21",
            "b | 3 | b | 20",
            "b | 3 | b | 21"
        ]
    );
    assert_eq!(
        join("innerunique"),
        ["k | l | k1 | r", "b | 2 | b | 20", "b | 2 | b | 21"]
    );
    assert_eq!(
        join("leftouter"),
        [
            "k | l | k1 | r",
            "a | 1 |  | ",
            "b | 2 | b | 20",
            "b | 2 | b | 21",
            "b | 3 | b | 20",
            "b | 3 | b | 21",
            "c | 4 |  | "
        ]
    );
    assert_eq!(join("leftanti"), ["k | l", "a | 1", "c | 4"]);
    assert_eq!(join("leftsemi"), ["k | l", "b | 2", "b | 3"]);
    assert_eq!(join("rightanti"), ["k | r", "d | 40"]);
    assert_eq!(join("rightsemi"), ["k | r", "b | 20", "b | 21"]);
    assert_eq!(join("fullouter").len(), 8);
    assert_eq!(
        q(&format!(
            "{tables}L | join kind=inner (R | project kk = k, r) on $left.k == $right.kk | project l, r"
        )),
        ["l | r", "2 | 20", "2 | 21", "3 | 20", "3 | 21"]
    );
    assert_eq!(
        q(&format!(
            "{tables}L | lookup (R | summarize r = max(r) by k) on k"
        )),
        [
            "k | l | r",
            "a | 1 | ",
            "b | 2 | 21",
            "b | 3 | 21",
            "c | 4 | "
        ]
    );
}

#[test]
fn union_expand_apply_and_parse() {
    assert_eq!(
        events(
            "union withsource=Src (Events | take 1 | project User), (print User = \"zed\", Extra = 1)"
        ),
        ["Src | User | Extra", " | ann | ", " | zed | 1"]
    );
    assert_eq!(
        events("Events | mv-expand Tag = Tags | project User, Tag"),
        [
            "User | Tag",
            "ann | a",
            "ann | b",
            "bob | {\"k\":1}",
            "bob | {\"m\":2}",
            "ann | ",
            "cat | c"
        ]
    );
    assert_eq!(
        events(
            "Events | mv-apply t = Tags to typeof(string) on (summarize tags = make_list(t)) | project User, tags"
        ),
        [
            "User | tags",
            "ann | [\"a\",\"b\"]",
            "ann | []",
            "bob | [\"{\\\"k\\\":1}\",\"{\\\"m\\\":2}\"]",
            "ann | []",
            "cat | [\"c\"]"
        ]
    );
    assert_eq!(
        q(
            "print Text = \"user=bob ip=10.0.0.1 port=443\" | parse Text with \"user=\" User \" ip=\" Ip \" port=\" Port:long | project User, Ip, Port"
        ),
        ["User | Ip | Port", "bob | 10.0.0.1 | 443"]
    );
}

#[test]
fn functions_of_the_row_order() {
    assert_eq!(
        events(
            "Events | sort by User asc, At asc | extend Previous = prev(Code, 1, \"-\"), Next = next(User), N = row_number(), Session = row_window_session(At, 1h, 2m, User != prev(User)) | project User, Code, Previous, Next, N, Session"
        ),
        [
            "User | Code | Previous | Next | N | Session",
            "ann | 50126 | - | ann | 1 | 2025-03-17T15:00:00Z",
            "ann | 50126 | 50126 | ann | 2 | 2025-03-17T15:00:00Z",
            "ann | 50053 | 50126 | bob | 3 | 2025-03-17T15:05:00Z",
            "bob | 0 | 50053 | cat | 4 | 2025-03-17T15:01:00Z",
            "cat | 0 | 0 |  | 5 | 2025-03-17T16:10:00Z",
        ]
    );
    assert_eq!(
        q(
            "range x from 1 to 5 step 1 | extend s = row_cumsum(x, x == 4) | where prev(s) >= 3 | project x, s"
        ),
        ["x | s", "3 | 6", "4 | 4", "5 | 9"]
    );
}

#[test]
fn shaping_operators() {
    assert_eq!(
        events("Events | top 2 by At desc | project User, At"),
        [
            "User | At",
            "cat | 2025-03-17T16:10:00Z",
            "ann | 2025-03-17T15:05:00Z"
        ]
    );
    assert_eq!(
        events(
            "Events | extend n = iff(Code == \"0\", long(null), strlen(User)) | sort by n asc, User desc | project User, n"
        ),
        [
            "User | n", "cat | ", "bob | ", "ann | 3", "ann | 3", "ann | 3"
        ]
    );
    assert_eq!(
        events("Events | distinct User, Code | count"),
        ["Count", "4"]
    );
    assert_eq!(
        events(
            "Events | take 1 | project-away T* | project-rename Address = Ip | project-reorder Address"
        ),
        [
            "Address | User | Code | At",
            "203.0.113.10 | ann | 50126 | 2025-03-17T15:00:00Z"
        ]
    );
    assert_eq!(
        events("Events | take 1 | project-keep U*, C*"),
        ["User | Code", "ann | 50126"]
    );
    assert_eq!(
        events("Events | take 1 | getschema | project ColumnName, ColumnType"),
        [
            "ColumnName | ColumnType",
            "User | string",
            "Code | string",
            "At | datetime",
            "Ip | string",
            "Tags | dynamic"
        ]
    );
}

#[test]
fn scalar_functions_in_queries() {
    let row = q(r#"print
        a = strcat("x", 1, true),
        b = split("a@b.com", "@")[1],
        c = extract("user=(\\w+)", 1, "id=1 user=bob"),
        d = case(1 > 2, "no", 2 > 1, "yes", "else"),
        e = format_datetime(datetime(2025-03-17 15:08:07), "yyyy-MM-dd HH:mm"),
        f = startofday(datetime(2025-03-17 15:08:07)),
        g = datetime(2025-03-17 16:00) - datetime(2025-03-17 15:30),
        h = bag_keys(dynamic({"x": 1, "y": 2})),
        i = set_difference(dynamic([1, 2, 3]), dynamic([2])),
        j = toint("42") + 1,
        k = "Mozilla/5.0 (Windows NT 10.0)" has "windows",
        l = "abc" in~ ("ABC"),
        m = datetime(2025-03-17 15:10) between (datetime(2025-03-17 15:00) .. 15m),
        n = isempty(""), o = isnotempty(dynamic(null)),
        p = round(geo_distance_2points(139.69, 35.69, 139.69, 35.70) / 1000, 1),
        q = coalesce("", "fallback"),
        r = todynamic('{"a":{"b":[5]}}').a.b[0]"#);
    assert_eq!(
        row[1],
        "x1true | b.com | bob | yes | 2025-03-17 15:08 | 2025-03-17T00:00:00Z | 00:30:00 | [\"x\",\"y\"] | [1,3] | 43 | true | true | true | true | false | 1.1 | fallback | 5"
    );
}

#[test]
fn now_is_the_end_of_the_data_unless_given() {
    let catalog = lab("user01-password-failures.yaml");
    let last = query(&catalog, "SigninLogs | summarize max(TimeGenerated)");
    assert_eq!(query(&catalog, "print now()")[1], last[1]);
    let t = value::parse_datetime("2030-01-01").unwrap();
    let table = run(
        "SigninLogs | where TimeGenerated > ago(1d) | count",
        &catalog,
        Some(t),
    )
    .unwrap();
    assert_eq!(lines(&table), ["Count", "0"]);
}

#[test]
fn non_interactive_json_columns_need_parse_json() {
    let e = fails("AADNonInteractiveUserSignInLogs | extend b = DeviceDetail.browser");
    assert_eq!(
        e.message,
        "`DeviceDetail` is a string column; reach into its JSON with parse_json"
    );
    assert_eq!(
        q(
            "AADNonInteractiveUserSignInLogs | extend b = tostring(parse_json(DeviceDetail).browser) | count"
        ),
        ["Count", "0"]
    );
}

#[test]
fn bad_queries_are_located_errors_with_hints() {
    let text = "SigninLogs\n| where ResultTyp == 0";
    let e = run(text, &Catalog::new(), None).unwrap_err();
    assert_eq!(e.message, "unknown column `ResultTyp`");
    assert_eq!(e.hint.as_deref(), Some("did you mean `ResultType`?"));
    assert_eq!(e.line_col(text), (2, 9));
    let e = fails("SignInLogs | take 1");
    assert_eq!(
        (e.message.as_str(), e.hint.as_deref()),
        (
            "unknown table `SignInLogs`",
            Some("did you mean `SigninLogs`?")
        )
    );
    let e = fails("SigninLogs | extend x = tostrin(1)");
    assert_eq!(
        (e.message.as_str(), e.hint.as_deref()),
        (
            "unknown function `tostrin()`",
            Some("did you mean `tostring`?")
        )
    );
    assert_eq!(
        fails("SigninLogs | where count() > 1").message,
        "`count()` is an aggregation; it belongs in summarize"
    );
    assert_eq!(
        fails("SigninLogs | extend x = make_datetime(2025, 3, 17)").message,
        "function `make_datetime()` is not supported yet"
    );
    assert_eq!(
        fails("SigninLogs | extend x = substring(1)").message,
        "`substring()` takes 2 to 3 arguments, not 1"
    );
    assert_eq!(
        fails("SigninLogs | join (AuditLogs) on Nope").message,
        "the left table has no column `Nope` to join on"
    );
    assert_eq!(
        fails("SigninLogs | where x matches regex \"(\"").message,
        "unknown column `x`"
    );
    assert_eq!(
        fails("print x = 1 | where \"a\" matches regex \"(\"").message,
        "invalid regular expression"
    );
    assert_eq!(
        fails("let f = (x:long) { f(x) }; print f(1)").message,
        "functions call each other too deeply"
    );
    assert_eq!(
        fails("let T = (n:long) { T(n) | take 1 }; T(1)").message,
        "functions call each other too deeply"
    );
    // A missing table is skipped by a fuzzy union only.
    assert_eq!(
        q("union isfuzzy=true SigninLogs, IdentityInfo | count"),
        ["Count", "0"]
    );
    assert_eq!(
        fails("union SigninLogs, IdentityInfo").message,
        "unknown table `IdentityInfo`"
    );
}

#[test]
fn results_are_deterministic() {
    let catalog = lab("user03-sspr.yaml");
    let text = "AuditLogs | mv-expand t = TargetResources | summarize n = count(), ids = make_set(Id) by tostring(t.userPrincipalName), OperationName";
    assert_eq!(query(&catalog, text), query(&catalog, text));
}

#[test]
fn a_union_splits_a_column_typed_apart_by_type() {
    // LocationDetails is dynamic in SigninLogs and a string in the non-interactive table.
    let text = r#"union (print T = "a", L = dynamic({"city": "Oslo"}), N = 1), (print T = "b", L = "text", N = 2) | project-reorder T, N"#;
    assert_eq!(
        q(text),
        [
            "T | N | L_dynamic | L_string",
            "a | 1 | {\"city\":\"Oslo\"} | ",
            "b | 2 |  | text"
        ]
    );
    let inner = r#"union kind=inner (print T = "a", L = dynamic([1])), (print T = "b", L = "x")"#;
    assert_eq!(q(inner), ["T", "a", "b"]);
    let schema = q(
        "union SigninLogs, AADNonInteractiveUserSignInLogs | getschema | where ColumnName startswith \"LocationDetails\" | project ColumnName, ColumnType",
    );
    assert_eq!(
        schema,
        [
            "ColumnName | ColumnType",
            "LocationDetails_dynamic | dynamic",
            "LocationDetails_string | string"
        ]
    );
}
