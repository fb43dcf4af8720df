//! Parser tests: trees of typical queries, located errors, and the round trip through the
//! pretty-printer (`print(parse(text))` parses to the same tree), by example and by property.

use super::*;
use crate::kql::error::ErrorKind;
use proptest::prelude::*;

fn parse(text: &str) -> Query {
    parse_query(text).unwrap_or_else(|e| panic!("{text}: {}", e.render(text)))
}

fn error(text: &str) -> KqlError {
    parse_query(text).expect_err(text)
}

/// The tree of `text`, printed and parsed again, is the same tree.
fn round_trips(text: &str) {
    let query = parse(text);
    let printed = query.to_string();
    let again =
        parse_query(&printed).unwrap_or_else(|e| panic!("{printed}: {}", e.render(&printed)));
    assert_eq!(query, again, "printed as {printed}");
}

#[test]
fn parses_the_issue_query() {
    let q =
        parse("SigninLogs | where ResultType == 50053 | summarize count() by UserPrincipalName");
    assert!(q.lets.is_empty());
    assert_eq!(q.body.ops.len(), 2);
    let Operator::Summarize { aggregates, by } = &q.body.ops[1] else {
        panic!("{:?}", q.body.ops[1]);
    };
    assert_eq!(aggregates.len(), 1);
    assert_eq!(by[0].expr.kind, ExprKind::Name("UserPrincipalName".into()));
}

/// Found by the fuzzer: long chains of minus signs before a name printed with parentheses
/// around the name, one level deeper than the parser allows.
#[test]
fn minus_chains_before_names_print_without_extra_nesting() {
    let chain = |n: usize, operand: &str| format!("{}{operand}", "-".repeat(n));
    round_trips(&format!(
        "T.d{}{}{}",
        chain(40, "m"),
        chain(42, "m"),
        chain(57, "exT.dext")
    ));
    assert_eq!(parse("T | extend x = -m").to_string(), "T | extend x = -m");
    assert_eq!(
        parse("T | extend x = -(1)").to_string(),
        "T | extend x = -(1)"
    );
    assert_eq!(
        parse("T | extend x = -(a + 1)").to_string(),
        "T | extend x = -(a + 1)"
    );
}

/// Found by the fuzzer: inside long minus chains a negative number printed as `-(-2)` and
/// `*` as `(*)`, each one level deeper than the parsed query.
#[test]
fn minus_chains_before_negative_numbers_and_star_round_trip() {
    let chain = |n: usize, operand: &str| format!("{}{operand}", "-".repeat(n));
    round_trips(&format!("d{}{}", chain(50, "2"), chain(50, "*")));
    round_trips(&format!(
        "d{}{}{}",
        chain(45, "2.5"),
        chain(45, "1d"),
        chain(45, "*")
    ));
    round_trips(concat!(
        "d---3-------------------2----------$2d$0$-------2-----*---d---3-----------------",
        "--2----------$2d$0$-------2-----*-----$0d$0$2----2---------------$0d$0$2----2---",
        "-----------2----------$2d$0$-------2-----*---d---3----------------------2-------",
        "---$2d$0$-------2-----*---d---3-------------------2----------$2d$0$-------2-----",
        "*-----$0d$0$2----2---------------$0d$0$2----2--------------2----------$2d$0$----",
        "---2-----*---d---3-------------------2----------$2d$0$-------2-----*-----$0d$0--",
        "--------------2----------$2d$0$-------2-----*-----$0d$0--------by--------d",
    ));
    assert_eq!(
        parse("T | extend x = --2").to_string(),
        "T | extend x = --2"
    );
    assert_eq!(
        parse("T | extend x = - -2").to_string(),
        "T | extend x = --2"
    );
}

