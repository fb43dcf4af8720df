//! The Azure Monitor diagnostic-settings shape, as an Event Hub message or a storage-account
//! blob carries it: `{"records":[...]}` envelopes of records with `time`, `resourceId`,
//! `operationName`, `category`, `resultType`, ... and the Graph record under `properties`
//! (reference entra-behavior.md 6.2-6.4).
//!
//! # Files
//!
//! | file | category | records |
//! |---|---|---|
//! | `SignInLogs.json` | `SignInLogs` | interactive sign-ins (always written) |
//! | `NonInteractiveUserSignInLogs.json` | `NonInteractiveUserSignInLogs` | non-interactive user sign-ins (written only when there are any) |
//! | `ServicePrincipalSignInLogs.json`, `ManagedIdentitySignInLogs.json` | the same | service principal and managed identity sign-ins, read from files (written only when there are any) |
//! | `AuditLogs.json` | `AuditLogs` | directory audits (always written) |
//!
//! Which sign-in log a record belongs to: [`super::sign_in_logs`].
//!
//! Diagnostic settings keep one category per blob container (and Event Hub consumers usually
//! split by `category`), hence one file per category. Each line of a file is one envelope of
//! at most [`RECORDS_PER_ENVELOPE`] records, i.e. one Event Hub message body (100 sign-in
//! records are about 300 KB, under the 1 MB message limit). A file with no records holds one
//! empty envelope `{"records":[]}`. Records are **oldest first**, the order Event Hub delivers
//! them in.
//!
//! # Mapping (where the reference is sure, it is followed exactly)
//!
//! Sign-ins: `time` = `createdDateTime` (`Z`, 7 digits); `resourceId` =
//! `/tenants/<tenantId>/providers/Microsoft.aadiam`; `operationName` `Sign-in activity`;
//! `operationVersion` `1.0`; `category` `SignInLogs`, or `NonInteractiveUserSignInLogs` when
//! `isInteractive` is false; `tenantId`; `resultType` = `status.errorCode` as a string;
//! `resultSignature` `None`; `resultDescription` = `status.failureReason`; `durationMs` 0;
//! `callerIpAddress` = `ipAddress`; `correlationId`; `identity` = `userDisplayName`; `Level`
//! 4; `location` = `location.countryOrRegion`; `properties` = the v1.0 record with
//! `createdDateTime` written `2025-03-17T15:08:07.0000000+00:00`.
//!
//! Audits: `time` = `activityDateTime`; `operationName` = `activityDisplayName`; `category`
//! `AuditLogs`; `properties` = the v1.0 record with `activityDateTime` written with
//! `+00:00`; `correlationId`, `resourceId`, `tenantId`, `resultSignature` `None`,
//! `durationMs` 0 as for sign-ins.
//!
//! # Choices where the reference is UNSURE or silent
//!
//! - `time` equals the record's own time. Real envelopes were seen ~95 s later (ingestion);
//!   entralab models no ingestion delay, so `time` carries no extra information.
//! - `Level` is the integer `4` for both logs (the documented sign-in example and the 2023
//!   real audit export), not the older audit example's `"level": "Informational"`.
//! - Audit `resultType` = Graph `result` as is (`success`, `failure`), the field's older
//!   meaning; `resultDescription` = `resultReason` (what Log Analytics shows in both
//!   `ResultReason` and `ResultDescription`). `properties.result` stays the string of the
//!   current shape (not the older example's integer `0`).
//! - Audit `callerIpAddress` = `initiatedBy.user.ipAddress`, else `<null>` as in the
//!   documented app-initiated example.
//! - Audit `identity` = the initiating user's `displayName`, else its `userPrincipalName`
//!   (SSPR rows have no display name), else the app's `displayName`, else its
//!   `servicePrincipalName`.
//! - Audit envelopes have no `location` (neither documented example has one).
//! - Audit `properties` have `userAgent` after `operationType`, `null` unless the record carries
//!   beta's, as Elastic's real `AuditLogs` samples and the 2023 real export in the reference do.
//! - Sign-in `properties` add the beta-only properties the record has (the documented example
//!   has `authenticationDetails`, `authenticationRequirement`, `processingTimeInMilliseconds`,
//!   `tokenIssuerType`, `userType`, ...) and whatever else a file it was read from carried;
//!   `deviceDetail` and `userType` as real exports write them (`super::beta_fields`).
//!   Audit `properties` add what a file carried beyond the v1.0 properties.

