//! `entralab report`: the page is written for every shipped scenario, byte for byte the same
//! each time, keeps scenario strings as text, and opens in a real browser (Debian's headless
//! Chromium driven by playwright-core from tests/js) with no console error, showing the lab's
//! rows and the lockout and SSPR state behind them.
//!
//! The browser test needs /usr/bin/chromium (or ENTRALAB_CHROMIUM), which `.ci/run` installs
//! with apt-get when it is missing, and Node.js 20 with tests/js installed in target/js-clients
//! (see real_clients.rs). Without them it fails with what to install: it never skips.

use crate::real_clients::{js_clients, run_bounded};
use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const SEED_LABS: [&str; 3] = [
    "scenarios/user01-password-failures.yaml",
    "scenarios/user02-smart-lockout.yaml",
    "scenarios/user03-sspr.yaml",
];
/// Markup that must stay text wherever a scenario string lands.
const HOSTILE: &str = "</script><img src=x onerror=alert(1)><b>bold</b>";

fn entralab() -> Command {
    let mut cmd = Command::cargo_bin("entralab").unwrap();
    cmd.current_dir(ROOT);
    cmd
}

/// Writes a report of `paths` with `extra` options; returns the page and what was printed.
fn report(paths: &[&str], extra: &[&str], out: &Path) -> (String, String) {
    let output = entralab()
        .arg("report")
        .args(paths)
        .args(extra)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "report {paths:?} {extra:?}: {}{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    (std::fs::read_to_string(out).unwrap(), stdout)
}

/// The folders of shipped scenarios.
const SHIPPED: [&str; 3] = [
    "scenarios",
    "scenarios/detections",
    "scenarios/identity-protection",
];

fn shipped_scenarios() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in SHIPPED {
        for entry in std::fs::read_dir(Path::new(ROOT).join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path.strip_prefix(ROOT).unwrap().to_path_buf());
            }
        }
    }
    files.sort();
    assert!(files.len() > 20, "{files:?}");
    files
}

#[test]
fn report_over_every_shipped_scenario_is_written_and_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--verify",
        "--rules",
        "tests/data/sigma",
        "--rules",
        "tests/data/sentinel",
    ];
    let (first, printed) = report(&SHIPPED, &args, &dir.path().join("a.html"));
    let (second, _) = report(&SHIPPED, &args, &dir.path().join("b.html"));
    assert!(first == second, "two runs wrote different pages");
    assert!(printed.contains(&format!("{} scenario(s)", shipped_scenarios().len())));
    // One self-contained file: nothing to fetch at view time.
    for outside in [
        "<script src",
        "<link rel=\"stylesheet\"",
        "@import",
        "url(http",
    ] {
        assert!(!first.contains(outside), "the page refers to {outside}");
    }
    assert!(first.contains("default-src 'none'"));
    for file in shipped_scenarios() {
        let text = std::fs::read_to_string(Path::new(ROOT).join(&file)).unwrap();
        let name = text
            .lines()
            .find_map(|l| l.strip_prefix("name: "))
            .unwrap()
            .trim();
        assert!(
            first.contains(&format!("\"name\":\"{name}\"")),
            "{name} missing"
        );
    }
    // Without paths: the built-in labs, which are the files in scenarios/.
    let (builtin, _) = report(&[], &[], &dir.path().join("builtin.html"));
    let (folder, _) = report(&["scenarios"], &[], &dir.path().join("folder.html"));
    assert!(
        builtin == folder,
        "the built-in labs differ from scenarios/"
    );
    // Another seed, another page.
    let (reseeded, _) = report(
        &["scenarios"],
        &["--seed", "7"],
        &dir.path().join("s7.html"),
    );
    assert!(reseeded != folder);
}

