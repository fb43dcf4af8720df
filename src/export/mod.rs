//! Writing records out, in four formats ([`Format`]), each streaming with bounded memory.
//!
//! | format | files (in `DIR`) | shape | order |
//! |---|---|---|---|
//! | `graph` | `signIns.json`, `directoryAudits.json` | Graph collection response `{"@odata.context":...,"value":[...]}`, one record per line | newest first, as Graph serves them |
//! | `ndjson` | `signIns.ndjson`, `directoryAudits.ndjson` | one Graph record per line | oldest first |
//! | `eventhub` | `SignInLogs.json`, `AuditLogs.json` (+ `NonInteractiveUserSignInLogs.json` when any sign-in is non-interactive) | diagnostic-settings envelopes `{"records":[...]}`, one per line, at most 100 records each | oldest first |
//! | `loganalytics` | `SigninLogs.ndjson`, `SigninLogs.csv`, `AuditLogs.ndjson`, `AuditLogs.csv` (+ `AADNonInteractiveUserSignInLogs.*`) | table rows as JSON lines and as a portal CSV export | oldest first (a table has no order) |
//!
//! Graph collections list the newest record first while the simulator produces them oldest
//! first, so for `graph` records are spooled as they come (to a temporary file once they
//! outgrow memory) and written back in reverse. The spool keeps a record's repeated values
//! once (about a sixth of its JSON) and holds at most 32 MiB of them and one 16 MiB chunk
//! of JSON while reading back, so memory stays bounded. The other formats write each record
//! as it comes. Every file is written under a temporary name and renamed when complete.
//!
//! What does not survive a format (read back with [`crate::logfiles`]): `graph` and `ndjson`
//! keep every property of the API version they write (`ExportOptions::api`: v1.0 by default;
//! beta keeps everything but v1.0's `riskEventTypes`, which beta does not have). `eventhub` keeps every property but the device fields of an
//! unregistered device, which real exports leave out (`beta_fields`). `loganalytics` loses
//! those too, `authenticationAppDeviceDetails`, `clientCredentialType` and properties it has no
//! column for, and turns `null` top-level string properties into `""` (string columns are
//! never null); its CSV also keeps datetimes only to the millisecond. See [`eventhub`] and
//! [`loganalytics`] for the mappings.

mod beta_fields;
mod direct_io;
pub mod eventhub;
mod graph_json;
pub mod loganalytics;
pub mod ndjson;
mod output;
pub mod pipeline;
mod preallocate;
mod record_json;
pub mod risk;
pub mod risk_files;
pub use loganalytics::{risky_user_row, user_risk_event_row};
pub use risk_files::{RISKY_USER_COLUMNS, write_risk_files};
pub mod shard;
mod sign_in_logs;
mod spool;
mod timefmt;

use graph_json::GraphExport;
pub use graph_json::collect_newest_first;
pub use record_json::SerializedRecord;
pub use sign_in_logs::SignInLog;
pub use spool::ReversingSpool;

