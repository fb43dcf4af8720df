//! The page's shared texts (apps, codes, meanings, notes): each written once, rows refer to
//! them by number. Number 0 is the empty text.

use std::collections::BTreeMap;

#[derive(Debug)]
pub struct Texts {
    index: BTreeMap<String, u32>,
    texts: Vec<String>,
}

impl Default for Texts {
    fn default() -> Self {
        Texts {
            index: BTreeMap::from([(String::new(), 0)]),
            texts: vec![String::new()],
        }
    }
}

impl Texts {
    /// The number of `text`, adding it when new.
    pub fn id(&mut self, text: &str) -> u32 {
        if let Some(&i) = self.index.get(text) {
            return i;
        }
        let i = self.texts.len() as u32;
        self.index.insert(text.to_string(), i);
        self.texts.push(text.to_string());
        i
    }

    pub fn into_vec(self) -> Vec<String> {
        self.texts
    }
}