/// Found by the fuzzer: `+database+R+t` printed as `database + R + t`, where `database` at
/// the start of a pipeline is the (unsupported) cross-database source, not a name.
#[test]
fn a_pipeline_starting_with_a_source_word_as_a_name_round_trips() {
    round_trips("+database+R+t");
    round_trips("+union + 1");
    round_trips("T | join (+search - 2) on a");
    round_trips("+database(1)");
    round_trips("+union(1) - 2");
    assert_eq!(parse("+database+R").to_string(), "['database'] + R");
}

/// Found by the fuzzer: a union leg in parentheses that is an expression, not a pipeline
/// (`(A-b(c.d))`), printed bare, where a union reads only a name or a call.
#[test]
fn a_union_leg_that_is_an_expression_keeps_its_parentheses() {
    round_trips(
        "union isfuzzy=true f(SigninLogs), (AADNonInte1-ractive(IniuiatedBy.app.displayName))",
    );
    round_trips("union T, (1 + 2), g(x)");
    assert_eq!(
        parse("union T, f(x), (a - b)").to_string(),
        "union kind=outer T, f(x), (a - b)"
    );
}

/// Found by the fuzzer: `serialize .l` printed as `serialize["l"]` and `*.m` as `*["m"]`,
/// where the lexer reads `["l"]` after a keyword or `*` as a quoted name.
#[test]
fn members_of_keywords_and_star_round_trip() {
    round_trips("serialize  .l");
    round_trips("*.m");
    round_trips("where.a.b");
    round_trips("T | extend x = ['take'].y, w = project.['a b']");
    assert_eq!(parse("serialize .l").to_string(), "serialize.l");
    assert_eq!(
        parse("T | extend x = a.b").to_string(),
        "T | extend x = a[\"b\"]"
    );
}

#[test]
fn precedence_of_and_or_comparison_and_arithmetic() {
    let e = parse_expression("a == 1 or b > 2 + 3 * 4 and c").unwrap();
    // The tree: `or` at the root, `and` under it, `*` binding tighter than `+`.
    let ExprKind::Binary(BinOp::Or, _, right) = &e.kind else {
        panic!("{e:?}")
    };
    let ExprKind::Binary(BinOp::And, gt, _) = &right.kind else {
        panic!("{right:?}")
    };
    let ExprKind::Binary(BinOp::Gt, _, sum) = &gt.kind else {
        panic!("{gt:?}")
    };
    assert!(matches!(&sum.kind, ExprKind::Binary(BinOp::Add, _, product)
        if matches!(product.kind, ExprKind::Binary(BinOp::Mul, _, _))));
    // Printed with only the parentheses precedence needs.
    assert_eq!(e.to_string(), "a == 1 or b > 2 + 3 * 4 and c");
    let e = parse_expression("(a == 1 or b) and (2 + 3) * 4 - (5 - 6)").unwrap();
    assert_eq!(e.to_string(), "(a == 1 or b) and (2 + 3) * 4 - (5 - 6)");
    let e = parse_expression("-x.y[0] - -1").unwrap();
    assert_eq!(e.to_string(), "-x[\"y\"][0] - -1");
    assert_eq!(parse_expression(&e.to_string()).unwrap(), e);
    let e = parse_expression("(a + b).c").unwrap();
    assert_eq!(e.to_string(), "(a + b)[\"c\"]");
}

