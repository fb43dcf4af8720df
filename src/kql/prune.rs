//! Column pruning: which columns of the Log Analytics tables a query can read, so that a
//! loader holds only those (a `SigninLogs` row has about 70 columns, a query reads a few).
//!
//! The answer must never change a result, so it is "all of them" whenever in doubt:
//!
//! - the query's result must be made by a closing operator (`summarize`, `project`, `count`,
//!   `distinct` of named columns), followed only by operators that keep its columns (`where`,
//!   `sort`, `take`, `top`, `extend`, `serialize`, `render`); otherwise a column the query
//!   never names could reach the result (`SigninLogs | where ...`, a `join`'s output);
//! - nothing may read columns it does not name: a `*` anywhere (`arg_max(T, *)`,
//!   `distinct *`, `T:(*)`, `where * has`), `pack_all()`, `column_ifexists()` (its name can
//!   be computed), `project-away` and the other `project-` operators that keep what they do
//!   not name, `getschema`, `search`, `find`, `evaluate`;
//! - every name the query spells (identifiers, quoted names and string literals) is kept,
//!   whatever role it plays; so are `TimeGenerated` (the default `now()`, the API's
//!   `timespan`, `ingestion_time()`) and each table's first column (what `toscalar(T)` and
//!   `x in (T)` read).
//!
//! The caller also checks the query against the full, empty tables first and loads every
//! column when that fails, so that an error (and its "did you mean" hint) is the one the full
//! tables give.

use super::ast::{ExprKind, Literal, Operator, Query, Source};
use super::lexer::{Tok, tokenize};
use std::collections::BTreeSet;

/// Names that read columns they do not spell out.
const READS_UNNAMED_COLUMNS: &[&str] = &[
    "pack_all",
    "bag_pack_columns",
    "column_ifexists",
    "columnifexists",
    "project-away",
    "project-keep",
    "project-rename",
    "project-reorder",
    "getschema",
    "search",
    "find",
    "evaluate",
];

/// Columns every pruned table keeps.
pub const ALWAYS_KEPT: &[&str] = &["TimeGenerated"];

/// The column names `query` (parsed from `text`) can read, or `None` when it may read
/// columns it does not name.
pub fn needed_columns(text: &str, query: &Query) -> Option<BTreeSet<String>> {
    if !result_is_closed(&query.body.ops) {
        return None;
    }
    let tokens = tokenize(text).ok()?;
    let mut names: BTreeSet<String> = ALWAYS_KEPT.iter().map(|c| c.to_string()).collect();
    for token in tokens {
        match token.tok {
            Tok::Punct("*") => return None,
            Tok::Ident(name) if READS_UNNAMED_COLUMNS.contains(&name.as_str()) => return None,
            Tok::Ident(name) | Tok::Quoted(name) | Tok::Str(name) => {
                names.insert(name);
            }
            _ => {}
        }
    }
    Some(names)
}

/// Names whose value depends on rows the query does not return: `now()` and `ago()` count
/// from the latest row of the data, the window functions read neighbouring rows.
const READS_OTHER_ROWS: &[&str] = &[
    "now",
    "ago",
    "next",
    "prev",
    "row_number",
    "row_cumsum",
    "row_rank_dense",
    "row_rank_min",
    "row_window_session",
];

/// The most rows of each table the query can read: `Some(n)` when it reads one table, as
/// `T | take n` (or `limit n`), after nothing but operators that keep every row and its order
/// (`project`, `extend`, `project-away`, ...), so that loading the first `n` rows of each
/// table gives the same result as loading them all (`SigninLogs | take 10` on a file of a
/// million rows holds ten). `None` in any doubt.
pub fn row_limit(text: &str, query: &Query) -> Option<usize> {
    if !query.lets.is_empty() {
        return None;
    }
    let Source::Expr(source) = &query.body.source else {
        return None;
    };
    if !matches!(source.kind, ExprKind::Name(_)) {
        return None;
    }
    let limit = query.body.ops.iter().find_map(|op| match op {
        Operator::Extend(_)
        | Operator::Project(_)
        | Operator::ProjectAway(_)
        | Operator::ProjectKeep(_)
        | Operator::ProjectRename(_)
        | Operator::ProjectReorder(_) => None,
        Operator::Take(count) => match count.kind {
            ExprKind::Literal(Literal::Long(n)) => Some(usize::try_from(n).ok()),
            _ => Some(None),
        },
        _ => Some(None),
    })??;
    let tokens = tokenize(text).ok()?;
    let reads_other_rows = tokens
        .iter()
        .any(|t| matches!(&t.tok, Tok::Ident(name) if READS_OTHER_ROWS.contains(&name.as_str())));
    (!reads_other_rows).then_some(limit)
}

