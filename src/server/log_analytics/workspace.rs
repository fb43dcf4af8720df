//! One Log Analytics workspace per tenant: its id, and its tables as the `kql` engine reads
//! them, filled with the tenant's records.

use super::super::faults::Kind;
use super::super::respond::guid;
use super::super::state::TenantState;
use crate::graph::{Record, Timestamp};
use crate::kql::Catalog;
use crate::store::{Collection, Timed};
use sha2::{Digest, Sha256};

/// The Log Analytics table of directory audits; every other table holds sign-ins.
const AUDIT_TABLE: &str = "AuditLogs";

/// The workspace id of a tenant: a GUID drawn from the SHA-256 of the tenant id (RFC 9562
/// version 8, "custom"), so the same tenant has the same workspace in every serve.
pub fn workspace_id(tenant_id: &str) -> String {
    let digest = Sha256::digest(format!(
        "entralab workspace {}",
        tenant_id.to_ascii_lowercase()
    ));
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    guid(bytes, 8)
}

/// The tables `query` names, with the tenant's records ingested by `now` (the same ingestion
/// delays as Graph shows), oldest first as `entralab query` fills them.
pub fn catalog(tenant: &TenantState, query: &str, now: Timestamp) -> Catalog {
    let mut catalog = Catalog::for_query(query);
    let store = &tenant.config.store;
    let visible = |kind: Kind, index: usize, time: Timestamp| {
        tenant
            .delays
            .as_ref()
            .is_none_or(|d| d.visible(kind, index, time, now))
    };
    let tenant_id = tenant.config.id.as_str();
    // Only the tables the query names are filled; a record is copied only when its table is
    // one of them.
    let audits_named = catalog.names().any(|n| n == AUDIT_TABLE);
    let sign_ins_named = catalog.names().any(|n| n != AUDIT_TABLE);
    if sign_ins_named {
        for sign_in in ingested(&store.sign_ins, Kind::SignIns, &visible) {
            catalog.push(&Record::SignIn(Box::new(sign_in.clone())), tenant_id);
        }
    }
    if audits_named {
        for audit in ingested(&store.audits, Kind::Audits, &visible) {
            catalog.push(&Record::Audit(Box::new(audit.clone())), tenant_id);
        }
    }
    catalog
}

/// The records of a store collection (newest first, numbered in that order as the ingestion
/// delays number them) that are visible, oldest first.
fn ingested<'a, T: Timed>(
    records: &'a Collection<T>,
    kind: Kind,
    visible: &impl Fn(Kind, usize, Timestamp) -> bool,
) -> Vec<&'a T> {
    let mut found: Vec<&T> = records
        .iter()
        .enumerate()
        .filter(|(i, r)| visible(kind, *i, r.time()))
        .map(|(_, r)| r)
        .collect();
    found.reverse();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_ids_are_guids_fixed_by_the_tenant() {
        let id = workspace_id("e17a1ab0-0000-4000-8000-000000000001");
        assert_eq!(id, workspace_id("E17A1AB0-0000-4000-8000-000000000001"));
        assert_ne!(id, workspace_id("e17a1ab0-0000-4000-8000-000000000004"));
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "8");
        assert!(
            id.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase() || c == '-')
        );
    }
}