#[test]
fn string_operators_lists_and_ranges() {
    let e = parse_expression(r#"A !has "x" and B in~ ("a", "b") and C !between (1 .. 5) and D has_any ("p", "q") and E matches regex "^a""#).unwrap();
    assert_eq!(
        e.to_string(),
        r#"A !has "x" and B in~ ("a", "b") and C !between (1 .. 5) and D has_any ("p", "q") and E matches regex "^a""#
    );
    let e =
        parse_expression(r#"(a has "x") == (b in (1)) and c between (1 + 2 .. (3 > 4))"#).unwrap();
    assert_eq!(
        e.to_string(),
        r#"a has "x" == (b in (1)) and c between (1 + 2 .. (3 > 4))"#
    );
}

#[test]
fn literals_of_every_kind() {
    let e = parse_expression(
        "pack_array(datetime(2025-03-17 15:00), 1d, 1.5h, timespan(00:30:00), dynamic({\"a\": [1, -2, \"x\"]}), long(null), true, 0x10, 'q\\'s', @\"C:\\x\")",
    )
    .unwrap();
    let ExprKind::Call(_, args) = e.kind else {
        panic!()
    };
    let lits: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    assert_eq!(
        lits,
        [
            "datetime(2025-03-17T15:00:00Z)",
            "1d",
            "90m",
            "30m",
            r#"dynamic({"a":[1,-2,"x"]})"#,
            "dynamic(null)",
            "true",
            "16",
            r#""q's""#,
            r#""C:\\x""#,
        ]
    );
}

#[test]
fn lets_lambdas_joins_and_subqueries() {
    let q = parse(
        r#"let threshold = 5;
        let f = (T:(*), code:string = "50126") { T | where ResultType == code };
        let Failures = f(SigninLogs) | summarize n = count() by UserPrincipalName;
        Failures
        | join kind=leftouter (SigninLogs | where ResultType == 0) on UserPrincipalName, $left.n == $right.Attempts
        | where n > threshold and UserPrincipalName in (Failures | project UserPrincipalName)
        | mv-apply r = Roles to typeof(string) on (where r has "Admin" | take 1)
        | parse Text with * "user=" User:string " " *
        | project-away *1
        | render timechart"#,
    );
    assert_eq!(q.lets.len(), 3);
    assert!(matches!(q.lets[1].value, LetValue::Lambda(ref l) if l.params.len() == 2));
    let Operator::Join { kind, on, .. } = &q.body.ops[0] else {
        panic!()
    };
    assert_eq!(*kind, JoinKind::LeftOuter);
    assert_eq!(
        on[1],
        JoinKey {
            left: "n".into(),
            right: "Attempts".into(),
            span: Span::default()
        }
    );
    assert_eq!(q.body.ops[4], Operator::ProjectAway(vec!["*1".into()]));
}

#[test]
fn real_query_shapes_round_trip() {
    for text in [
        "SigninLogs | where ResultType == 50053 | summarize count() by UserPrincipalName",
        "let t = 3d; SigninLogs | where TimeGenerated > ago(t) | extend City = tostring(LocationDetails.city), ['Odd Name'] = 1 | project-rename Town = City",
        "union isfuzzy=true SigninLogs, (AADNonInteractiveUserSignInLogs | take 1) | summarize arg_max(TimeGenerated, *) by bin(TimeGenerated, 1h)",
        "AuditLogs | mv-expand T = TargetResources to typeof(dynamic) limit 3 | sort by TimeGenerated asc nulls first, Id | top 5 by Id desc",
        "datatable(a:string, b:long) [\"x\", 1, \"y\", 2] | distinct a | count",
        "print x = 1, y = strcat(\"a\", \"b\")",
        "range x from 1 to 5 step 1 | lookup kind=inner (datatable(x:long) [1]) on x",
        "AuditLogs | mv-apply p = TargetResources on (summarize n = count()) | getschema",
        "let f = () { SigninLogs }; f() | project-reorder UserPrincipalName, Time* | project-keep U*",
        "SigninLogs | summarize count() by bin(TimeGenerated, 1d) | render timechart with (title=\"Sign-ins\", ysplit=axes)",
    ] {
        round_trips(text);
    }
}

#[test]
fn errors_point_at_the_token_and_say_what_was_expected() {
    let e = error("SigninLogs | where");
    assert_eq!(
        e.message,
        "expected an expression, found the end of the query"
    );
    let e = error("SigninLogs | summarise count()");
    assert_eq!(e.message, "unknown operator `summarise`");
    assert_eq!(e.hint.as_deref(), Some("did you mean `summarize`?"));
    assert_eq!(e.line_col("SigninLogs | summarise count()"), (1, 14));
    let e = error("SigninLogs\n| evaluate bag_unpack(Status)");
    assert_eq!(e.kind, ErrorKind::Unsupported);
    assert_eq!(e.message, "operator `evaluate` is not supported yet");
    assert_eq!(e.line_col("SigninLogs\n| evaluate"), (2, 3));
    let e = error("T | where x == (1");
    assert_eq!(e.message, "expected `)`, found the end of the query");
    let e = error("T | join kind=sideways (U) on x");
    assert_eq!(e.message, "unknown join kind `sideways`");
    let e = error("T | where x in (1, 2) )");
    assert!(
        e.message
            .starts_with("expected `|` or the end of the query"),
        "{}",
        e.message
    );
    assert_eq!(
        error("let x = 1").message,
        "expected `;` after the let statement, found the end of the query"
    );
    assert!(
        error("")
            .message
            .starts_with("expected a tabular expression")
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let text = format!("T | where {}1{}", "(".repeat(5000), ")".repeat(5000));
    assert_eq!(error(&text).message, "the query nests too deeply");
    let text = format!("T | where {}1", "-".repeat(5000));
    assert_eq!(error(&text).message, "the query nests too deeply");
}

/// Found by the fuzzer: a chain of minus signs close to the depth limit printed with
/// parentheses at each level nested past the limit, so the printed query did not parse.
#[test]
fn a_long_chain_of_minus_signs_round_trips() {
    round_trips(&format!("T | where x - {}y > 0", "-".repeat(40)));
    round_trips(&format!("T | where x - {}4 > 0", "-".repeat(40)));
}

/// Found by the fuzzer: a long chain of one binary operator (`a * b * c ...`) printed with
/// parentheses at each level and nested past the depth limit on re-parse.
#[test]
fn a_long_chain_of_one_operator_round_trips() {
    for op in ["*", "+", "-", "/", "%", "and", "or", "==", "has", "<"] {
        let chain = vec!["x"; 50].join(&format!(" {op} "));
        round_trips(&format!("T | where {chain}"));
    }
    round_trips("T | where a - (b - c) - d and (x or y) and (1 + 2) * 3 == -(4).z");
}

// ---- property: printing a tree and parsing it gives the tree back ----

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec!["UserPrincipalName", "ResultType", "x", "Col_1", "$left", "_t"]).prop_map(String::from),
        1 => prop::sample::select(vec!["Column Name", "by", "1st", "has", "a-b", "it's"]).prop_map(String::from),
    ]
}

