//! Colour in human output. Off unless stdout is a terminal, and always off when `NO_COLOR`
//! is set to anything (https://no-color.org); `CLICOLOR_FORCE` turns it on for a pipe (for
//! pagers like `less -R`). Scenario diagnostics are rendered without colour whatever the
//! terminal, so they read the same in a terminal, a log and a snapshot; clap's own help and
//! usage errors follow the same variables (anstream).

use std::io::IsTerminal;

/// Whether to colour standard output, from the environment and the terminal.
pub fn colour_stdout() -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    decide(
        set("NO_COLOR"),
        set("CLICOLOR_FORCE"),
        std::io::stdout().is_terminal(),
    )
}

fn decide(no_color: bool, force: bool, terminal: bool) -> bool {
    !no_color && (force || terminal)
}

/// Paints text when colour is on, and leaves it alone when it is off.
#[derive(Debug, Clone, Copy)]
pub struct Paint {
    pub enabled: bool,
}

impl Paint {
    pub fn green(self, text: &str) -> String {
        self.wrap("32", text)
    }

    pub fn red(self, text: &str) -> String {
        self.wrap("31", text)
    }

    pub fn bold(self, text: &str) -> String {
        self.wrap("1", text)
    }

    fn wrap(self, code: &str, text: &str) -> String {
        if self.enabled {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_wins_and_a_pipe_gets_none() {
        assert!(!decide(true, true, true));
        assert!(!decide(false, false, false));
        assert!(decide(false, true, false));
        assert!(decide(false, false, true));
        assert_eq!(Paint { enabled: false }.red("x"), "x");
        assert_eq!(Paint { enabled: true }.red("x"), "\x1b[31mx\x1b[0m");
    }
}
