//! How Graph's own links encode query values.

/// Percent-encodes a query value as Graph's `@odata.nextLink`s do: spaces as `%20`, quotes as
/// `%27`; letters, digits and `-._~/:,()` stay.
pub fn encode_query_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'_' | b'.' | b'~' | b'/' | b':' | b',' | b'(' | b')'
            )
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn encodes_like_graph_links() {
        assert_eq!(
            super::encode_query_value("startsWith(appDisplayName,'Graph') and x eq 1"),
            "startsWith(appDisplayName,%27Graph%27)%20and%20x%20eq%201"
        );
    }
}
