//! Records held for serving, newest first, with cursor paging that costs the same on page 1
//! and page 10,000: a page starts where the cursor points and a time window in the filter
//! is found by binary search, so no page scans what came before it.

mod risk;

pub use risk::{RiskStore, RiskTier};

use crate::graph::{DirectoryAudit, Record, SignIn, Timestamp};
use crate::odata::{Cursor, Entity, Order, Prop, QueryError, QueryOptions};

/// The records of one tenant.
#[derive(Debug, Default)]
pub struct Store {
    pub sign_ins: Collection<SignIn>,
    pub audits: Collection<DirectoryAudit>,
    /// ID Protection: detections and risk history (empty unless the scenario declares it).
    pub risk: RiskStore,
}

impl Store {
    /// Builds a store from records in the order the simulator produces them (oldest first).
    pub fn from_records(records: impl IntoIterator<Item = Record>) -> Store {
        let mut sign_ins = Vec::new();
        let mut audits = Vec::new();
        for record in records {
            match record {
                Record::SignIn(s) => sign_ins.push(*s),
                Record::Audit(a) => audits.push(*a),
            }
        }
        Store {
            sign_ins: Collection::oldest_first(sign_ins),
            audits: Collection::oldest_first(audits),
            risk: RiskStore::default(),
        }
    }
}

/// A record the store can page: it has a time and can be filtered.
pub trait Timed: Entity {
    fn time(&self) -> Timestamp;
    const TIME: Prop;
}

impl Timed for SignIn {
    fn time(&self) -> Timestamp {
        self.created_date_time
    }
    const TIME: Prop = Prop::CreatedDateTime;
}

impl Timed for DirectoryAudit {
    fn time(&self) -> Timestamp {
        self.activity_date_time
    }
    const TIME: Prop = Prop::ActivityDateTime;
}

/// Records of one kind, newest first.
#[derive(Debug)]
pub struct Collection<T> {
    records: Vec<T>,
}

impl<T> Default for Collection<T> {
    fn default() -> Self {
        Collection {
            records: Vec::new(),
        }
    }
}

/// One page of results and where the next one starts.
#[derive(Debug)]
pub struct Page<'a, T> {
    pub items: Vec<&'a T>,
    pub next: Option<Cursor>,
}

impl<T: Timed> Collection<T> {
    /// Takes records oldest first (ties in the order they happened) and keeps them newest
    /// first, as Graph returns them.
    pub fn oldest_first(mut records: Vec<T>) -> Self {
        // The simulator's order is already by time; a stable sort keeps ties as they came.
        records.sort_by_key(|r| r.time());
        records.reverse();
        records.shrink_to_fit();
        Collection { records }
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&T> {
        self.records
            .iter()
            .find(|r| r.get(Prop::Id) == crate::odata::Val::Str(id))
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.records.iter()
    }

    /// The page `options` ask for. `visible` hides records that have not been ingested yet
    /// (it is given each record's index); `latest` is a time after which nothing is visible.
    pub fn page(
        &self,
        options: &QueryOptions,
        latest: Option<Timestamp>,
        visible: impl Fn(usize, &T) -> bool,
    ) -> Result<Page<'_, T>, QueryError> {
        let (lower, mut upper) = options
            .filter
            .as_ref()
            .map_or((None, None), |f| f.time_window(T::TIME));
        if let Some(latest) = latest {
            upper = Some(upper.map_or(latest.ticks(), |u| u.min(latest.ticks())));
        }
        // Newest first: records in the window are the index range [first, end).
        let first = upper.map_or(0, |u| {
            self.records.partition_point(|r| r.time().ticks() > u)
        });
        let end = lower.map_or(self.records.len(), |l| {
            self.records.partition_point(|r| r.time().ticks() >= l)
        });
        let end = end.max(first);
        let fingerprint = options.fingerprint();
        // Records in [first, end) satisfy the comparisons that made the window.
        let rest = options
            .filter
            .as_ref()
            .and_then(|f| f.beyond_time_window(T::TIME));
        let matches = |i: usize| {
            let record = &self.records[i];
            visible(i, record) && rest.as_ref().is_none_or(|f| f.matches(record))
        };
        let mut items = Vec::with_capacity(options.top.min(end - first));
        let mut next = None;
        let indices: Box<dyn Iterator<Item = usize>> = match options.order {
            Order::NewestFirst => {
                let start = self.resume(options.cursor, fingerprint, first, end)?;
                Box::new(start..end)
            }
            Order::OldestFirst => {
                let start = match options.cursor {
                    Some(_) => self.resume(options.cursor, fingerprint, first, end)? + 1,
                    None => end,
                };
                Box::new((first..start).rev())
            }
        };
        for i in indices {
            if !matches(i) {
                continue;
            }
            if items.len() == options.top {
                next = Some(Cursor {
                    position: i as u64,
                    fingerprint,
                });
                break;
            }
            items.push(&self.records[i]);
        }
        Ok(Page { items, next })
    }