use super::beta_fields::{self, ExportDevice, JsonEntries};
use super::output::OutputFile;
use super::sign_in_logs::SignInLog;
use super::timefmt::{seven_digits, write_seven_digits};
use super::{audit_identity, resource_id};
use crate::graph::wire::{integer, string, text};
use crate::graph::{
    DeviceDetail, DirectoryAudit, Record, SignIn, SignInForm, Timestamp, write_sign_in_fields,
};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub const AUDIT_FILE: &str = "AuditLogs.json";

/// Records per `{"records":[...]}` envelope (one line of a file).
pub const RECORDS_PER_ENVELOPE: usize = 100;

pub const SIGN_IN_OPERATION: &str = "Sign-in activity";
pub const OPERATION_VERSION: &str = "1.0";
pub const AUDIT_CATEGORY: &str = "AuditLogs";

pub(crate) struct EventHubExport {
    dir: PathBuf,
    tenant_id: String,
    resource_id: String,
    /// One file per sign-in log, in [`SignInLog`] order; the interactive one always.
    sign_ins: BTreeMap<SignInLog, Envelopes>,
    audits: Envelopes,
    /// The record being written, kept for the next.
    json: Vec<u8>,
}

impl EventHubExport {
    pub(crate) fn create(dir: &Path, tenant_id: &str) -> io::Result<Self> {
        Ok(EventHubExport {
            dir: dir.to_path_buf(),
            tenant_id: tenant_id.to_string(),
            resource_id: resource_id(tenant_id),
            sign_ins: BTreeMap::from([(
                SignInLog::Interactive,
                Envelopes::create(dir, &file_of(SignInLog::Interactive))?,
            )]),
            audits: Envelopes::create(dir, AUDIT_FILE)?,
            json: Vec::with_capacity(8192),
        })
    }

    pub(crate) fn push(&mut self, record: &Record) -> io::Result<()> {
        self.json.clear();
        match record {
            Record::SignIn(sign_in) => {
                EventHubSignIn {
                    sign_in,
                    tenant_id: &self.tenant_id,
                    resource_id: &self.resource_id,
                }
                .write_json(&mut self.json);
                let log = SignInLog::of(sign_in);
                let envelopes = match self.sign_ins.entry(log) {
                    Entry::Occupied(entry) => entry.into_mut(),
                    Entry::Vacant(entry) => {
                        entry.insert(Envelopes::create(&self.dir, &file_of(log))?)
                    }
                };
                envelopes.push(&self.json)
            }
            Record::Audit(audit) => {
                let audit = EventHubAudit {
                    audit,
                    tenant_id: &self.tenant_id,
                    resource_id: &self.resource_id,
                };
                serde_json::to_writer(&mut self.json, &audit).map_err(io::Error::other)?;
                self.audits.push(&self.json)
            }
        }
    }

    pub(crate) fn finish(self) -> io::Result<Vec<PathBuf>> {
        let mut files = Vec::new();
        for envelopes in self.sign_ins.into_values() {
            files.push(envelopes.finish()?);
        }
        files.push(self.audits.finish()?);
        Ok(files)
    }
}

/// `SignInLogs.json`, `NonInteractiveUserSignInLogs.json`, ...: a file per category.
fn file_of(log: SignInLog) -> String {
    format!("{}.json", log.category())
}

/// A file of `{"records":[...]}` envelopes, one per line.
struct Envelopes {
    file: OutputFile,
    open: usize,
    written: usize,
}

impl Envelopes {
    fn create(dir: &Path, name: &str) -> io::Result<Self> {
        Ok(Envelopes {
            file: OutputFile::create(dir, name)?,
            open: 0,
            written: 0,
        })
    }