fn literal() -> impl Strategy<Value = Literal> {
    let json = prop_oneof![
        any::<i32>().prop_map(|n| serde_json::json!(n)),
        "[a-z ]{0,5}".prop_map(|s| serde_json::json!(s)),
        any::<bool>().prop_map(|b| serde_json::json!(b)),
    ];
    prop_oneof![
        Just(Literal::Null),
        any::<bool>().prop_map(Literal::Bool),
        (-1_000_000_000_000i64..1_000_000_000_000).prop_map(Literal::Long),
        (-1e12f64..1e12).prop_map(Literal::Real),
        "\\PC{0,8}".prop_map(Literal::Str),
        "[\\x00-\\x7f]{0,6}".prop_map(Literal::Str),
        (0i64..41_024_448_000_000_000).prop_map(Literal::DateTime),
        (-1_000_000_000_000_000i64..1_000_000_000_000_000).prop_map(Literal::TimeSpan),
        prop::collection::vec(json.clone(), 0..3)
            .prop_map(|v| Literal::Dynamic(serde_json::Value::Array(v))),
        ("[a-z]{1,4}", json).prop_map(|(k, v)| Literal::Dynamic(serde_json::json!({ k: v }))),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        literal().prop_map(ExprKind::Literal),
        name().prop_map(ExprKind::Name),
    ]
    .prop_map(|k| Expr::new(k, Span::default()));
    leaf.prop_recursive(4, 32, 4, |inner| {
        let boxed = inner.clone().prop_map(Box::new);
        let binop = prop_oneof![
            Just(BinOp::Or),
            Just(BinOp::And),
            Just(BinOp::Eq),
            Just(BinOp::Ne),
            Just(BinOp::Lt),
            Just(BinOp::Ge),
            Just(BinOp::EqCi),
            Just(BinOp::NeCi),
            Just(BinOp::Add),
            Just(BinOp::Sub),
            Just(BinOp::Mul),
            Just(BinOp::Div),
            Just(BinOp::Mod),
            Just(BinOp::Str(StrOp::Has, true)),
            Just(BinOp::Str(StrOp::Contains, false)),
            Just(BinOp::Str(StrOp::StartsWithCs, true)),
            Just(BinOp::Str(StrOp::MatchesRegex, false)),
        ];
        prop_oneof![
            (boxed.clone(), "\\PC{0,6}").prop_map(|(b, k)| ExprKind::Member(b, k)),
            (boxed.clone(), 0i64..5).prop_map(|(b, i)| ExprKind::Index(
                b,
                Box::new(Expr::new(
                    ExprKind::Literal(Literal::Long(i)),
                    Span::default()
                ))
            )),
            (
                prop::sample::select(vec!["strcat", "tostring", "iff", "ago", "bin", "count"]),
                prop::collection::vec(inner.clone(), 0..3)
            )
                .prop_map(|(f, args)| ExprKind::Call(f.to_string(), args)),
            boxed.clone().prop_map(ExprKind::Neg),
            (binop, boxed.clone(), boxed.clone()).prop_map(|(op, l, r)| ExprKind::Binary(op, l, r)),
            (boxed.clone(), prop::collection::vec(inner.clone(), 1..3)).prop_map(|(b, items)| {
                ExprKind::Binary(
                    BinOp::Str(StrOp::HasAny, false),
                    b,
                    Box::new(Expr::new(
                        ExprKind::Call("pack_array".into(), items),
                        Span::default(),
                    )),
                )
            }),
            (
                boxed.clone(),
                any::<bool>(),
                any::<bool>(),
                prop::collection::vec(inner.clone(), 0..3)
            )
                .prop_map(|(expr, negated, case_insensitive, list)| ExprKind::In {
                    expr,
                    negated,
                    case_insensitive,
                    list
                }),
            (boxed.clone(), any::<bool>(), boxed.clone(), boxed).prop_map(
                |(expr, negated, low, high)| {
                    ExprKind::Between {
                        expr,
                        negated,
                        low,
                        high,
                    }
                }
            ),
        ]
        .prop_map(|k| Expr::new(k, Span::default()))
    })
}

