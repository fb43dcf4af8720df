//! The page: the template with its style, its script and the data filled in.

use serde::Serialize;

const TEMPLATE: &str = include_str!("page.html");
const STYLE: &str = include_str!("page.css");
/// The script, in the order its parts run (one function scope, opened by the template).
const SCRIPT: &str = concat!(
    include_str!("page.js"),
    include_str!("page_timeline.js"),
    include_str!("page_start.js"),
);

/// The template's placeholders, each present once.
const STYLE_SLOT: &str = "/*@style*/";
const SCRIPT_SLOT: &str = "/*@script*/";
const DATA_SLOT: &str = "/*@data*/";

/// The whole page for `data`.
pub fn html(data: &impl Serialize) -> String {
    let json = script_safe_json(data);
    let mut out = String::with_capacity(TEMPLATE.len() + STYLE.len() + SCRIPT.len() + json.len());
    let mut rest = TEMPLATE;
    for (slot, fill) in [
        (STYLE_SLOT, STYLE),
        (DATA_SLOT, &json),
        (SCRIPT_SLOT, SCRIPT),
    ] {
        let (before, after) = rest
            .split_once(slot)
            .expect("the template has each slot once, in this order");
        out.push_str(before);
        out.push_str(fill);
        rest = after;
    }
    out.push_str(rest);
    out
}

/// `data` as JSON that can sit inside `<script type="application/json">`: `<`, `>` and `&`
/// only ever occur inside JSON strings, where `\u003c` (...) means the same character, so
/// no text can close the script element or open a comment.
fn script_safe_json(data: &impl Serialize) -> String {
    let json = serde_json::to_string(data).expect("the page data serializes");
    let mut out = String::with_capacity(json.len() + json.len() / 64);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_text_can_close_the_data_script() {
        let hostile = serde_json::json!({ "name": "</script><img src=x onerror=alert(1)><!--" });
        let page = html(&hostile);
        let data_start = page.find("id=\"report-data\"").unwrap();
        let data_end = data_start + page[data_start..].find("</script>").unwrap();
        let data = &page[data_start..data_end];
        assert!(!data.contains("<img"), "{data}");
        assert!(data.contains("\\u003c/script\\u003e\\u003cimg"));
        let json = &data[data.find('>').unwrap() + 1..];
        let back: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(back, hostile);
    }
}
