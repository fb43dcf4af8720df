//! The names KQL gives the columns a query makes without naming them.

use super::aggregate::AggKind;
use super::ast::{Expr, ExprKind, Literal};
use super::table::Column;

/// The name KQL gives a column computed by `expr` when the query names none:
/// `Col`, `Col_member`, `tostring(Col.member)` → `Col_member`.
pub fn infer_name(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Name(n) => Some(n.clone()),
        ExprKind::Member(base, m) => Some(format!("{}_{m}", infer_name(base)?)),
        ExprKind::Index(base, i) => match &i.kind {
            ExprKind::Literal(Literal::Long(n)) => Some(format!("{}_{n}", infer_name(base)?)),
            _ => infer_name(base),
        },
        ExprKind::Call(f, args) if NAME_KEEPING.contains(&f.as_str()) => infer_name(args.first()?),
        _ => None,
    }
}

/// Functions whose result is named after their first argument.
const NAME_KEEPING: &[&str] = &[
    "tostring",
    "toint",
    "tolong",
    "toreal",
    "todouble",
    "todecimal",
    "tobool",
    "todatetime",
    "totimespan",
    "toguid",
    "todynamic",
    "parse_json",
    "tolower",
    "toupper",
    "bin",
    "floor",
    "startofday",
    "startofweek",
    "startofmonth",
    "startofyear",
];

/// `count_`, `dcount_User`, `set_IPAddress`, `TimeGenerated` (for arg_max), `max_X`.
pub fn default_name(kind: AggKind, prefix: &str, args: &[Expr]) -> String {
    use AggKind::*;
    let arg = args.first().and_then(infer_name);
    match kind {
        Count | CountIf => format!("{prefix}_"),
        // `percentile(Latency, 95)` is `percentile_Latency_95`.
        Percentile => match (arg, args.get(1).map(|p| &p.kind)) {
            (Some(a), Some(ExprKind::Literal(Literal::Long(p)))) => format!("{prefix}_{a}_{p}"),
            (Some(a), _) => format!("{prefix}_{a}"),
            _ => format!("{prefix}_"),
        },
        ArgMax | ArgMin => arg.unwrap_or_else(|| format!("{prefix}_")),
        _ => match arg {
            Some(a) => format!("{prefix}_{a}"),
            None => format!("{prefix}_"),
        },
    }
}

/// `Column1`, `Column2`, ...: the first not taken.
pub fn next_column_name(columns: &[Column]) -> String {
    (1..)
        .map(|i| format!("Column{i}"))
        .find(|n| !columns.iter().any(|c| &c.name == n))
        .unwrap_or_default()
}
