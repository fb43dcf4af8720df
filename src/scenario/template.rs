//! Text templates with a number placeholder: `user{n}@contoso.com`, `staff{n:05}`,
//! `guess-{n}`. `{n}` is the member number of a population or the repetition of a step,
//! counted from 1.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Number { width: usize },
}

impl Template {
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Literal(rest[..open].to_string()));
            }
            let close = rest[open..]
                .find('}')
                .map(|c| open + c)
                .ok_or_else(|| format!("`{{` at byte {open} is never closed: write {{n}}"))?;
            let inner = &rest[open + 1..close];
            let width = match inner {
                "n" => 0,
                _ => inner
                    .strip_prefix("n:0")
                    .and_then(|w| w.parse::<usize>().ok())
                    .filter(|w| *w <= 20)
                    .ok_or_else(|| {
                        format!("`{{{inner}}}` is not a placeholder: write {{n}} or {{n:05}}")
                    })?,
            };
            parts.push(Part::Number { width });
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_string()));
        }
        Ok(Template { parts })
    }

    /// A template that is always the same text.
    pub fn literal(text: &str) -> Self {
        Template {
            parts: vec![Part::Literal(text.to_string())],
        }
    }

    pub fn has_placeholder(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, Part::Number { .. }))
    }

    pub fn render(&self, n: u64) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Number { width } => out.push_str(&format!("{n:0width$}")),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn renders_numbers_with_padding() {
        let t = Template::parse("staff{n:05}@contoso.com").unwrap();
        assert_eq!(t.render(42), "staff00042@contoso.com");
        assert_eq!(Template::parse("guess-{n}").unwrap().render(3), "guess-3");
        assert!(!Template::parse("same").unwrap().has_placeholder());
    }

    #[test]
    fn rejects_unknown_placeholders() {
        assert!(Template::parse("user{i}").is_err());
        assert!(Template::parse("user{n").is_err());
    }

    proptest! {
        #[test]
        fn parser_never_panics(text in "\\PC{0,30}", n: u32) {
            if let Ok(t) = Template::parse(&text) {
                let _ = t.render(u64::from(n));
            }
        }
    }
}
