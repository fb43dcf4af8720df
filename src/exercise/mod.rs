//! Exercises: the answers to a scenario's `questions:`, computed from its simulated records
//! (never typed in by hand), the rows that prove each answer, and grading of a learner's
//! answers with hints.

mod grade;
mod solve;

pub use grade::{Grade, grade, guidance};
pub use solve::{ProofRow, Solution, solve, solve_records};
