//! `entralab convert`: exported log files, in any shape [`crate::logfiles`] reads, written
//! again in one export format ([`crate::export`]), oldest first; ID Protection's detections and
//! risky-user changes among them in that format's files of them ([`write_risk_files`]).

use super::repeated_ids::{Repeated, repeated_ids};
use crate::exit::Exit;
use crate::export::{
    ExportOptions, ExportSummary, Exporter, Format, NO_TENANT_ID, write_risk_files,
};
use crate::graph::{ApiVersion, Record, RiskDetection, RiskyUserHistoryItem};
use crate::logfiles::{self, LogFileError, RiskItem};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, clap::Args)]
pub struct ConvertArgs {
    /// Log files: Graph JSON (pages or arrays), NDJSON, diagnostic-settings / Event Hub
    /// records, Log Analytics rows as JSON or CSV, in any mix.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The files to write.
    #[arg(long, value_enum, default_value_t = Format::Graph)]
    pub format: Format,
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The Entra tenant id for the Event Hub and Log Analytics envelopes (`tenantId`,
    /// `resourceId`, `AADTenantId`). Without it, the one the records name (diagnostic
    /// `tenantId` or `resourceId`, Log Analytics `AADTenantId`, else the sign-ins'
    /// `resourceTenantId`); when they name none, 00000000-0000-0000-0000-000000000000.
    #[arg(long, value_name = "GUID")]
    pub tenant_id: Option<String>,
    /// The Graph version `graph` and `ndjson` write. Unlike `generate`, beta by default: a
    /// file's records keep every property they carry.
    #[arg(long, value_enum, default_value_t = ApiVersion::Beta)]
    pub api: ApiVersion,
}

/// Everything read from the input files.
struct Input {
    /// Oldest first.
    records: Vec<Record>,
    /// The tenant ids the envelopes and rows name.
    tenant_ids: BTreeSet<String>,
    /// Records of other logs, by category or table.
    skipped: BTreeMap<String, usize>,
    /// ID Protection's records, oldest first.
    risk: Risk,
    /// Records read more than once, by file.
    repeated: Vec<Repeated>,
}

/// Detections and risky-user changes, as the export writes them.
#[derive(Default)]
struct Risk {
    detections: Vec<RiskDetection>,
    changes: Vec<RiskyUserHistoryItem>,
}

impl Risk {
    fn add(&mut self, item: RiskItem) {
        match item {
            RiskItem::Detection(d) => self.detections.push(*d),
            change => self.changes.extend(change.into_history_item()),
        }
    }

    /// Oldest first, by a stable sort: a user's changes keep their order.
    fn sort(&mut self) {
        self.detections.sort_by_key(|d| d.detected_date_time);
        self.changes
            .sort_by_key(|c| c.risk.risk_last_updated_date_time);
    }

    fn is_empty(&self) -> bool {
        self.detections.is_empty() && self.changes.is_empty()
    }

