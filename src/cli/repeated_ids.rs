//! Records that `convert` read twice: the same log given as two files (a Log Analytics table's
//! `.ndjson` and its `.csv`, a folder of pages and one of them again) would otherwise be
//! written twice without a word. Graph gives every sign-in, audit and risk detection its own
//! `id`, so a repeated id says it. Both copies are still written, as read: a log that really
//! holds one record twice (Event Hubs delivers at least once) is the input the user gave.
//! (A risky user's changes share the user's id: they are not checked.)

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::ops::Range;
use std::path::PathBuf;

/// How many of one file's records have the id of a record read before them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeated {
    /// What the records are: `record`, `risk detection`.
    pub what: &'static str,
    pub file: PathBuf,
    pub count: usize,
    /// The other file that held the first of them (the same path when one file was given
    /// twice); `None` when they repeat records of their own file.
    pub first_in: Option<PathBuf>,
}

impl Repeated {
    /// The note for stderr.
    pub fn note(&self) -> String {
        match &self.first_in {
            None => format!(
                "note: {} {what}(s) of {} repeat the id of an earlier {what} of the same file; \
                 every copy is written",
                self.count,
                self.file.display(),
                what = self.what,
            ),
            Some(first_in) => format!(
                "note: {} {what}(s) of {} have the ids of {what}s of {} (the same log given \
                 twice?); both copies are written",
                self.count,
                self.file.display(),
                first_in.display(),
                what = self.what,
            ),
        }
    }
}

/// The repeats among the `ids` of `what` (`record`, `risk detection`), where `files` says
/// which file each range of them came from (in the order read). A file whose repeats came
/// first from several files is named with the first of them.
pub fn repeated_ids(
    what: &'static str,
    ids: &[&str],
    files: &[(PathBuf, Range<usize>)],
) -> Vec<Repeated> {
    let mut first_file: HashMap<&str, usize> = HashMap::with_capacity(ids.len());
    let mut found = Vec::new();
    for (index, (file, range)) in files.iter().enumerate() {
        let (mut within, mut across, mut first_in) = (0, 0, None);
        for &id in &ids[range.clone()] {
            match first_file.entry(id) {
                Entry::Vacant(entry) => {
                    entry.insert(index);
                }
                Entry::Occupied(entry) if *entry.get() == index => within += 1,
                Entry::Occupied(entry) => {
                    across += 1;
                    first_in.get_or_insert(*entry.get());
                }
            }
        }
        if let Some(earlier) = first_in {
            found.push(Repeated {
                what,
                file: file.clone(),
                count: across,
                first_in: Some(files[earlier].0.clone()),
            });
        }
        if within > 0 {
            found.push(Repeated {
                what,
                file: file.clone(),
                count: within,
                first_in: None,
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(files: &[(&str, &[&'static str])]) -> Vec<Repeated> {
        let mut ids = Vec::new();
        let mut ranges = Vec::new();
        for (name, of_file) in files {
            let start = ids.len();
            ids.extend_from_slice(of_file);
            ranges.push((PathBuf::from(name), start..ids.len()));
        }
        repeated_ids("record", &ids, &ranges)
    }

    #[test]
    fn distinct_ids_give_no_note() {
        assert_eq!(read(&[("a", &["1", "2"]), ("b", &["3"])]), vec![]);
    }

    #[test]
    fn a_file_given_twice_is_named_with_the_file_that_held_them_first() {
        let found = read(&[("a.ndjson", &["1", "2", "3"]), ("a.csv", &["3", "2", "4"])]);
        assert_eq!(
            found,
            vec![Repeated {
                what: "record",
                file: "a.csv".into(),
                count: 2,
                first_in: Some("a.ndjson".into())
            }]
        );
        assert_eq!(
            found[0].note(),
            "note: 2 record(s) of a.csv have the ids of records of a.ndjson (the same log \
             given twice?); both copies are written"
        );
    }

    #[test]
    fn one_file_given_twice_is_not_taken_for_repeats_within_it() {
        let found = read(&[("a", &["1", "2"]), ("a", &["1", "2"])]);
        assert_eq!(
            found,
            vec![Repeated {
                what: "record",
                file: "a".into(),
                count: 2,
                first_in: Some("a".into())
            }]
        );
        assert!(found[0].note().contains("the same log given twice?"));
    }

    #[test]
    fn repeats_within_one_file_are_counted_apart() {
        let found = read(&[("a", &["1", "1", "2", "1"]), ("b", &["2", "5"])]);
        assert_eq!(
            found,
            vec![
                Repeated {
                    what: "record",
                    file: "a".into(),
                    count: 2,
                    first_in: None
                },
                Repeated {
                    what: "record",
                    file: "b".into(),
                    count: 1,
                    first_in: Some("a".into())
                },
            ]
        );
        assert!(
            found[0].note().contains("of the same file"),
            "{}",
            found[0].note()
        );
    }
}
