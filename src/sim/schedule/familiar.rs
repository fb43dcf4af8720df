//! Familiar contexts: whether a sign-in comes from where and with what the user usually signs in.

use crate::scenario::{ClientContext, FamiliarMatch, User};

/// Whether `context` is one the user is known to sign in from.
pub(super) fn is_familiar(user: &User, context: &ClientContext, rule: FamiliarMatch) -> bool {
    std::iter::once(&user.home)
        .chain(&user.familiar)
        .any(|known| match rule {
            FamiliarMatch::IpAndBrowser => known.ip == context.ip && same_browser(known, context),
            FamiliarMatch::Ip => known.ip == context.ip,
            FamiliarMatch::Browser => same_browser(known, context),
        })
}

/// Browsers match by name and OS, not version: an update does not make a browser unfamiliar.
pub(super) fn same_browser(a: &ClientContext, b: &ClientContext) -> bool {
    let name = |c: &ClientContext| {
        c.browser
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    name(a) == name(b) && a.os.eq_ignore_ascii_case(&b.os)
}
