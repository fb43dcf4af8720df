//! The reference labs, built into the binary so `entralab run` works from anywhere.

/// (path as shipped, text) of every built-in scenario, in file-name order like a folder run.
pub const BUILTIN_SCENARIOS: &[(&str, &str)] = &[
    (
        "scenarios/same-wrong-password.yaml",
        include_str!("../../scenarios/same-wrong-password.yaml"),
    ),
    (
        "scenarios/user01-password-failures.yaml",
        include_str!("../../scenarios/user01-password-failures.yaml"),
    ),
    (
        "scenarios/user02-smart-lockout.yaml",
        include_str!("../../scenarios/user02-smart-lockout.yaml"),
    ),
    (
        "scenarios/user03-sspr.yaml",
        include_str!("../../scenarios/user03-sspr.yaml"),
    ),
];
