//! Which rules can run on entralab's records, and why the others cannot.

use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// A rule file, or one rule of it, that cannot run on entralab's records.
#[derive(Debug, Clone, Serialize)]
pub struct NotApplicable {
    pub file: PathBuf,
    /// The rule's title, when the file parsed far enough to have one.
    pub title: Option<String>,
    pub id: Option<String>,
    /// `parse` (the file or a document of it does not parse), `compile` (the engine rejects
    /// the rule), `logsource` (a log source entralab does not produce) or `correlation`
    /// (built on rules that are not loaded); for a Sentinel rule, `table` (it reads a table
    /// entralab does not produce), `unsupported` (KQL entralab does not run yet), `query`
    /// (its query does not bind) or `kind` (not a query rule).
    pub kind: &'static str,
    pub reason: String,
}

impl NotApplicable {
    pub(crate) fn unparsed(file: &Path, error: impl fmt::Display) -> Self {
        NotApplicable {
            file: file.to_path_buf(),
            title: None,
            id: None,
            kind: "parse",
            reason: format!("does not parse: {error}"),
        }
    }

    pub(super) fn rule(
        file: &Path,
        rule: &rsigma_parser::SigmaRule,
        kind: &'static str,
        reason: String,
    ) -> Self {
        NotApplicable {
            file: file.to_path_buf(),
            title: Some(rule.title.clone()),
            id: rule.id.clone(),
            kind,
            reason,
        }
    }

    /// Whether `detect` warns about it: a broken rule does, a rule for another log source
    /// or table (most of a SigmaHQ or Sentinel checkout) does not.
    pub fn is_broken(&self) -> bool {
        !matches!(self.kind, "logsource" | "table" | "kind")
    }
}

impl fmt::Display for NotApplicable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(title) = &self.title {
            write!(f, ": `{title}`")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// The service a rule runs on (`signinlogs`, `auditlogs` or `riskdetection`, the log sources entralab
/// produces, under `product: azure`), or why it runs on none.
pub(super) fn service_of(logsource: &rsigma_parser::LogSource) -> Result<&'static str, String> {
    let product = logsource.product.as_deref().map(str::to_ascii_lowercase);
    let service = logsource.service.as_deref().map(str::to_ascii_lowercase);
    match (product.as_deref(), service.as_deref()) {
        (Some("azure"), Some("signinlogs")) => Ok("signinlogs"),
        (Some("azure"), Some("auditlogs")) => Ok("auditlogs"),
        (Some("azure"), Some("riskdetection")) => Ok("riskdetection"),
        (Some("azure"), Some(other)) => Err(format!("`service: {other}` is not produced yet")),
        (Some("azure"), None) => Err("`product: azure` without a `service`".into()),
        (Some(other), _) => Err(format!("`product: {other}` is not produced")),
        (None, _) => Err("no `product` in its logsource".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logsource(product: Option<&str>, service: Option<&str>) -> rsigma_parser::LogSource {
        rsigma_parser::LogSource {
            product: product.map(String::from),
            service: service.map(String::from),
            ..Default::default()
        }
    }

    #[test]
    fn only_azure_sign_in_and_audit_logs_apply() {
        assert_eq!(
            service_of(&logsource(Some("Azure"), Some("SigninLogs"))),
            Ok("signinlogs")
        );
        assert_eq!(
            service_of(&logsource(Some("azure"), Some("auditlogs"))),
            Ok("auditlogs")
        );
        assert_eq!(
            service_of(&logsource(Some("azure"), Some("riskdetection"))),
            Ok("riskdetection")
        );
        let activity = service_of(&logsource(Some("azure"), Some("activitylogs"))).unwrap_err();
        assert!(
            activity.starts_with("`service: activitylogs` is not produced yet"),
            "{activity}"
        );
        let m365 = service_of(&logsource(Some("m365"), Some("threat_management"))).unwrap_err();
        assert!(m365.starts_with("`product: m365`"), "{m365}");
        assert!(service_of(&logsource(None, None)).is_err());
    }
}
