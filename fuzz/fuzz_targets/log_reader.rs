//! Fuzzes the log file readers (`entralab::logfiles`): any bytes, read with the typed fast
//! path and with the general path alone, must give the same records, summary and error, and
//! reading while skipping bad records must not panic either.

#![no_main]

use entralab::logfiles;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (mut fast, mut general) = (Vec::new(), Vec::new());
    let a = logfiles::read_from("fuzz.json", data, |r| fast.push(r));
    let b = logfiles::read_from_general_path("fuzz.json", data, |r| general.push(r));
    assert_eq!(a, b, "the fast and general paths disagree on the summary or error");
    assert_eq!(fast, general, "the fast and general paths read different records");
    let _ = logfiles::read_from_skipping_bad("fuzz.json", data, |_| {}, |_| {});
});
