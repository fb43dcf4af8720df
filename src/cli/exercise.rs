//! `entralab exercise PATH [--answers FILE | --solutions]`: a scenario's questions, a
//! learner's answers graded, or the answers with the rows that prove them.

use super::inputs::load_all;
use super::style::{Paint, colour_stdout};
use crate::exercise::{self, Solution};
use crate::exit::Exit;
use crate::scenario::Scenario;
use clap::Args;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct ExerciseArgs {
    /// A scenario file with a `questions:` section.
    pub path: PathBuf,
    /// Grade the answers in FILE: YAML, one `id: answer` per line.
    #[arg(long, value_name = "FILE", conflicts_with = "solutions")]
    pub answers: Option<PathBuf>,
    /// Print each answer with the rows that prove it.
    #[arg(long)]
    pub solutions: bool,
}

pub fn exercise(args: &ExerciseArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<Exit> {
    let (scenarios, broken) = load_all(std::slice::from_ref(&args.path), err)?;
    let [scenario] = scenarios.as_slice() else {
        if !broken {
            writeln!(
                err,
                "error: {} is not one scenario file",
                args.path.display()
            )?;
        }
        return Ok(Exit::BadInput);
    };
    if scenario.questions.is_empty() {
        writeln!(
            err,
            "error: {} has no `questions:` (docs/exercises.md shows how to write them)",
            args.path.display()
        )?;
        return Ok(Exit::BadInput);
    }
    let paint = Paint {
        enabled: colour_stdout(),
    };
    if let Some(file) = &args.answers {
        let answers = match read_answers(file, scenario) {
            Ok(answers) => answers,
            Err(message) => {
                writeln!(err, "error: {message}")?;
                return Ok(Exit::BadInput);
            }
        };
        return grade(scenario, &answers, paint, out);
    }
    let solutions = args.solutions.then(|| exercise::solve(scenario));
    writeln!(out, "{}", paint.bold(&scenario.name))?;
    for (i, question) in scenario.questions.iter().enumerate() {
        writeln!(out, "\n{}. [{}] {}", i + 1, question.id, question.text)?;
        writeln!(out, "   answer: {}", exercise::guidance(question))?;
        if let Some(solution) = solutions.as_ref().map(|s| &s[i]) {
            write_solution(solution, paint, out)?;
        }
    }
    if solutions.is_none() {
        writeln!(
            out,
            "\nAnswer in a YAML file, one `id: answer` per line, and grade it with\n  entralab exercise {} --answers FILE",
            args.path.display()
        )?;
    }
    Ok(Exit::Success)
}

fn write_solution(solution: &Solution, paint: Paint, out: &mut dyn Write) -> io::Result<()> {
    let value = solution
        .value
        .as_deref()
        .unwrap_or("(no answer in the records)");
    writeln!(out, "   solution: {}", paint.green(value))?;
    writeln!(out, "   because {}", solution.reasoning)?;
    for row in &solution.rows {
        writeln!(out, "     row {:>3}  {}", row.number, row.text)?;
    }
    if solution.more_rows > 0 {
        writeln!(out, "     ... and {} more row(s)", solution.more_rows)?;
    }
    Ok(())
}

fn grade(
    scenario: &Scenario,
    answers: &BTreeMap<String, String>,
    paint: Paint,
    out: &mut dyn Write,
) -> io::Result<Exit> {
    let solutions = exercise::solve(scenario);
    let mut right = 0;
    for (question, solution) in scenario.questions.iter().zip(&solutions) {
        let grade = exercise::grade(
            question,
            solution,
            answers.get(&question.id).map(String::as_str),
        );
        if grade.right {
            right += 1;
            writeln!(out, "{}  {}", paint.green("right"), question.id)?;
        } else {
            writeln!(
                out,
                "{}  {}: {}",
                paint.red("wrong"),
                question.id,
                question.text
            )?;
            for hint in &grade.hints {
                writeln!(out, "       hint: {hint}")?;
            }
        }
    }
    let total = scenario.questions.len();
    writeln!(out, "\n{right} of {total} right")?;
    Ok(if right == total {
        Exit::Success
    } else {
        Exit::ExpectationFailed
    })
}

/// The answers file: a YAML mapping of question id to answer. Ids the scenario does not ask
/// are mistakes (a typo would otherwise read as "not answered").
fn read_answers(file: &Path, scenario: &Scenario) -> Result<BTreeMap<String, String>, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let raw: BTreeMap<String, serde_json::Value> = if text.trim().is_empty() {
        BTreeMap::new()
    } else {
        serde_saphyr::from_str(&text).map_err(|e| {
            format!(
                "{}: {}\n  write one `id: answer` per line, e.g. `lockout-attempt: 7`",
                file.display(),
                e.without_snippet()
            )
        })?
    };
    let mut answers = BTreeMap::new();
    for (id, value) in raw {
        if !scenario.questions.iter().any(|q| q.id == id) {
            let ids: Vec<&str> = scenario.questions.iter().map(|q| q.id.as_str()).collect();
            let help = match crate::scenario::suggest(&id, ids.iter().copied()) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!("its questions are {}", ids.join(", ")),
            };
            return Err(format!(
                "{}: `{id}` is not a question of {}; {help}",
                file.display(),
                scenario.source.display()
            ));
        }
        let answer = match value {
            serde_json::Value::String(s) => s,
            serde_json::Value::Null => continue,
            other => other.to_string(),
        };
        answers.insert(id, answer);
    }
    Ok(answers)
}