    /// The index a cursor resumes at, checked against the query it was made for.
    fn resume(
        &self,
        cursor: Option<Cursor>,
        fingerprint: u64,
        first: usize,
        end: usize,
    ) -> Result<usize, QueryError> {
        let Some(cursor) = cursor else {
            return Ok(first);
        };
        let position = usize::try_from(cursor.position).unwrap_or(usize::MAX);
        if cursor.fingerprint != fingerprint || position >= self.records.len() {
            return Err(QueryError {
                code: "BadRequest",
                message: "Invalid $skiptoken.".into(),
                detail: Some("the $skiptoken belongs to another query: use the @odata.nextLink exactly as it was returned".into()),
            });
        }
        Ok(position.clamp(first, end.max(first)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::odata::{DIRECTORY_AUDIT, QueryOptions, SIGN_IN};

    fn store() -> Store {
        let text = include_str!("../../tests/data/population-small.yaml");
        let scenario =
            crate::scenario::load_str(std::path::Path::new("population-small.yaml"), text).unwrap();
        Store::from_records(crate::sim::simulate(&scenario).filter_map(|i| i.record))
    }

    fn options(query: &str) -> QueryOptions {
        QueryOptions::parse(query, &SIGN_IN, &["id"]).unwrap()
    }

    /// Follows cursors to the end; returns every id in order.
    fn all_pages(collection: &Collection<SignIn>, query: &str) -> Vec<String> {
        let mut ids = Vec::new();
        let mut options = options(query);
        loop {
            let page = collection.page(&options, None, |_, _| true).unwrap();
            assert!(page.items.len() <= options.top);
            ids.extend(page.items.iter().map(|s| s.id.to_string()));
            match page.next {
                Some(cursor) => options.cursor = Some(cursor),
                None => return ids,
            }
        }
    }

    fn expected(collection: &Collection<SignIn>, filter: &str, oldest_first: bool) -> Vec<String> {
        let f = crate::odata::Filter::parse(filter, &SIGN_IN).unwrap();
        let mut ids: Vec<String> = collection
            .iter()
            .filter(|s| f.matches(*s))
            .map(|s| s.id.to_string())
            .collect();
        if oldest_first {
            ids.reverse();
        }
        ids
    }

    #[test]
    fn paging_returns_every_match_once_in_order() {
        let store = store();
        let filter = "createdDateTime ge 2025-04-01T06:00:00Z and createdDateTime lt 2025-04-01T20:00:00Z and status/errorCode eq 0";
        for top in [1, 7, 1000] {
            let q = format!("$top={top}&$filter={filter}");
            assert_eq!(
                all_pages(&store.sign_ins, &q),
                expected(&store.sign_ins, filter, false),
                "top {top}"
            );
            let q = format!("$top={top}&$filter={filter}&$orderby=createdDateTime asc");
            assert_eq!(
                all_pages(&store.sign_ins, &q),
                expected(&store.sign_ins, filter, true),
                "top {top} asc"
            );
        }
        let everything = all_pages(&store.sign_ins, "$top=7");
        assert_eq!(everything.len(), store.sign_ins.len());
    }

    #[test]
    fn a_cursor_of_another_query_is_refused() {
        let store = store();
        let page = store
            .sign_ins
            .page(&options("$top=2"), None, |_, _| true)
            .unwrap();
        let mut other = options("$top=3");
        other.cursor = page.next;
        assert!(store.sign_ins.page(&other, None, |_, _| true).is_err());
    }

    #[test]
    fn latest_hides_newer_records() {
        let store = store();
        let latest = Timestamp::parse("2025-04-01T12:00:00Z").unwrap();
        let page = store
            .sign_ins
            .page(&options("$top=1000"), Some(latest), |_, _| true)
            .unwrap();
        assert!(!page.items.is_empty());
        assert!(page.items.iter().all(|s| s.created_date_time <= latest));
    }

    #[test]
    fn audits_page_with_lambdas() {
        let text = include_str!("../../scenarios/user03-sspr.yaml");
        let scenario =
            crate::scenario::load_str(std::path::Path::new("user03-sspr.yaml"), text).unwrap();
        let store = Store::from_records(crate::sim::simulate(&scenario).filter_map(|i| i.record));
        let user = store.audits.iter().next().unwrap().target_resources[0]
            .id
            .clone()
            .unwrap();
        let q = format!("$filter=targetResources/any(t: t/id eq '{user}') and result eq 'failure'");
        let options = QueryOptions::parse(&q, &DIRECTORY_AUDIT, &["id"]).unwrap();
        let page = store.audits.page(&options, None, |_, _| true).unwrap();
        assert_eq!(page.items.len(), 2);
        assert_eq!(
            page.items[0].activity_display_name.as_deref(),
            Some("Blocked from self-service password reset")
        );
    }
}
