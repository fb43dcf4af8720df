//! Exit codes, defined once (DESIGN.md).

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything held.
    Success = 0,
    /// An expectation failed.
    ExpectationFailed = 1,
    /// Bad input or usage.
    BadInput = 2,
    /// A source could not be reached.
    Unreachable = 3,
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit as u8)
    }
}