use crate::graph::{ApiVersion, DirectoryAudit, Record};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The tenant id written when nothing names one (`convert`, `query` and `detect` over files
/// without one): the nil GUID, which no real tenant has, so such output never claims to be
/// some real tenant's log.
pub const NO_TENANT_ID: &str = "00000000-0000-0000-0000-000000000000";

/// The provider of Entra ID diagnostic logs (`Resource`, `ResourceProvider`, ...).
pub const RESOURCE_PROVIDER: &str = "Microsoft.aadiam";

/// `/tenants/<tenantId>/providers/Microsoft.aadiam`, the `resourceId` of Entra ID
/// diagnostic records.
pub fn resource_id(tenant_id: &str) -> String {
    format!("/tenants/{tenant_id}/providers/{RESOURCE_PROVIDER}")
}

/// Who an audit row names as its `identity`: the initiating user's display name, else its
/// UPN, else the initiating app's display name, else its service principal name.
pub fn audit_identity(audit: &DirectoryAudit) -> Option<&str> {
    let by = &audit.initiated_by;
    let user = by.user.as_ref();
    let app = by.app.as_ref();
    user.and_then(|u| u.display_name.as_deref())
        .or_else(|| user.and_then(|u| u.user_principal_name.as_deref()))
        .or_else(|| app.and_then(|a| a.display_name.as_deref()))
        .or_else(|| app.and_then(|a| a.service_principal_name.as_deref()))
}

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Graph collection responses (`signIns.json`, `directoryAudits.json`).
    #[default]
    Graph,
    /// One Graph record per line.
    Ndjson,
    /// Diagnostic-settings / Event Hub `{"records":[...]}` envelopes.
    EventHub,
    /// Log Analytics `SigninLogs` / `AuditLogs` rows, as JSON lines and CSV.
    LogAnalytics,
}

impl Format {
    pub const ALL: [Format; 4] = [
        Format::Graph,
        Format::Ndjson,
        Format::EventHub,
        Format::LogAnalytics,
    ];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Graph => "graph",
            Format::Ndjson => "ndjson",
            Format::EventHub => "eventhub",
            Format::LogAnalytics => "loganalytics",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown format `{0}`: expected graph, ndjson, eventhub or loganalytics")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(text))
            .ok_or_else(|| UnknownFormat(text.to_string()))
    }
}

/// What an export needs beyond the records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// The Entra tenant id (`tenantId`, `resourceId`, `AADTenantId`); records other than
    /// sign-ins do not carry it.
    pub tenant_id: String,
    /// The Graph version the `graph` and `ndjson` formats write (v1.0 by default; beta keeps
    /// every property a record has).
    pub api: ApiVersion,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    pub format: Format,
    pub sign_ins: usize,
    pub audits: usize,
    pub files: Vec<PathBuf>,
}

enum Writer {
    /// Boxed: it holds its two spools in place.
    Graph(Box<GraphExport>),
    Ndjson(ndjson::NdjsonExport),
    EventHub(eventhub::EventHubExport),
    LogAnalytics(loganalytics::LogAnalyticsExport),
}

/// Writes records, oldest first, in one format into one folder.
pub struct Exporter {
    dir: PathBuf,
    format: Format,
    writer: Writer,
    sign_ins: usize,
    audits: usize,
    /// The record being written, for the formats that take records as their JSON.
    scratch: SerializedRecord,
}

