//! CLI habits: completions, `--quiet`, colour only on a terminal, an example in every help.

use assert_cmd::Command;
use clap::CommandFactory;
use entralab::cli::Cli;

fn entralab() -> Command {
    let mut cmd = Command::cargo_bin("entralab").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    cmd
}

#[test]
fn every_command_help_has_an_example() {
    let mut cli = Cli::command();
    cli.build();
    let mut checked = 0;
    // `help` is clap's own.
    for sub in std::iter::once(&cli).chain(cli.get_subcommands().filter(|s| s.get_name() != "help"))
    {
        let help = sub.clone().render_long_help().to_string();
        let example = help.split("Example:\n  ").nth(1).unwrap_or_else(|| {
            panic!(
                "`{}` --help has no example (add after_help)",
                sub.get_name()
            )
        });
        assert!(
            example.starts_with("entralab"),
            "{}: {example}",
            sub.get_name()
        );
        checked += 1;
    }
    assert!(checked >= 12, "{checked}");
    let output = entralab().args(["explain", "--help"]).output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(
        help.contains("Example:\n  entralab explain 50053"),
        "{help}"
    );
}

#[test]
fn completions_for_every_shell_know_the_commands() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let output = entralab().args(["completions", shell]).output().unwrap();
        assert!(output.status.success(), "{shell}");
        let script = String::from_utf8(output.stdout).unwrap();
        for word in ["explain", "exercise", "verify", "quiet"] {
            assert!(script.contains(word), "{shell}: no {word}");
        }
    }
    let output = entralab().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn quiet_prints_only_errors() {
    let output = entralab().args(["--quiet", "run"]).output().unwrap();
    assert!(output.status.success());
    assert!(output.stdout.is_empty());
    let output = entralab()
        .args(["explain", "50053", "-q"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(output.stdout.is_empty());
    let output = entralab()
        .args([
            "check",
            "--quiet",
            "tests/data/broken/directory-unknown-action.yaml",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("unknown directory action")
    );
}

#[test]
fn colour_only_when_asked_for_and_never_under_no_color() {
    let dir = tempfile::tempdir().unwrap();
    let answers = dir.path().join("a.yaml");
    std::fs::write(&answers, "typos: 3\n").unwrap();
    let run = |env: &[(&str, &str)]| {
        let mut cmd = entralab();
        cmd.args([
            "exercise",
            "scenarios/user01-password-failures.yaml",
            "--answers",
        ])
        .arg(&answers);
        for (k, v) in env {
            cmd.env(k, v);
        }
        String::from_utf8(cmd.output().unwrap().stdout).unwrap()
    };
    assert!(!run(&[]).contains('\x1b'), "a pipe is not a terminal");
    assert!(run(&[("CLICOLOR_FORCE", "1")]).contains("\x1b[31mwrong\x1b[0m"));
    assert!(!run(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]).contains('\x1b'));
}