    /// Adds a record, given as its JSON.
    fn push(&mut self, json: &[u8]) -> io::Result<()> {
        let out = self.file.writer();
        out.write_all(if self.open == 0 {
            b"{\"records\":["
        } else {
            b","
        })?;
        out.write_all(json)?;
        self.open += 1;
        self.written += 1;
        if self.open == RECORDS_PER_ENVELOPE {
            out.write_all(b"]}\n")?;
            self.open = 0;
        }
        Ok(())
    }

    fn finish(mut self) -> io::Result<PathBuf> {
        if self.open > 0 {
            self.file.write_all(b"]}\n")?;
        } else if self.written == 0 {
            self.file.write_all(b"{\"records\":[]}\n")?;
        }
        self.file.commit()
    }
}

/// One sign-in as a diagnostic-settings record.
pub struct EventHubSignIn<'a> {
    pub sign_in: &'a SignIn,
    pub tenant_id: &'a str,
    /// `/tenants/<tenantId>/providers/Microsoft.aadiam`
    pub resource_id: &'a str,
}

impl Serialize for EventHubSignIn<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let r = self.sign_in;
        let mut m = serializer.serialize_map(None)?;
        m.serialize_entry("time", &seven_digits(r.created_date_time, "Z"))?;
        m.serialize_entry("resourceId", self.resource_id)?;
        m.serialize_entry("operationName", SIGN_IN_OPERATION)?;
        m.serialize_entry("operationVersion", OPERATION_VERSION)?;
        m.serialize_entry("category", SignInLog::of(r).category())?;
        m.serialize_entry("tenantId", self.tenant_id)?;
        m.serialize_entry("resultType", &r.status.error_code.to_string())?;
        m.serialize_entry("resultSignature", "None")?;
        m.serialize_entry("resultDescription", &r.status.failure_reason)?;
        m.serialize_entry("durationMs", &0)?;
        m.serialize_entry("callerIpAddress", &r.ip_address)?;
        m.serialize_entry("correlationId", &r.correlation_id)?;
        m.serialize_entry("identity", &r.user_display_name)?;
        m.serialize_entry("Level", &4)?;
        m.serialize_entry("location", &r.location.country_or_region)?;
        m.serialize_entry("properties", &SignInProperties(r))?;
        m.end()
    }
}

impl EventHubSignIn<'_> {
    /// Appends the record as its `Serialize` writes it (`serde_json::to_writer`), the same
    /// bytes several times faster: its v1.0 properties with the direct writer of Graph's pages
    /// (`graph::write_sign_in_fields`) and no `serde_json::Value` on the way.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let r = self.sign_in;
        out.extend_from_slice(b"{\"time\":");
        write_seven_digits(out, r.created_date_time, "Z");
        out.extend_from_slice(b",\"resourceId\":");
        string(out, self.resource_id);
        out.extend_from_slice(b",\"operationName\":");
        string(out, SIGN_IN_OPERATION);
        out.extend_from_slice(b",\"operationVersion\":");
        string(out, OPERATION_VERSION);
        out.extend_from_slice(b",\"category\":");
        string(out, SignInLog::of(r).category());
        out.extend_from_slice(b",\"tenantId\":");
        string(out, self.tenant_id);
        out.extend_from_slice(b",\"resultType\":\"");
        integer(out, r.status.error_code.into());
        out.extend_from_slice(b"\",\"resultSignature\":\"None\"");
        text(out, b",\"resultDescription\":\"", &r.status.failure_reason);
        out.extend_from_slice(b",\"durationMs\":0");
        text(out, b",\"callerIpAddress\":\"", &r.ip_address);
        text(out, b",\"correlationId\":\"", &r.correlation_id);
        text(out, b",\"identity\":\"", &r.user_display_name);
        out.extend_from_slice(b",\"Level\":4");
        text(out, b",\"location\":\"", &r.location.country_or_region);
        out.extend_from_slice(b",\"properties\":");
        write_sign_in_fields::<ExportForm>(out, r);
        beta_fields::write_beta_entries(out, &r.beta);
        JsonEntries(out).extend(r.unknown.iter());
        out.extend_from_slice(b"}}");
    }
}