fn assign() -> impl Strategy<Value = Assign> {
    (prop::option::of(name()), expr()).prop_map(|(name, expr)| Assign { name, expr })
}

fn sort_key() -> impl Strategy<Value = SortKey> {
    (expr(), any::<bool>(), prop::option::of(any::<bool>())).prop_map(
        |(expr, desc, nulls_first)| SortKey {
            expr,
            desc,
            nulls_first,
        },
    )
}

fn table_ref() -> impl Strategy<Value = Pipeline> {
    name().prop_map(|n| {
        Pipeline::new(
            Source::Expr(Expr::new(ExprKind::Name(n), Span::default())),
            Vec::new(),
        )
    })
}

fn operator() -> impl Strategy<Value = Operator> {
    prop_oneof![
        expr().prop_map(Operator::Where),
        prop::collection::vec(assign(), 1..3).prop_map(Operator::Extend),
        prop::collection::vec(assign(), 1..3).prop_map(Operator::Project),
        (
            prop::collection::vec(assign(), 0..3),
            prop::collection::vec(assign(), 0..2)
        )
            .prop_filter("summarize needs something", |(a, b)| !a.is_empty()
                || !b.is_empty())
            .prop_map(|(aggregates, by)| Operator::Summarize { aggregates, by }),
        expr().prop_map(Operator::Take),
        (expr(), sort_key()).prop_map(|(count, by)| Operator::Top { count, by }),
        prop::collection::vec(sort_key(), 1..3).prop_map(Operator::Sort),
        prop::collection::vec(expr(), 0..3).prop_map(Operator::Distinct),
        prop::collection::vec(name(), 1..3).prop_map(Operator::ProjectAway),
        prop::collection::vec((name(), name()), 1..3).prop_map(Operator::ProjectRename),
        Just(Operator::Count),
        (
            prop::sample::select(JoinKind::ALL.iter().map(|(_, k)| *k).collect::<Vec<_>>()),
            table_ref(),
            prop::collection::vec((name(), name()), 1..3)
        )
            .prop_map(|(kind, right, keys)| Operator::Join {
                kind,
                right,
                on: keys
                    .into_iter()
                    .map(|(left, right)| JoinKey {
                        left,
                        right,
                        span: Span::default()
                    })
                    .collect(),
            }),
        (
            prop::collection::vec(
                (
                    prop::option::of(name()),
                    expr(),
                    prop::option::of(Just(crate::kql::value::Type::String))
                ),
                1..3
            ),
            prop::option::of(expr())
        )
            .prop_map(|(items, limit)| Operator::MvExpand {
                items: items
                    .into_iter()
                    .map(|(name, expr, to)| MvItem { name, expr, to })
                    .collect(),
                limit,
            }),
        (
            any::<bool>(),
            any::<bool>(),
            prop::collection::vec(table_ref(), 1..3)
        )
            .prop_map(|(kind_outer, fuzzy, tables)| Operator::Union(Union {
                kind_outer,
                fuzzy,
                with_source: None,
                tables
            })),
    ]
}