/// Whether the result's columns are those a closing operator names.
fn result_is_closed(ops: &[Operator]) -> bool {
    for (at, op) in ops.iter().enumerate().rev() {
        match op {
            Operator::Where(_)
            | Operator::Sort(_)
            | Operator::Take(_)
            | Operator::Top { .. }
            | Operator::Extend(_)
            | Operator::Serialize(_)
            | Operator::Render(_) => continue,
            Operator::Summarize { .. } | Operator::Project(_) | Operator::Count => return true,
            Operator::Distinct(columns) => return !columns.is_empty(),
            // A join's, a lookup's or a union's columns are its inputs' ones: closed when
            // every input is.
            Operator::Join { right, .. } | Operator::Lookup { right, .. } => {
                return result_is_closed(&ops[..at]) && result_is_closed(&right.ops);
            }
            Operator::Union(union) => {
                return result_is_closed(&ops[..at])
                    && union.tables.iter().all(|t| result_is_closed(&t.ops));
            }
            _ => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needed(text: &str) -> Option<Vec<String>> {
        let query = crate::kql::parse(text).unwrap();
        needed_columns(text, &query).map(|names| names.into_iter().collect())
    }

    #[test]
    fn a_summary_needs_the_columns_it_names() {
        let names = needed(
            r#"SigninLogs | where ResultType == "0" | summarize count() by UserPrincipalName, bin(TimeGenerated, 1h)"#,
        )
        .unwrap();
        for name in ["ResultType", "UserPrincipalName", "TimeGenerated", "0"] {
            assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
        }
        assert!(!names.iter().any(|n| n == "IPAddress"));
    }

    #[test]
    fn a_join_then_a_summary_is_closed() {
        assert!(
            needed("SigninLogs | join kind=inner (AuditLogs) on CorrelationId | count").is_some()
        );
    }

    #[test]
    fn a_join_of_two_summaries_is_closed() {
        let names = needed(
            r#"SigninLogs | where ResultType == "50126" | summarize Failures = count() by UserPrincipalName | join kind=inner (SigninLogs | where ResultType == "0" | summarize Successes = count() by UserPrincipalName) on UserPrincipalName"#,
        )
        .unwrap();
        assert!(names.contains(&"UserPrincipalName".to_string()));
        assert!(!names.contains(&"IPAddress".to_string()));
        assert!(
            needed("SigninLogs | count | union (AuditLogs | summarize count() by OperationName)")
                .is_some()
        );
    }

    #[test]
    fn results_that_can_hold_unnamed_columns_need_every_column() {
        for text in [
            "SigninLogs",
            "SigninLogs | where ResultType == 0",
            "SigninLogs | summarize by UserPrincipalName | join (SigninLogs) on UserPrincipalName",
            "SigninLogs | summarize arg_max(TimeGenerated, *) by UserPrincipalName",
            "SigninLogs | distinct *",
            "SigninLogs | project-away Status | count",
            "SigninLogs | where * has 'x' | count",
            "SigninLogs | project b = pack_all()",
            r#"SigninLogs | project x = column_ifexists(strcat("IP", "Address"), "")"#,
            "SigninLogs | getschema",
            "SigninLogs | count | union SigninLogs",
            "SigninLogs | join (SigninLogs | summarize by UserPrincipalName) on UserPrincipalName",
            "SigninLogs | summarize by UserPrincipalName | lookup (AuditLogs) on UserPrincipalName",
        ] {
            assert_eq!(needed(text), None, "{text}");
        }
    }

    #[test]
    fn names_in_strings_are_kept() {
        let names = needed(r#"SigninLogs | project x = 1, y = "AppDisplayName""#).unwrap();
        assert!(names.contains(&"AppDisplayName".to_string()));
    }

    fn limit(text: &str) -> Option<usize> {
        row_limit(text, &crate::kql::parse(text).unwrap())
    }

    #[test]
    fn a_take_of_a_table_reads_only_that_many_rows() {
        assert_eq!(limit("SigninLogs | take 10"), Some(10));
        assert_eq!(limit("SigninLogs | limit 0"), Some(0));
        assert_eq!(
            limit(
                "SigninLogs | project UserPrincipalName, IPAddress | extend u = toupper(UserPrincipalName) | take 3 | where u has 'A'"
            ),
            Some(3)
        );
    }

    #[test]
    fn anything_that_chooses_or_reads_other_rows_reads_them_all() {
        for text in [
            "SigninLogs",
            "SigninLogs | where ResultType == 0 | take 10",
            "SigninLogs | sort by TimeGenerated desc | take 10",
            "SigninLogs | top 10 by TimeGenerated",
            "SigninLogs | summarize count() | take 1",
            "SigninLogs | extend t = ago(1h) | take 10",
            "SigninLogs | extend t = now() | take 10",
            "SigninLogs | serialize | extend n = next(TimeGenerated) | take 10",
            "let n = 5; SigninLogs | take n",
            "union SigninLogs, AuditLogs | take 10",
            "SigninLogs | mv-expand AuthenticationDetails | take 10",
        ] {
            assert_eq!(limit(text), None, "{text}");
        }
    }
}
