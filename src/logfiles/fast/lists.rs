//! Lists that repeat across records, shared like the values of [`super::intern`]: the empty
//! list of each kind (an `Arc<[T]>` allocates even when empty) and lists of one value
//! (`signInEventTypes: ["interactiveUser"]`, `authenticationMethodsUsed: ["Password"]`). A beta
//! sign-in of the Event Hub export has half a dozen such lists; each cost two allocations (the
//! list as read, then the shared slice) and two frees on the scanner's core.
//!
//! Lists of objects are read straight into their Graph type ([`ListOf`]).
//!
//! Like the values, the lists are kept per decoding thread and forgotten at the start of every
//! job ([`forget_all`]), so that no list is shared by records two cores take at once.

use super::text::Shared;
use crate::graph::{AuthenticationRequirementPolicy, KeyValue, NetworkLocationDetail, Text};
use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};
use serde_json::Value;
use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// Lists of one value kept at most: the exports repeat a handful.
const ONE_VALUE_LISTS: usize = 16;

#[derive(Default)]
pub(super) struct Lists {
    one_value: Vec<Arc<[Text]>>,
    texts: Option<Arc<[Text]>>,
    policies: Option<Arc<[AuthenticationRequirementPolicy]>>,
    key_values: Option<Arc<[KeyValue]>>,
    networks: Option<Arc<[NetworkLocationDetail]>>,
    values: Option<Arc<[Value]>>,
}

thread_local! {
    static CURRENT: RefCell<Lists> = RefCell::default();
}

/// Forgets the current thread's lists (see the module's notes).
pub(super) fn forget_all() {
    CURRENT.with_borrow_mut(|lists| *lists = Lists::default());
}

/// A kind of list whose empty one is shared.
pub(super) trait Listed: Sized {
    fn empty(lists: &mut Lists) -> &mut Option<Arc<[Self]>>;
}

macro_rules! listed {
    ($($item:ty => $field:ident),* $(,)?) => {
        $(impl Listed for $item {
            fn empty(lists: &mut Lists) -> &mut Option<Arc<[Self]>> {
                &mut lists.$field
            }
        })*
    };
}

listed! {
    Text => texts,
    AuthenticationRequirementPolicy => policies,
    KeyValue => key_values,
    NetworkLocationDetail => networks,
    Value => values,
}

/// `items` as a shared slice: the current thread's empty one when there are none.
pub(super) fn list<T: Listed>(items: Vec<T>) -> Arc<[T]> {
    if !items.is_empty() {
        return Arc::from(items);
    }
    CURRENT.with_borrow_mut(|lists| {
        T::empty(lists)
            .get_or_insert_with(|| Arc::from(Vec::new()))
            .clone()
    })
}

/// A list of values read through the intern table, as a shared slice: the empty list and
/// lists of one value are shared with the records that had the same, and neither is read
/// into a `Vec` first (two allocations and frees a beta sign-in).
pub(super) struct SharedList(pub(super) Arc<[Text]>);

impl<'de> Deserialize<'de> for SharedList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(SharedListVisitor)
    }
}

struct SharedListVisitor;

impl<'de> Visitor<'de> for SharedListVisitor {
    type Value = SharedList;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of strings")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<SharedList, A::Error> {
        let Some(Shared(first)) = seq.next_element()? else {
            return Ok(SharedList(list(Vec::new())));
        };
        let Some(Shared(second)) = seq.next_element()? else {
            return Ok(SharedList(one_value(first)));
        };
        let mut values = vec![first, second];
        while let Some(Shared(value)) = seq.next_element()? {
            values.push(value);
        }
        Ok(SharedList(Arc::from(values)))
    }
}

/// The list of `value` alone, shared.
fn one_value(value: Text) -> Arc<[Text]> {
    CURRENT.with_borrow_mut(|lists| {
        if let Some(kept) = lists
            .one_value
            .iter()
            .find(|kept| Arc::ptr_eq(&kept[0], &value) || *kept[0] == *value)
        {
            return kept.clone();
        }
        let list: Arc<[Text]> = Arc::from([value]);
        if lists.one_value.len() < ONE_VALUE_LISTS {
            lists.one_value.push(list.clone());
        }
        list
    })
}

/// A list read straight into its Graph type: each element is read as its mirror `W` and
/// converted at once, so that no list of mirrors is allocated (and copied) first.
pub(super) struct ListOf<W, T>(pub(super) Vec<T>, PhantomData<W>);

impl<'de, W: Deserialize<'de> + Into<T>, T> Deserialize<'de> for ListOf<W, T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(ListOfVisitor(PhantomData))
    }
}

struct ListOfVisitor<W, T>(PhantomData<(W, T)>);

impl<'de, W: Deserialize<'de> + Into<T>, T> Visitor<'de> for ListOfVisitor<W, T> {
    type Value = ListOf<W, T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element::<W>()? {
            items.push(item.into());
        }
        Ok(ListOf(items, PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(values: &[&str]) -> Arc<[Text]> {
        let json = serde_json::to_string(values).unwrap();
        serde_json::from_str::<SharedList>(&json).unwrap().0
    }

    #[test]
    fn empty_and_one_value_lists_are_shared_until_forgotten() {
        std::thread::spawn(|| {
            let (a, b) = (texts(&[]), texts(&[]));
            assert!(a.is_empty() && Arc::ptr_eq(&a, &b));
            let (a, b) = (texts(&["Password"]), texts(&["Password"]));
            assert_eq!(&*a[0], "Password");
            assert!(Arc::ptr_eq(&a, &b));
            let other = texts(&["Fido"]);
            assert_eq!(&*other[0], "Fido");
            let two = texts(&["Password", "Fido"]);
            assert_eq!(two.len(), 2);
            let empty: Arc<[KeyValue]> = list(Vec::new());
            assert!(Arc::ptr_eq(&empty, &list(Vec::new())));
            let one = list(vec![KeyValue {
                key: None,
                value: None,
            }]);
            assert_eq!(one.len(), 1);
            forget_all();
            assert!(!Arc::ptr_eq(&a, &texts(&["Password"])));
            assert!(!Arc::ptr_eq(&empty, &list(Vec::new())));
            // Many different lists of one value: each still read as it is.
            for n in 0..3 * ONE_VALUE_LISTS {
                let value = format!("v{n}");
                assert_eq!(&*texts(&[&value])[0], value);
            }
        })
        .join()
        .unwrap();
    }
}