fn query() -> impl Strategy<Value = Query> {
    (
        prop::collection::vec((name(), expr()), 0..2),
        table_ref(),
        prop::collection::vec(operator(), 0..4),
    )
        .prop_map(|(lets, source, ops)| Query {
            lets: lets
                .into_iter()
                .map(|(name, e)| Let {
                    name,
                    value: LetValue::Pipeline(Pipeline::new(Source::Expr(e), Vec::new())),
                    span: Span::default(),
                })
                .collect(),
            body: Pipeline::new(source.source, ops),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn printed_expressions_parse_to_the_same_tree(e in expr()) {
        let printed = e.to_string();
        let parsed = parse_expression(&printed).map_err(|err| TestCaseError::fail(err.render(&printed)))?;
        prop_assert_eq!(parsed, e, "printed as {}", printed);
    }

    #[test]
    fn printed_queries_parse_to_the_same_tree(q in query()) {
        let printed = q.to_string();
        let parsed = parse_query(&printed).map_err(|err| TestCaseError::fail(err.render(&printed)))?;
        prop_assert_eq!(parsed, q, "printed as {}", printed);
    }

    /// Left-associative chains of up to 55 operators (mixed, of any precedence) print with
    /// only the parentheses that precedence needs, so they re-parse within the depth limit.
    #[test]
    fn deep_left_associative_chains_round_trip(
        ops in prop::collection::vec(prop::sample::select(vec!["*", "/", "%", "+", "-", "==", "<", "=~", "has", "contains", "and", "or"]), 1..55),
        negative in prop::collection::vec(any::<bool>(), 55),
    ) {
        let mut text = String::from("T | where x0");
        for (i, op) in ops.iter().enumerate() {
            let operand = if negative[i] { format!("-{i}") } else { format!("x{}", i + 1) };
            text.push_str(&format!(" {op} {operand}"));
        }
        let q = parse_query(&text).map_err(|e| TestCaseError::fail(e.render(&text)))?;
        let printed = q.to_string();
        let again = parse_query(&printed).map_err(|e| TestCaseError::fail(format!("{printed}: {}", e.render(&printed))))?;
        prop_assert_eq!(again, q, "printed as {}", printed);
    }

    #[test]
    fn no_text_makes_the_parser_panic(text in "\\PC{0,60}") {
        let _ = parse_query(&text);
    }
}

/// Real query shapes, to be mutated.
const SEEDS: &[&str] = &[
    include_str!("../../../fuzz/seeds/kql/lockout.kql"),
    include_str!("../../../fuzz/seeds/kql/spray.kql"),
    include_str!("../../../fuzz/seeds/kql/audit.kql"),
    include_str!("../../../fuzz/seeds/kql/functions.kql"),
    // entralab's own Sentinel-format rules (tests/data/sentinel/), the shapes `detect` runs.
    include_str!("../../../fuzz/seeds/kql/sentinel-brute-force-azure-portal.kql"),
    include_str!("../../../fuzz/seeds/kql/sentinel-credential-added-to-app.kql"),
    include_str!("../../../fuzz/seeds/kql/sentinel-disabled-account-many-apps.kql"),
    include_str!("../../../fuzz/seeds/kql/sentinel-mfa-spamming-then-success.kql"),
    include_str!("../../../fuzz/seeds/kql/sentinel-password-spray.kql"),
    include_str!("../../../fuzz/seeds/kql/sentinel-privileged-role-assigned.kql"),
];

/// Characters that edits insert: KQL's punctuation and a few letters, quotes and digits.
const EDIT_CHARS: &str = "|()[]{},;.:=<>!~+-*/%\"'@$ \n_abdmx019";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// Like the fuzz target: an edited real query either fails with an error or parses, and
    /// then prints as text that parses to the same tree and runs without panicking.
    #[test]
    fn edited_real_queries_fail_cleanly_or_round_trip(
        seed in prop::sample::select(SEEDS),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..3, prop::sample::select(EDIT_CHARS.chars().collect::<Vec<_>>())), 1..4),
    ) {
        let mut text: Vec<char> = seed.chars().collect();
        for (at, kind, c) in edits {
            let i = at.index(text.len() + 1);
            match kind {
                0 => text.insert(i, c),
                1 if i < text.len() => { text.remove(i); }
                _ if i < text.len() => text[i] = c,
                _ => {}
            }
        }
        let text: String = text.into_iter().collect();
        match parse_query(&text) {
            Err(e) => { let _ = e.render(&text); }
            Ok(q) => {
                let printed = q.to_string();
                let again = parse_query(&printed).map_err(|e| TestCaseError::fail(format!("{printed}: {}", e.render(&printed))))?;
                prop_assert_eq!(&again, &q, "printed as {}", printed);
                if !text.contains("range") {
                    let _ = crate::kql::execute(&q, &crate::kql::Catalog::new(), None);
                }
            }
        }
    }
}