/// The v1.0 properties as the diagnostic-settings exports write them, for
/// `graph::write_sign_in_fields`: `createdDateTime` with seven digits and `+00:00`,
/// `deviceDetail` as `beta_fields` decides.
struct ExportForm;

impl SignInForm for ExportForm {
    fn created_date_time(out: &mut Vec<u8>, time: Timestamp) {
        write_seven_digits(out, time, "+00:00");
    }

    fn device_registration(device: &DeviceDetail) -> bool {
        beta_fields::device_registration(device)
    }
}

/// The sign-in under `properties`: every v1.0 property in Graph's order, then the beta-only
/// ones Event Hub records carry.
struct SignInProperties<'a>(&'a SignIn);

impl Serialize for SignInProperties<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut m = serializer.serialize_map(None)?;
        m.serialize_entry("id", &r.id)?;
        m.serialize_entry(
            "createdDateTime",
            &seven_digits(r.created_date_time, "+00:00"),
        )?;
        m.serialize_entry("userDisplayName", &r.user_display_name)?;
        m.serialize_entry("userPrincipalName", &r.user_principal_name)?;
        m.serialize_entry("userId", &r.user_id)?;
        m.serialize_entry("appId", &r.app_id)?;
        m.serialize_entry("appDisplayName", &r.app_display_name)?;
        m.serialize_entry("ipAddress", &r.ip_address)?;
        m.serialize_entry("clientAppUsed", &r.client_app_used)?;
        m.serialize_entry("correlationId", &r.correlation_id)?;
        m.serialize_entry("conditionalAccessStatus", &r.conditional_access_status)?;
        m.serialize_entry("isInteractive", &r.is_interactive)?;
        m.serialize_entry("riskDetail", &r.risk_detail)?;
        m.serialize_entry("riskLevelAggregated", &r.risk_level_aggregated)?;
        m.serialize_entry("riskLevelDuringSignIn", &r.risk_level_during_sign_in)?;
        m.serialize_entry("riskState", &r.risk_state)?;
        m.serialize_entry("riskEventTypes", &r.risk_event_types)?;
        m.serialize_entry("riskEventTypes_v2", &r.risk_event_types_v2)?;
        m.serialize_entry("resourceDisplayName", &r.resource_display_name)?;
        m.serialize_entry("resourceId", &r.resource_id)?;
        m.serialize_entry("status", &r.status)?;
        m.serialize_entry("deviceDetail", &ExportDevice(&r.device_detail))?;
        m.serialize_entry("location", &r.location)?;
        m.serialize_entry(
            "appliedConditionalAccessPolicies",
            &r.applied_conditional_access_policies,
        )?;
        m.serialize_entry(
            "authenticationAppDeviceDetails",
            &r.authentication_app_device_details,
        )?;
        m.serialize_entry("homeTenantId", &r.home_tenant_id)?;
        m.serialize_entry("resourceTenantId", &r.resource_tenant_id)?;
        m.serialize_entry("servicePrincipalId", &r.service_principal_id)?;
        m.serialize_entry("servicePrincipalName", &r.service_principal_name)?;
        m.serialize_entry("userAgent", &r.user_agent)?;
        beta_fields::serialize_beta_entries(&mut m, &r.beta)?;
        for (key, value) in r.unknown.iter() {
            m.serialize_entry(key, value)?;
        }
        m.end()
    }
}

/// One directory audit as a diagnostic-settings record.
pub struct EventHubAudit<'a> {
    pub audit: &'a DirectoryAudit,
    pub tenant_id: &'a str,
    /// `/tenants/<tenantId>/providers/Microsoft.aadiam`
    pub resource_id: &'a str,
}