impl Exporter {
    /// Creates `dir` if missing, and the files of the streaming formats.
    pub fn create(format: Format, dir: &Path, options: &ExportOptions) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let writer = match format {
            Format::Graph => Writer::Graph(Box::new(GraphExport::new(options.api))),
            Format::Ndjson => Writer::Ndjson(ndjson::NdjsonExport::create(dir, options.api)?),
            Format::EventHub => {
                Writer::EventHub(eventhub::EventHubExport::create(dir, &options.tenant_id)?)
            }
            Format::LogAnalytics => Writer::LogAnalytics(loganalytics::LogAnalyticsExport::create(
                dir,
                &options.tenant_id,
            )?),
        };
        Ok(Exporter {
            dir: dir.to_path_buf(),
            format,
            writer,
            sign_ins: 0,
            audits: 0,
            scratch: SerializedRecord::default(),
        })
    }

    /// Adds a record; records must come oldest first.
    pub fn push(&mut self, record: &Record) -> io::Result<()> {
        if let Some(api) = self.takes_serialized() {
            // Serialized here, into a buffer kept for the next record.
            let mut scratch = std::mem::take(&mut self.scratch);
            scratch.rewrite(record, api);
            let pushed = self.push_serialized(&scratch);
            self.scratch = scratch;
            return pushed;
        }
        self.count(matches!(record, Record::SignIn(_)));
        match &mut self.writer {
            Writer::EventHub(w) => w.push(record),
            Writer::LogAnalytics(w) => w.push(record),
            Writer::Graph(_) | Writer::Ndjson(_) => unreachable!("they take serialized records"),
        }
    }

    fn count(&mut self, is_sign_in: bool) {
        if is_sign_in {
            self.sign_ins += 1;
        } else {
            self.audits += 1;
        }
    }

    /// The API version to serialize records in for [`Exporter::push_serialized`], when this
    /// export takes them so: `graph` and `ndjson`, which write each record as its Graph JSON.
    pub fn takes_serialized(&self) -> Option<ApiVersion> {
        match &self.writer {
            Writer::Graph(w) => Some(w.api()),
            Writer::Ndjson(w) => Some(w.api()),
            Writer::EventHub(_) | Writer::LogAnalytics(_) => None,
        }
    }

    /// Adds a record serialized beforehand, in the version [`Exporter::takes_serialized`]
    /// names; records must come oldest first.
    pub fn push_serialized(&mut self, record: &SerializedRecord) -> io::Result<()> {
        self.count(record.is_sign_in);
        match &mut self.writer {
            Writer::Graph(w) => w.push_json(record.is_sign_in, &record.json),
            Writer::Ndjson(w) => w.push_json(record.is_sign_in, &record.json),
            Writer::EventHub(_) | Writer::LogAnalytics(_) => Err(io::Error::other(format!(
                "the {} format takes records, not their JSON",
                self.format
            ))),
        }
    }

    /// Completes every file and moves it into place.
    pub fn finish(self) -> io::Result<ExportSummary> {
        let files = match self.writer {
            Writer::Graph(w) => w.finish(&self.dir)?.files,
            Writer::Ndjson(w) => w.finish()?,
            Writer::EventHub(w) => w.finish()?,
            Writer::LogAnalytics(w) => w.finish()?,
        };
        Ok(ExportSummary {
            format: self.format,
            sign_ins: self.sign_ins,
            audits: self.audits,
            files,
        })
    }
}

/// Writes `records` (oldest first) in `format` into `dir`.
pub fn export_all(
    format: Format,
    dir: &Path,
    options: &ExportOptions,
    records: impl IntoIterator<Item = Record>,
) -> io::Result<ExportSummary> {
    let mut exporter = Exporter::create(format, dir, options)?;
    for record in records {
        exporter.push(&record)?;
    }
    exporter.finish()
}

#[cfg(test)]
pub(crate) mod test_records {
    use crate::graph::{DirectoryAudit, Record, SignIn};
    use std::path::{Path, PathBuf};