#[test]
fn report_exits_1_when_an_expectation_fails_and_2_on_a_broken_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let lab = std::fs::read_to_string(Path::new(ROOT).join(SEED_LABS[1])).unwrap();
    let wrong = dir.path().join("wrong.yaml");
    std::fs::write(&wrong, lab.replace("times: 5..7", "times: 1..2")).unwrap();
    let out = dir.path().join("r.html");
    entralab()
        .args(["report", "--verify", "--out"])
        .arg(&out)
        .arg(&wrong)
        .assert()
        .code(1);
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("\"passed\":false")
    );
    // Without --verify the expectations are not checked.
    entralab()
        .args(["report", "--out"])
        .arg(&out)
        .arg(&wrong)
        .assert()
        .code(0);
    entralab()
        .args(["report", "tests/data/broken", "--out"])
        .arg(&out)
        .assert()
        .code(2);
    entralab()
        .args(["report", "scenarios", "--out"])
        .arg(dir.path().join("no/such/folder/r.html"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot write"));
}

/// A copy of user01's lab whose display name and description are markup.
fn hostile_scenario(dir: &Path) -> PathBuf {
    let lab = std::fs::read_to_string(Path::new(ROOT).join(SEED_LABS[0])).unwrap();
    let quoted = serde_json::to_string(HOSTILE).unwrap();
    let text = lab
        .replace("display_name: ユーザ01", &format!("display_name: {quoted}"))
        .replacen("description: ", &format!("description: {quoted} #"), 1);
    assert!(text.contains(&quoted));
    let path = dir.join("hostile.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn scenario_strings_cannot_become_markup() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = hostile_scenario(dir.path());
    let (page, _) = report(
        &[scenario.to_str().unwrap()],
        &[],
        &dir.path().join("h.html"),
    );
    assert!(
        !page.contains("<img"),
        "markup from the scenario reached the page"
    );
    assert!(!page.contains("<b>bold"));
    assert_eq!(page.matches("</script>").count(), 2, "only the page's own");
}

fn chromium() -> PathBuf {
    let path = std::env::var_os("ENTRALAB_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "{} not found: the report's browser test needs Debian's chromium \
         (`apt-get update && apt-get install -y chromium`, as .ci/run does), or set \
         ENTRALAB_CHROMIUM to a Chromium binary",
        path.display()
    );
    path
}

/// Loads `pages` (html, optional screenshot) with tests/js/report-check.mjs; one result each.
fn open_in_chromium(pages: &[(PathBuf, Option<PathBuf>)]) -> Vec<Value> {
    let chromium = chromium();
    let clients = js_clients();
    let script = clients.join("report-check.mjs");
    std::fs::copy(Path::new(ROOT).join("tests/js/report-check.mjs"), &script).unwrap();
    let mut cmd = std::process::Command::new("node");
    cmd.current_dir(&clients).arg(&script).arg(&chromium);
    for (page, shot) in pages {
        let mut spec = page.display().to_string();
        if let Some(shot) = shot {
            spec = format!("{spec}={}", shot.display());
        }
        cmd.arg(spec);
    }
    let out = run_bounded(&mut cmd, "node report-check.mjs");
    let results: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(results.len(), pages.len());
    results
}

fn texts(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| match v {
            Value::Array(cells) => cells
                .iter()
                .map(|c| c.as_str().unwrap_or(""))
                .collect::<Vec<_>>()
                .join(" | "),
            v => v.as_str().unwrap_or("").to_string(),
        })
        .collect()
}

/// JSON text without the whitespace between tokens.
fn without_indentation(json: &str) -> String {
    let (mut out, mut in_string, mut escaped) = (String::new(), false, false);
    for c in json.chars() {
        if in_string {
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
        } else if c == '"' {
            in_string = true;
        } else if c.is_whitespace() {
            continue;
        }
        out.push(c);
    }
    out
}

/// Asserts that one of `lines` contains `text`.
fn assert_shows(lines: &[String], text: &str) {
    assert!(
        lines.iter().any(|l| l.contains(text)),
        "no `{text}` in {lines:#?}"
    );
}

#[test]
fn every_shipped_scenario_report_opens_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let shots = Path::new(ROOT).join("target/report-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let mut pages = Vec::new();
    for file in shipped_scenarios() {
        let stem = file.file_stem().unwrap().to_str().unwrap().to_string();
        let html = dir.path().join(format!("{stem}.html"));
        report(&[file.to_str().unwrap()], &["--verify"], &html);
        let shot = SEED_LABS
            .contains(&file.to_str().unwrap())
            .then(|| shots.join(format!("{stem}.png")));
        pages.push((html, shot));
    }
    let hostile = hostile_scenario(dir.path());
    let hostile_html = dir.path().join("hostile.html");
    report(&[hostile.to_str().unwrap()], &[], &hostile_html);
    pages.push((hostile_html, None));
    let results = open_in_chromium(&pages);

    for (result, (page, _)) in results.iter().zip(&pages) {
        let problems = &result["problems"];
        assert_eq!(problems, &Value::Array(vec![]), "{}", page.display());
        assert_eq!(result["sections"].as_array().unwrap().len(), 1);
        assert_eq!(result["images"], 0, "{}", page.display());
        let section = &result["sections"][0];
        assert!(
            !section["rows"].as_array().unwrap().is_empty(),
            "{}: no rows shown",
            page.display()
        );
        // Every verify outcome is drawn, and the shipped scenarios' expectations hold.
        for outcome in texts(&section["outcomes"]) {
            assert!(
                outcome.starts_with("pass: "),
                "{}: {outcome}",
                page.display()
            );
        }
        // Filtered by a code, only rows with that code are listed.
        let filter = &result["filter"];
        let codes = filter["codes"].as_array().unwrap();
        assert!(!codes.is_empty(), "{}: {filter}", page.display());
        assert!(codes.iter().all(|c| c == &filter["code"]), "{filter}");
        // The opened row's JSON is a Graph record.
        let json: Value = serde_json::from_str(result["json"].as_str().unwrap()).unwrap();
        assert!(json["id"].is_string(), "{json}");
    }
    let by_name = |name: &str| -> &Value {
        results
            .iter()
            .find(|r| r["sections"][0]["name"] == name)
            .unwrap_or_else(|| panic!("no page for {name}"))
    };

    // user01: two wrong passwords, then the interrupt and the success in one second.
    let user01 = &by_name("user01-password-failures")["sections"][0];
    let rows = texts(&user01["rows"]);
    let codes: Vec<&str> = rows
        .iter()
        .map(|r| r.split(" | ").nth(3).unwrap())
        .collect();
    assert_eq!(codes, ["50126", "50126", "50140", "0"], "{rows:#?}");
    assert!(rows[2].ends_with("Interrupted") && rows[3].ends_with("Success"));
    assert!(rows[0].contains("user01@xxx.onmicrosoft.com"));
    let gauges = texts(&user01["gauges"]);
    assert!(gauges[1].contains("2 of 5 + 0"), "{gauges:?}");
    // The opened row is the record as written for Graph, byte for byte once the indentation
    // is taken out.
    let shown = by_name("user01-password-failures")["json"]
        .as_str()
        .unwrap();
    let generated = dir.path().join("generated");
    entralab()
        .args(["generate", SEED_LABS[0], "--format", "ndjson", "--out"])
        .arg(&generated)
        .assert()
        .success();
    let written = std::fs::read_to_string(generated.join("signIns.ndjson")).unwrap();
    assert_eq!(without_indentation(shown), written.lines().next().unwrap());
    assert!(shown.contains("\"userDisplayName\": \"ユーザ01\""));

    // user02: the lockout at the 6th distinct failure, its 60 s window, the refusals.
    let user02 = &by_name("user02-smart-lockout")["sections"][0];
    let rows = texts(&user02["rows"]);
    assert_eq!(rows.iter().filter(|r| r.contains("| 50126 |")).count(), 6);
    assert_eq!(rows.iter().filter(|r| r.contains("| 50053 |")).count(), 2);
    assert_eq!(
        texts(&user02["windows"]),
        ["lockout: unfamiliar context locked for 60 s: 2025-03-17 15:42:18 → 2025-03-17 15:43:18"]
    );
    let gauges = texts(&user02["gauges"]);
    assert_shows(&gauges, "6 of 5 + 1 (unfamiliar): locked 60 s");
    assert_shows(&gauges, "refused: locked until 15:43:18");

    // user03: SSPR failed verifications 1..5 and the 24 h block; mistakes shown without a row.
    let user03 = &by_name("user03-sspr")["sections"][0];
    assert_eq!(
        texts(&user03["windows"]),
        ["sspr_block: SSPR blocked for 24 h: 2025-03-17 16:38:01 → 2025-03-18 16:38:01"]
    );
    let gauges = texts(&user03["gauges"]);
    assert_shows(&gauges, "SSPR failed verification 4 of 5");
    assert_shows(&gauges, "SSPR failed verification 5 of 5: blocked");
    let rows = texts(&user03["rows"]);
    assert_shows(
        &rows,
        "Blocked from self-service password reset | failure | Failure",
    );
    assert_shows(&rows, "(no row)");
    assert_eq!(rows.iter().filter(|r| !r.contains("(no row)")).count(), 20);

    // Markup in the scenario stays text.
    let hostile = results.last().unwrap();
    assert_eq!(
        hostile["sections"][0]["description"].as_str().unwrap(),
        HOSTILE
    );
    let opened: Value = serde_json::from_str(hostile["json"].as_str().unwrap()).unwrap();
    assert_eq!(opened["userDisplayName"], HOSTILE);

    // The noise scenario (thousands of rows) is drawn per time bucket and lists a page of rows.
    let noise = &by_name("benign-noise")["sections"][0];
    assert_eq!(noise["rows"].as_array().unwrap().len(), 250);
    for lab in SEED_LABS {
        let stem = Path::new(lab).file_stem().unwrap().to_str().unwrap();
        assert!(shots.join(format!("{stem}.png")).exists());
    }
}