impl Serialize for EventHubAudit<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let r = self.audit;
        let caller_ip = r
            .initiated_by
            .user
            .as_ref()
            .and_then(|u| u.ip_address.as_deref())
            .unwrap_or("<null>");
        let mut m = serializer.serialize_map(None)?;
        m.serialize_entry("time", &seven_digits(r.activity_date_time, "Z"))?;
        m.serialize_entry("resourceId", self.resource_id)?;
        m.serialize_entry("operationName", &r.activity_display_name)?;
        m.serialize_entry("operationVersion", OPERATION_VERSION)?;
        m.serialize_entry("category", AUDIT_CATEGORY)?;
        m.serialize_entry("tenantId", self.tenant_id)?;
        m.serialize_entry("resultType", &r.result)?;
        m.serialize_entry("resultSignature", "None")?;
        m.serialize_entry("resultDescription", &r.result_reason)?;
        m.serialize_entry("durationMs", &0)?;
        m.serialize_entry("callerIpAddress", caller_ip)?;
        m.serialize_entry("correlationId", &r.correlation_id)?;
        m.serialize_entry("identity", &audit_identity(r))?;
        m.serialize_entry("Level", &4)?;
        m.serialize_entry("properties", &AuditProperties(r))?;
        m.end()
    }
}

/// Beta's `directoryAudit.userAgent`, which the model keeps among a record's unknown properties.
pub(crate) const USER_AGENT: &str = "userAgent";

struct AuditProperties<'a>(&'a DirectoryAudit);

