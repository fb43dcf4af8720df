//! Exercises: answers right by construction (they follow the scenario), grading, and
//! located errors for a bad answer expression.

use assert_cmd::Command;
use entralab::exercise;
use std::path::Path;

const USER02: &str = include_str!("../../scenarios/user02-smart-lockout.yaml");

fn entralab() -> Command {
    let mut cmd = Command::cargo_bin("entralab").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

fn answer_of(text: &str, id: &str) -> Option<String> {
    let scenario = entralab::scenario::load_str(Path::new("user02.yaml"), text).unwrap();
    exercise::solve(&scenario)
        .into_iter()
        .find(|s| s.id == id)
        .unwrap()
        .value
}

#[test]
fn the_lockout_attempt_follows_the_threshold() {
    assert!(USER02.contains("    threshold: 5 "));
    assert_eq!(answer_of(USER02, "lockout-attempt").as_deref(), Some("7"));
    assert_eq!(
        answer_of(USER02, "failures-before-lockout").as_deref(),
        Some("6")
    );
    for threshold in [2, 3, 4] {
        let text = USER02.replace("    threshold: 5 ", &format!("    threshold: {threshold} "));
        // threshold + drift 1 distinct failures count; the next attempt is refused.
        let expected = (threshold + 2).to_string();
        assert_eq!(
            answer_of(&text, "lockout-attempt").as_deref(),
            Some(expected.as_str()),
            "threshold {threshold}"
        );
    }
    // Threshold 7 + drift 1: eight wrong passwords lock the context but no attempt is left
    // to be refused, so the question has no answer in these records.
    let text = USER02.replace("    threshold: 5 ", "    threshold: 7 ");
    assert_eq!(answer_of(&text, "lockout-attempt"), None);
}

#[test]
fn every_shipped_question_has_an_answer() {
    let mut asked = 0;
    for (path, text) in entralab::explain::shipped() {
        let scenario = entralab::scenario::load_str(Path::new(path), text).unwrap();
        for solution in exercise::solve(&scenario) {
            assert!(solution.value.is_some(), "{path}: {}", solution.id);
            assert!(!solution.rows.is_empty(), "{path}: {}", solution.id);
            asked += 1;
        }
    }
    assert!(asked >= 18, "{asked} questions");
}

fn grade(answers: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("answers.yaml");
    std::fs::write(&file, answers).unwrap();
    let output = entralab()
        .args([
            "exercise",
            "scenarios/user02-smart-lockout.yaml",
            "--answers",
        ])
        .arg(&file)
        .env_remove("CLICOLOR_FORCE")
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap() + &String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn right_answers_pass_and_wrong_ones_get_hints() {
    let (code, text) = grade(
        "lockout-attempt: 7\nfailures-before-lockout: '6'\nfamiliar-success: 2025-03-18T00:42:32+09:00\n",
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(text.ends_with("3 of 3 right\n"), "{text}");

    let (code, text) = grade("lockout-attempt: 6\nfailures-before-lockout: six\n");
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("wrong  lockout-attempt: At which attempt from the unfamiliar browser was user02 first refused as locked?\n       hint: smart lockout counts"),
        "{text}"
    );
    assert!(text.contains("       hint: too low\n"), "{text}");
    assert!(
        text.contains("hint: look at the sign-ins rows with user user02, deviceDetail/browser starts with \"Firefox\" in time order: which one is the first with status/errorCode=50053?"),
        "{text}"
    );
    assert!(text.contains("hint: `six` is not an integer"), "{text}");
    assert!(text.contains("wrong  familiar-success"), "{text}");
    assert!(text.contains("hint: not answered"), "{text}");
    assert!(text.ends_with("0 of 3 right\n"), "{text}");
    assert!(!text.contains('\x1b'), "colour in a pipe: {text}");

    let (code, text) = grade("lockout-attempts: 7\n");
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("did you mean `lockout-attempt`?"), "{text}");
}

#[test]
fn solutions_show_the_rows_that_prove_them() {
    let output = entralab()
        .args([
            "exercise",
            "scenarios/user02-smart-lockout.yaml",
            "--solutions",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains(
            "   solution: 7\n   because the first matching row is row 7 of the 8 selected\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "     row   7  2025-03-17T15:42:22Z  user02@xxx.onmicrosoft.com  OfficeHome  50053"
        ),
        "{text}"
    );
}

#[test]
fn questions_print_with_answer_guidance() {
    let output = entralab()
        .args(["exercise", "scenarios/detections/password-spray.yaml"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("1. [spray-ip] Which IP address sprayed passwords"),
        "{text}"
    );
    assert!(
        text.contains("   answer: an IPv4 address (four numbers joined by dots)\n"),
        "{text}"
    );
    assert!(!text.contains("198.51.100.66"), "the answer leaked: {text}");
}

/// No shipped question gives its answer away in what `exercise` prints before grading.
#[test]
fn printed_questions_never_hold_their_solutions() {
    let shipped = [
        "scenarios/user01-password-failures.yaml",
        "scenarios/user02-smart-lockout.yaml",
        "scenarios/user03-sspr.yaml",
        "scenarios/detections/password-spray.yaml",
        "scenarios/detections/mfa-fatigue.yaml",
    ];
    for path in shipped {
        let questions = entralab().args(["exercise", path]).output().unwrap();
        let solutions = entralab()
            .args(["exercise", path, "--solutions"])
            .output()
            .unwrap();
        assert!(
            questions.status.success() && solutions.status.success(),
            "{path}"
        );
        let printed = String::from_utf8(questions.stdout).unwrap();
        let answers: Vec<String> = String::from_utf8(solutions.stdout)
            .unwrap()
            .lines()
            .filter_map(|line| line.trim().strip_prefix("solution: "))
            .map(str::to_string)
            .collect();
        assert!(!answers.is_empty(), "{path} has no solutions");
        for answer in answers {
            // Words of the printed text, without each question's own number ("2.").
            let leaked = printed
                .lines()
                .flat_map(|line| {
                    let line = line.trim_start();
                    let numbered = line
                        .split_once(". [")
                        .filter(|(n, _)| n.parse::<u32>().is_ok());
                    numbered
                        .map_or(line, |(_, rest)| rest)
                        .split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
                })
                .any(|word| word.trim_end_matches(['.', '?']) == answer);
            assert!(
                !leaked,
                "{path}: the answer {answer} is printed with the questions:\n{printed}"
            );
        }
    }
}

/// The diagnostics of user02's lab with `from` replaced by `to`.
fn mistake(from: &str, to: &str) -> String {
    assert!(USER02.contains(from), "{from}");
    let text = USER02.replace(from, to);
    entralab::scenario::load_str(Path::new("scenarios/user02-smart-lockout.yaml"), &text)
        .unwrap_err()
        .render()
}

#[test]
fn a_bad_answer_expression_is_a_located_error() {
    insta::assert_snapshot!(
        "exercise_bad_field",
        mistake(
            "      position: { status/errorCode: 50053 }",
            "      position: { status/errorCod: 50053 }\n      count: rows",
        )
    );
    insta::assert_snapshot!(
        "exercise_count_is_not_an_address",
        mistake(
            "    kind: integer\n    answer:\n      sign_ins: { user: user02, deviceDetail",
            "    kind: ipv4\n    answer:\n      sign_ins: { user: user02, deviceDetail",
        )
    );
    insta::assert_snapshot!(
        "exercise_row_without_field",
        mistake(
            "count: rows }\n  - id: familiar",
            "count: rows, row: last }\n  - id: familiar",
        )
    );
}