    /// What is converted, for the summary line: nothing when there is none.
    fn counted(&self) -> String {
        if self.is_empty() {
            return String::new();
        }
        format!(
            ", {} risk detection(s), {} risky-user change(s)",
            self.detections.len(),
            self.changes.len()
        )
    }
}

pub fn convert(args: &ConvertArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<Exit> {
    let input = match read(&args.files) {
        Ok(input) => input,
        Err(e) => {
            writeln!(err, "error: {e}")?;
            return Ok(Exit::BadInput);
        }
    };
    for (what, count) in &input.skipped {
        writeln!(
            err,
            "note: skipped {count} {what} record(s): neither sign-ins nor directory audits"
        )?;
    }
    for repeated in &input.repeated {
        writeln!(err, "{}", repeated.note())?;
    }
    let (tenant_id, origin) = match tenant_id(args.tenant_id.as_deref(), &input) {
        Ok(chosen) => chosen,
        Err(message) => {
            writeln!(err, "error: {message}")?;
            return Ok(Exit::BadInput);
        }
    };
    match write((args.format, args.api), &args.out, &tenant_id, &input) {
        Ok(summary) => {
            writeln!(
                out,
                "{} file(s): {} sign-ins, {} directory audits{}; tenant {tenant_id} ({origin})",
                args.files.len(),
                summary.sign_ins,
                summary.audits,
                input.risk.counted()
            )?;
            for file in summary.files {
                writeln!(out, "  wrote {}", file.display())?;
            }
            Ok(Exit::Success)
        }
        Err(e) => {
            writeln!(err, "error: cannot write to {}: {e}", args.out.display())?;
            Ok(Exit::BadInput)
        }
    }
}

/// Reads every file, each put oldest first, then merges them by time (a stable sort, so
/// records of one instant keep their order).
fn read(files: &[PathBuf]) -> Result<Input, LogFileError> {
    let mut input = Input {
        records: Vec::new(),
        tenant_ids: BTreeSet::new(),
        skipped: BTreeMap::new(),
        risk: Risk::default(),
        repeated: Vec::new(),
    };
    let mut ranges = Vec::with_capacity(files.len());
    let mut detection_ranges = Vec::with_capacity(files.len());
    for file in files {
        let mut records = Vec::new();
        let summary = logfiles::read_path_with(file, |record| records.push(record))?;
        logfiles::make_oldest_first(&mut records);
        let start = input.records.len();
        input.records.append(&mut records);
        ranges.push((file.clone(), start..input.records.len()));
        input.tenant_ids.extend(summary.tenant_ids);
        for (what, count) in summary.skipped {
            *input.skipped.entry(what).or_default() += count;
        }
        let detections = input.risk.detections.len();
        for item in summary.risk {
            input.risk.add(item);
        }
        detection_ranges.push((file.clone(), detections..input.risk.detections.len()));
    }
    let ids: Vec<&str> = input.records.iter().map(Record::id).collect();
    let mut repeated = repeated_ids("record", &ids, &ranges);
    let ids: Vec<&str> = input.risk.detections.iter().map(|d| &*d.id).collect();
    repeated.extend(repeated_ids("risk detection", &ids, &detection_ranges));
    input.repeated = repeated;
    input.records.sort_by_key(Record::time);
    input.risk.sort();
    Ok(input)
}

/// The tenant id for the envelopes, and where it came from.
fn tenant_id(flag: Option<&str>, input: &Input) -> Result<(String, &'static str), String> {
    if let Some(flag) = flag {
        let flag = flag.trim();
        if flag.is_empty() {
            return Err("--tenant-id: expected a tenant id, found nothing".into());
        }
        return Ok((flag.to_string(), "--tenant-id"));
    }
    let mut named = input.tenant_ids.clone();
    if named.is_empty() {
        // Graph records name no tenant; a sign-in's resource tenant is the one whose log
        // holds it.
        named.extend(input.records.iter().filter_map(|r| match r {
            Record::SignIn(s) => s.resource_tenant_id.as_ref().map(|t| t.to_string()),
            Record::Audit(_) => None,
        }));
    }
    let mut named = named.into_iter();
    match (named.next(), named.next()) {
        (None, _) => Ok((NO_TENANT_ID.to_string(), "the default")),
        (Some(one), None) => Ok((one, "named by the records")),
        (Some(first), Some(second)) => {
            let more = named.count();
            let others = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            Err(format!(
                "the records belong to several tenants ({first}, {second}{others}); convert \
                 each tenant's files separately, or name the tenant to write with --tenant-id"
            ))
        }
    }
}

fn write(
    (format, api): (Format, ApiVersion),
    dir: &Path,
    tenant_id: &str,
    input: &Input,
) -> io::Result<ExportSummary> {
    let options = ExportOptions {
        tenant_id: tenant_id.to_string(),
        api,
    };
    let mut exporter = Exporter::create(format, dir, &options)?;
    for record in &input.records {
        exporter.push(record)?;
    }
    let mut summary = exporter.finish()?;
    let risk = &input.risk;
    if !risk.is_empty() {
        let written = write_risk_files(format, dir, tenant_id, &risk.detections, &risk.changes)?;
        summary.files.extend(written);
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(tenant_ids: &[&str], records: &str) -> Input {
        Input {
            records: logfiles::read_slice("t.json", records.as_bytes()).unwrap(),
            tenant_ids: tenant_ids.iter().map(|t| t.to_string()).collect(),
            skipped: BTreeMap::new(),
            risk: Risk::default(),
            repeated: Vec::new(),
        }
    }

    const SIGN_IN_OF_T2: &str = r#"{"id":"1","createdDateTime":"2025-03-17T15:08:07Z","status":{"errorCode":0},"resourceTenantId":"t2"}"#;

    #[test]
    fn the_flag_wins_then_the_envelopes_then_the_sign_ins() {
        let both = input(&["t1"], SIGN_IN_OF_T2);
        assert_eq!(
            tenant_id(Some(" t9 "), &both).unwrap(),
            ("t9".to_string(), "--tenant-id")
        );
        assert_eq!(
            tenant_id(None, &both).unwrap(),
            ("t1".to_string(), "named by the records")
        );
        assert_eq!(tenant_id(None, &input(&[], SIGN_IN_OF_T2)).unwrap().0, "t2");
        assert_eq!(
            tenant_id(None, &input(&[], "")).unwrap(),
            (NO_TENANT_ID.to_string(), "the default")
        );
        assert!(tenant_id(Some(" "), &both).is_err());
    }

    #[test]
    fn several_tenants_need_the_flag() {
        let e = tenant_id(None, &input(&["a", "b", "c"], "")).unwrap_err();
        assert!(
            e.starts_with("the records belong to several tenants (a, b and 1 more)"),
            "{e}"
        );
    }
}