impl Serialize for AuditProperties<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut m = serializer.serialize_map(None)?;
        m.serialize_entry("id", &r.id)?;
        m.serialize_entry("category", &r.category)?;
        m.serialize_entry("correlationId", &r.correlation_id)?;
        m.serialize_entry("result", &r.result)?;
        m.serialize_entry("resultReason", &r.result_reason)?;
        m.serialize_entry("activityDisplayName", &r.activity_display_name)?;
        m.serialize_entry(
            "activityDateTime",
            &seven_digits(r.activity_date_time, "+00:00"),
        )?;
        m.serialize_entry("loggedByService", &r.logged_by_service)?;
        m.serialize_entry("operationType", &r.operation_type)?;
        // Real exports write beta's `userAgent` here, `null` when there is none.
        let user_agent = r
            .unknown
            .get(USER_AGENT)
            .unwrap_or(&serde_json::Value::Null);
        m.serialize_entry(USER_AGENT, user_agent)?;
        m.serialize_entry("initiatedBy", &r.initiated_by)?;
        m.serialize_entry("targetResources", &r.target_resources)?;
        m.serialize_entry("additionalDetails", &r.additional_details)?;
        for (key, value) in r.unknown.iter().filter(|(key, _)| *key != USER_AGENT) {
            m.serialize_entry(key, value)?;
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::test_records::{sample_audit, sample_sign_in};
    use serde_json::Value;

    fn keys(value: &Value) -> Vec<String> {
        value.as_object().unwrap().keys().cloned().collect()
    }

    #[test]
    fn properties_carry_every_graph_property() {
        let sign_in = sample_sign_in();
        let record = serde_json::to_value(EventHubSignIn {
            sign_in: &sign_in,
            tenant_id: "t",
            resource_id: "r",
        })
        .unwrap();
        let graph = serde_json::to_value(&sign_in).unwrap();
        for key in keys(&graph) {
            assert!(record["properties"].get(&key).is_some(), "{key} is lost");
        }
        let audit = sample_audit();
        let record = serde_json::to_value(EventHubAudit {
            audit: &audit,
            tenant_id: "t",
            resource_id: "r",
        })
        .unwrap();
        let graph = serde_json::to_value(&audit).unwrap();
        let properties = keys(&record["properties"]);
        for key in keys(&graph) {
            assert!(properties.contains(&key), "{key} is lost");
        }
        // In Graph's order, as the real exports (Elastic's AuditLogs samples) write them, with
        // their userAgent after operationType.
        let mut real = crate::graph::DIRECTORY_AUDIT_PROPERTIES.to_vec();
        let at = real.iter().position(|k| *k == "operationType").unwrap() + 1;
        real.insert(at, USER_AGENT);
        assert_eq!(properties, real);
        assert_eq!(record["properties"]["userAgent"], Value::Null);
    }

    /// The record as this export wrote it before its direct writer: the Graph JSON of the
    /// record and the export's own properties as `serde_json::Value`s (`beta_fields`'s
    /// encoding of then, kept in `value_reference`), serialised by serde_json.
    fn value_encoding(r: &SignIn, tenant_id: &str, resource_id: &str) -> Vec<u8> {
        use crate::export::beta_fields::value_reference;
        let Value::Object(mut properties) = serde_json::to_value(r).unwrap() else {
            unreachable!("a sign-in is an object")
        };
        properties["createdDateTime"] = seven_digits(r.created_date_time, "+00:00").into();
        properties["deviceDetail"] = value_reference::device_detail(&r.device_detail);
        let beyond = value_reference::beta_entries(r)
            .into_iter()
            .chain(r.unknown.iter().map(|(k, v)| (k.clone(), v.clone())));
        for (key, value) in beyond {
            // A key written twice would be one here: say so rather than compare wrongly.
            assert!(properties.insert(key, value).is_none(), "a property twice");
        }
        serde_json::to_vec(&serde_json::json!({
            "time": seven_digits(r.created_date_time, "Z"),
            "resourceId": resource_id,
            "operationName": "Sign-in activity",
            "operationVersion": "1.0",
            "category": SignInLog::of(r).category(),
            "tenantId": tenant_id,
            "resultType": r.status.error_code.to_string(),
            "resultSignature": "None",
            "resultDescription": r.status.failure_reason,
            "durationMs": 0,
            "callerIpAddress": r.ip_address,
            "correlationId": r.correlation_id,
            "identity": r.user_display_name,
            "Level": 4,
            "location": r.location.country_or_region,
            "properties": properties,
        }))
        .unwrap()
    }

    /// Every sign-in of the labs (scenarios, their folders, a population, sample exports read
    /// back): the direct writer and `Serialize` write the bytes the `Value` encoding wrote.
    #[test]
    fn writes_what_the_value_encoding_wrote_for_every_record_of_the_labs() {
        let (tenant_id, resource_id) = ("e17a1ab0-0000-4000-8000-000000000001", "/tenants/t\"");
        let mut checked = 0;
        let mut direct = Vec::new();
        for (path, record) in crate::export::test_records::every_lab_record() {
            let Record::SignIn(sign_in) = record else {
                continue;
            };
            let record = EventHubSignIn {
                sign_in: &sign_in,
                tenant_id,
                resource_id,
            };
            let want = String::from_utf8(value_encoding(&sign_in, tenant_id, resource_id));
            direct.clear();
            record.write_json(&mut direct);
            let by_serde = serde_json::to_vec(&record).unwrap();
            let at = format!("{} {}", path.display(), sign_in.id);
            assert_eq!(String::from_utf8(direct.clone()), want, "{at}");
            assert_eq!(String::from_utf8(by_serde), want, "{at}");
            checked += 1;
        }
        assert!(checked >= 1000, "only {checked} sign-ins checked");
    }

    #[test]
    fn the_envelope_follows_the_documented_example() {
        let sign_in = sample_sign_in();
        let text = serde_json::to_string(&EventHubSignIn {
            sign_in: &sign_in,
            tenant_id: "e17a1ab0-0000-4000-8000-000000000001",
            resource_id: &resource_id("e17a1ab0-0000-4000-8000-000000000001"),
        })
        .unwrap();
        assert!(text.starts_with(
            "{\"time\":\"2025-03-17T15:06:58.0000000Z\",\"resourceId\":\"/tenants/e17a1ab0-0000-4000-8000-000000000001/providers/Microsoft.aadiam\",\"operationName\":\"Sign-in activity\",\"operationVersion\":\"1.0\",\"category\":\"SignInLogs\",\"tenantId\":\"e17a1ab0-0000-4000-8000-000000000001\",\"resultType\":\"50126\",\"resultSignature\":\"None\","
        ), "{text}");
        assert!(text.contains("\"Level\":4,\"location\":\"JP\",\"properties\":{\"id\":"));
        assert!(text.contains("\"createdDateTime\":\"2025-03-17T15:06:58.0000000+00:00\""));
        assert!(text.contains("\"userType\":\"Member\""));
        assert!(text.contains("\"signInEventTypes\":[\"interactiveUser\"]"));
    }
}