    /// Every record of every shipped scenario (`scenarios/`, its folders) and of
    /// `tests/data/population-small.yaml`, as `generate` makes them (with ID Protection where
    /// a scenario has it), and of the sample exports in `tests/data/exports` (read back, with
    /// the properties entralab does not model), with the file each came from.
    pub(crate) fn every_lab_record() -> Vec<(PathBuf, Record)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut scenarios = files_in(&root.join("scenarios"), "yaml");
        let folders = files_in(&root.join("scenarios"), "");
        for folder in folders.iter().filter(|path| path.is_dir()) {
            scenarios.extend(files_in(folder, "yaml"));
        }
        scenarios.push(root.join("tests/data/population-small.yaml"));
        let mut records = Vec::new();
        for path in scenarios {
            let Ok(scenario) = crate::scenario::load_file(&path) else {
                continue;
            };
            let made: Vec<Record> = if scenario.tenant.identity_protection.is_some() {
                crate::sim::risk::simulate_tenant_with_risk(&[&scenario]).0
            } else {
                crate::sim::simulate(&scenario)
                    .filter_map(|item| item.record)
                    .collect()
            };
            records.extend(made.into_iter().map(|record| (path.clone(), record)));
        }
        for path in files_in(&root.join("tests/data/exports"), "") {
            let read = crate::logfiles::read_path(&path).unwrap_or_default();
            records.extend(read.into_iter().map(|record| (path.clone(), record)));
        }
        records
    }

    /// The entries of `dir` whose names end with `extension` (all when it is empty), sorted.
    fn files_in(dir: &Path, extension: &str) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == extension) || extension.is_empty())
            .collect();
        files.sort();
        files
    }

    /// The user01 lab's second wrong password.
    pub(crate) fn sample_sign_in() -> SignIn {
        let mut sign_in: SignIn = serde_json::from_str(r#"{"id":"e6076e16-8b3a-45e8-971d-ae9ca292dc00","createdDateTime":"2025-03-17T15:06:58Z","userDisplayName":"ユーザ01","userPrincipalName":"user01@xxx.onmicrosoft.com","userId":"a4fedab0-38a2-4889-8417-02410af86c92","appId":"4765445b-32c6-49b0-83e6-1d93765276ca","appDisplayName":"OfficeHome","ipAddress":"203.0.113.10","clientAppUsed":"Browser","correlationId":"2f060a4d-6d23-48b6-8a12-4845b5117c65","conditionalAccessStatus":"notApplied","isInteractive":true,"riskDetail":"none","riskLevelAggregated":"none","riskLevelDuringSignIn":"none","riskState":"none","riskEventTypes":[],"riskEventTypes_v2":[],"resourceDisplayName":"OfficeHome","resourceId":"4765445b-32c6-49b0-83e6-1d93765276ca","status":{"errorCode":50126,"failureReason":"Error validating credentials due to invalid username or password.","additionalDetails":"The user didn't enter the right credentials."},"deviceDetail":{"deviceId":"","displayName":"","operatingSystem":"Windows10","browser":"Firefox 136.0","isCompliant":false,"isManaged":false,"trustType":""},"location":{"city":"Tokyo","state":"Tokyo","countryOrRegion":"JP","geoCoordinates":{"altitude":null,"latitude":35.6895,"longitude":139.6917}},"appliedConditionalAccessPolicies":[],"authenticationAppDeviceDetails":null,"homeTenantId":"e17a1ab0-0000-4000-8000-000000000001","resourceTenantId":"e17a1ab0-0000-4000-8000-000000000001","servicePrincipalId":"","servicePrincipalName":"","userAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:136.0) Gecko/20100101 Firefox/136.0"}"#).unwrap();
        sign_in.beta = serde_json::from_str(r#"{"signInEventTypes":["interactiveUser"],"userType":"member","authenticationRequirement":"singleFactorAuthentication","authenticationRequirementPolicies":[],"authenticationDetails":[{"authenticationStepDateTime":"2025-03-17T15:06:58Z","authenticationMethod":"Password","authenticationMethodDetail":"Password in the cloud","succeeded":false,"authenticationStepResultDetail":"Invalid username or password or Invalid on-premise username or password.","authenticationStepRequirement":"Primary authentication"}],"authenticationMethodsUsed":[],"authenticationProtocol":"none","authenticationProcessingDetails":[],"mfaDetail":{},"tokenIssuerType":"AzureAD","tokenIssuerName":"","crossTenantAccessType":"none","incomingTokenType":"none","isTenantRestricted":false,"flaggedForReview":false,"processingTimeInMilliseconds":238,"networkLocationDetails":[],"sessionLifetimePolicies":[],"originalRequestId":"e6076e16-8b3a-45e8-971d-ae9ca292dc00","clientCredentialType":"none"}"#).unwrap();
        sign_in
    }

    /// An SSPR row of the user03 lab.
    pub(crate) fn sample_audit() -> DirectoryAudit {
        serde_json::from_str(r#"{"id":"SSPR_eb5bee59-7c96-4949-a480-7fed019feae0_FVD2R_24004680","category":"UserManagement","correlationId":"4c6eda1c-83de-46a0-9bd9-9c594a2232d0","result":"failure","resultReason":"User throttle for attempting challenge: UserSMSOtp too many times.","activityDisplayName":"Blocked from self-service password reset","activityDateTime":"2025-03-17T16:38:17.8754851Z","loggedByService":"Self-service Password Management","operationType":"Update","initiatedBy":{"app":null,"user":{"id":"00e6b84e-62e0-475f-94c7-8c552072246c","displayName":null,"userPrincipalName":"user03@xxx.onmicrosoft.com","ipAddress":"203.0.113.30","userType":null,"homeTenantId":null,"homeTenantName":null}},"targetResources":[{"id":"00e6b84e-62e0-475f-94c7-8c552072246c","displayName":"ユーザ03","type":"User","userPrincipalName":"user03@xxx.onmicrosoft.com","groupType":null,"modifiedProperties":[]}],"additionalDetails":[]}"#).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_by_name() {
        for format in Format::ALL {
            assert_eq!(format.name().parse::<Format>().unwrap(), format);
        }
        assert_eq!("EventHub".parse::<Format>().unwrap(), Format::EventHub);
        assert!("csv".parse::<Format>().is_err());
    }

    #[test]
    fn audit_identity_falls_back_to_the_upn() {
        let audit = test_records::sample_audit();
        assert_eq!(audit_identity(&audit), Some("user03@xxx.onmicrosoft.com"));
    }

    /// `graph` and `ndjson` write the same bytes from records serialized beforehand, in
    /// either API version; the other formats refuse them.
    #[test]
    fn serialized_records_write_the_same_files() {
        let records = [
            Record::SignIn(Box::new(test_records::sample_sign_in())),
            Record::Audit(Box::new(test_records::sample_audit())),
            Record::SignIn(Box::new(test_records::sample_sign_in())),
        ];
        let read_dir = |dir: &Path| {
            let mut files: Vec<_> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| {
                    let path = e.unwrap().path();
                    (
                        path.file_name().unwrap().to_owned(),
                        std::fs::read(&path).unwrap(),
                    )
                })
                .collect();
            files.sort();
            files
        };
        let mut took = Vec::new();
        for format in Format::ALL {
            for api in [ApiVersion::V1, ApiVersion::Beta] {
                let options = ExportOptions {
                    tenant_id: "t".into(),
                    api,
                };
                let (by_record, by_json) =
                    (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
                export_all(format, by_record.path(), &options, records.clone()).unwrap();
                let mut exporter = Exporter::create(format, by_json.path(), &options).unwrap();
                let Some(taken) = exporter.takes_serialized() else {
                    let serialized = SerializedRecord::new(&records[0], api);
                    assert!(exporter.push_serialized(&serialized).is_err(), "{format}");
                    continue;
                };
                assert_eq!(taken, api);
                took.push(format);
                for record in &records {
                    exporter
                        .push_serialized(&SerializedRecord::new(record, api))
                        .unwrap();
                }
                let summary = exporter.finish().unwrap();
                assert_eq!((summary.sign_ins, summary.audits), (2, 1));
                assert_eq!(
                    read_dir(by_record.path()),
                    read_dir(by_json.path()),
                    "{format} {api:?}"
                );
            }
        }
        let both_versions = [Format::Graph, Format::Graph, Format::Ndjson, Format::Ndjson];
        assert_eq!(took, both_versions);
    }

    #[test]
    fn an_abandoned_export_leaves_no_files() {
        let dir = tempfile::tempdir().unwrap();
        let options = ExportOptions {
            tenant_id: "t".into(),
            ..ExportOptions::default()
        };
        for format in Format::ALL {
            let mut exporter = Exporter::create(format, dir.path(), &options).unwrap();
            exporter
                .push(&Record::SignIn(Box::new(test_records::sample_sign_in())))
                .unwrap();
            drop(exporter);
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
