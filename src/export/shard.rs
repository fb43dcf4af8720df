//! `generate --shard K/N`: which records belong to shard K of N.
//!
//! Every record has an *owner*, and a record belongs to the shard its owner hashes to, so all
//! of a user's records (their sign-ins, lockout and SSPR rows) land in one shard, and the N
//! shards of a run together hold each of its records exactly once, byte for byte. The owner:
//!
//! - a sign-in: its `userId`; for a sign-in without one (a service principal's), its
//!   `servicePrincipalId`, else its `appId`;
//! - an audit: the initiating user's id; else the first target of type `User`; else the
//!   initiating app's `servicePrincipalId`, else its `appId`; else the record's own id.
//!
//! The hash is 64-bit FNV-1a of the owner's text, modulo N: fixed by this file, not by the
//! Rust standard library, so shards stay the same across builds and machines.

use crate::graph::{DirectoryAudit, Record, SignIn};
use std::fmt;
use std::str::FromStr;

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: u32,
    count: u32,
}

impl Shard {
    /// Shard `index` (1..=count) of `count`; `None` when out of range.
    pub fn new(index: u32, count: u32) -> Option<Shard> {
        (index >= 1 && index <= count).then_some(Shard { index, count })
    }

    /// Whether `record` belongs to this shard.
    pub fn contains(&self, record: &Record) -> bool {
        self.owns(owner(record))
    }

    /// Whether the records about the user (or app) `owner_id` belong to this shard: also how
    /// ID Protection's detections and risky users follow their user's sign-ins.
    pub fn owns(&self, owner_id: &str) -> bool {
        shard_of(owner_id, self.count) == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a shard: write K/N, shard K (counted from 1) of N shards, e.g. 1/3, 2/3 and 3/3"
)]
pub struct BadShard(String);

impl FromStr for Shard {
    type Err = BadShard;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || BadShard(text.to_string());
        let (index, count) = text.split_once('/').ok_or_else(bad)?;
        let index: u32 = index.trim().parse().map_err(|_| bad())?;
        let count: u32 = count.trim().parse().map_err(|_| bad())?;
        Shard::new(index, count).ok_or_else(bad)
    }
}

/// The 1-based shard of `owner` among `count`.
fn shard_of(owner: &str, count: u32) -> u32 {
    (fnv1a(owner.as_bytes()) % u64::from(count)) as u32 + 1
}

/// 64-bit FNV-1a: small, fast on short ids, and fixed forever.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Who a record is about (see the module documentation).
pub fn owner(record: &Record) -> &str {
    match record {
        Record::SignIn(s) => sign_in_owner(s),
        Record::Audit(a) => audit_owner(a),
    }
}

fn sign_in_owner(sign_in: &SignIn) -> &str {
    [
        &sign_in.user_id,
        &sign_in.service_principal_id,
        &sign_in.app_id,
    ]
    .into_iter()
    .flatten()
    .map(|t| &**t)
    .find(|t| !t.is_empty())
    .unwrap_or(&sign_in.id)
}

fn audit_owner(audit: &DirectoryAudit) -> &str {
    let by = &audit.initiated_by;
    let user = by.user.as_ref().and_then(|u| u.id.as_deref());
    let target = audit
        .target_resources
        .iter()
        .find(|t| t.resource_type.as_deref() == Some("User"))
        .and_then(|t| t.id.as_deref());
    let app = by.app.as_ref();
    let app_ids = app.map(|a| [a.service_principal_id.as_deref(), a.app_id.as_deref()]);
    [user, target]
        .into_iter()
        .chain(app_ids.into_iter().flatten())
        .flatten()
        .find(|t| !t.is_empty())
        .unwrap_or(&audit.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::test_records::{sample_audit, sample_sign_in};

    #[test]
    fn shards_parse_one_based() {
        assert_eq!("2/3".parse::<Shard>().unwrap(), Shard::new(2, 3).unwrap());
        assert_eq!("1/1".parse::<Shard>().unwrap().to_string(), "1/1");
        for bad in ["0/3", "4/3", "x", "1/0", "3", "-1/3", "1/3/5", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_owner_has_exactly_one_shard() {
        let owners = ["a4fedab0-38a2-4889-8417-02410af86c92", "", "x"];
        for count in 1..=7 {
            for owner in owners {
                let holders = (1..=count).filter(|&k| shard_of(owner, count) == k).count();
                assert_eq!(holders, 1);
            }
        }
    }

    #[test]
    fn the_hash_is_the_published_fnv1a() {
        // Test vectors of the FNV reference (isthe.com/chongo/tech/comp/fnv).
        assert_eq!(fnv1a(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a(b"a"), 0xaf63dc4c8601ec8c);
    }

    #[test]
    fn a_users_sign_ins_and_sspr_audits_share_an_owner() {
        let sign_in = Record::SignIn(Box::new(sample_sign_in()));
        assert_eq!(owner(&sign_in), "a4fedab0-38a2-4889-8417-02410af86c92");
        let audit = Record::Audit(Box::new(sample_audit()));
        assert_eq!(owner(&audit), "00e6b84e-62e0-475f-94c7-8c552072246c");
    }

    #[test]
    fn an_app_sign_in_is_owned_by_its_service_principal() {
        let mut sign_in = sample_sign_in();
        sign_in.user_id = Some("".into());
        sign_in.service_principal_id = Some("sp-1".into());
        assert_eq!(owner(&Record::SignIn(Box::new(sign_in))), "sp-1");
    }

    #[test]
    fn an_app_audit_falls_back_to_its_target_then_its_app() {
        let mut audit = sample_audit();
        audit.initiated_by.user = None;
        assert_eq!(
            owner(&Record::Audit(Box::new(audit.clone()))),
            "00e6b84e-62e0-475f-94c7-8c552072246c"
        );
        audit.target_resources.clear();
        assert_eq!(owner(&Record::Audit(Box::new(audit.clone()))), &*audit.id);
    }
}