/// The seed queries themselves (Sentinel-shaped, as `detect` runs them) parse and print as text
/// that parses to the same tree.
#[test]
fn every_seed_query_round_trips() {
    for seed in SEEDS {
        let query = parse_query(seed).unwrap_or_else(|e| panic!("{}", e.render(seed)));
        let printed = query.to_string();
        let again = parse_query(&printed).unwrap_or_else(|e| panic!("{}", e.render(&printed)));
        assert_eq!(again, query, "printed as {printed}");
    }
}

#[test]
fn max_size_named_is_the_last_positional_argument_of_make_aggregates() {
    assert_eq!(
        parse("T | summarize s = make_set(x, MaxSize=8), l = make_list_if(x, y > 1, maxsize = 2)"),
        parse("T | summarize s = make_set(x, 8), l = make_list_if(x, y > 1, 2)")
    );
    for (text, named) in [
        ("T | summarize make_set(MaxSize=8, x)", "MaxSize"),
        ("T | summarize make_set(x, Size=8)", "Size"),
        ("T | extend y = strcat(a, MaxSize=8)", "MaxSize"),
    ] {
        let e = error(text);
        assert_eq!(e.kind, ErrorKind::Unsupported, "{text}");
        assert!(e.message.contains(named), "{}", e.message);
    }
}
