//! `questions:` checked and turned into `Question`s: unique ids, the answer expression's
//! selector and fields (the same as `expect:`), exactly one way to pick the answer, and an
//! answer kind that fits it.

use super::Resolver;
use crate::scenario::model::{AnswerExpr, AnswerKind, Pick, Question, RecordKind, RowPick, User};
use crate::scenario::spec::questions::{AnswerKindSpec, AnswerSpec, QuestionSpec, RowSpec};
use serde_saphyr::{Location, Spanned};

const PICKS: &str = "`count: rows`, `count_distinct: FIELD`, `position: {...}` or `field: FIELD`";

impl Resolver<'_> {
    pub(super) fn questions(
        &mut self,
        specs: Vec<Spanned<QuestionSpec>>,
        users: &[User],
    ) -> Vec<Question> {
        let mut questions: Vec<Question> = Vec::new();
        for spec in specs {
            let at = spec.referenced;
            let spec = spec.value;
            if questions.iter().any(|q| q.id == spec.id.value) {
                self.error(
                    spec.id.referenced,
                    format!("question `{}` appears twice", spec.id.value),
                    "second time",
                    "give each question its own id: answers files refer to questions by id",
                );
                continue;
            }
            if spec.id.value.trim().is_empty() {
                self.error(
                    spec.id.referenced,
                    "a question needs an id",
                    "empty id",
                    "write a short id, e.g. `id: lockout-attempt`",
                );
                continue;
            }
            let kind = match spec.kind.value {
                AnswerKindSpec::Integer => AnswerKind::Integer,
                AnswerKindSpec::Ipv4 => AnswerKind::Ipv4,
                AnswerKindSpec::Upn => AnswerKind::Upn,
                AnswerKindSpec::CorrelationId => AnswerKind::CorrelationId,
                AnswerKindSpec::Timestamp => AnswerKind::Timestamp,
                AnswerKindSpec::Text => AnswerKind::Text,
            };
            let Some(answer) = self.answer(spec.answer, kind, spec.kind.referenced, users) else {
                continue;
            };
            questions.push(Question {
                id: spec.id.value,
                text: spec.text,
                kind,
                answer,
                hint: spec.hint,
                line: at.line(),
            });
        }
        questions
    }

    fn answer(
        &mut self,
        spec: Spanned<AnswerSpec>,
        kind: AnswerKind,
        kind_at: Location,
        users: &[User],
    ) -> Option<AnswerExpr> {
        let at = spec.referenced;
        let spec = spec.value;
        let errors_before = self.error_count();
        let (records, selector) = match (spec.sign_ins, spec.audits) {
            (Some(s), None) => (RecordKind::SignIns, s),
            (None, Some(a)) => (RecordKind::Audits, a),
            (Some(_), Some(a)) => {
                self.error(
                    a.referenced,
                    "an answer reads sign-ins or audits, not both",
                    "second selector",
                    "keep one of `sign_ins:` and `audits:`",
                );
                return None;
            }
            (None, None) => {
                self.error(
                    at,
                    "this answer selects no rows",
                    "this answer",
                    "add `sign_ins: {...}` or `audits: {...}` (`{}` selects all), as in `expect:`",
                );
                return None;
            }
        };
        let select = self.matchers(&selector.value, records, users);
        let mut picks: Vec<(Location, Pick)> = Vec::new();
        if let Some(count) = &spec.count {
            if count.value != "rows" {
                self.error(
                    count.referenced,
                    format!("`count: {}` counts nothing entralab knows", count.value),
                    "not `rows`",
                    "write `count: rows` for the number of rows, or `count_distinct: FIELD` for distinct values",
                );
            }
            picks.push((count.referenced, Pick::Count));
        }
        if let Some(field) = &spec.count_distinct
            && let Some(path) = self.path(field, records)
        {
            picks.push((field.referenced, Pick::CountDistinct(path)));
        }
        if let Some(position) = &spec.position {
            let matchers = self.matchers(&position.value, records, users);
            picks.push((position.referenced, Pick::Position(matchers)));
        }
        if let Some(field) = &spec.field
            && let Some(path) = self.path(field, records)
        {
            let pick = match (&spec.most_distinct, &spec.row) {
                (Some(by), None) => {
                    let by = self.path(by, records).unwrap_or_default();
                    Pick::MostDistinct { path, by }
                }
                (Some(_), Some(row)) => {
                    self.error(
                        row.referenced,
                        "`row` and `most_distinct` pick the row two ways",
                        "second way",
                        "keep `row:` for one row, or `most_distinct:` for the value with the most distinct others",
                    );
                    return None;
                }
                (None, row) => Pick::Field {
                    path,
                    row: match row.as_ref().map(|r| r.value) {
                        None | Some(RowSpec::First) => RowPick::First,
                        Some(RowSpec::Last) => RowPick::Last,
                        Some(RowSpec::Nth(n)) => RowPick::Nth(n),
                    },
                },
            };
            picks.push((field.referenced, pick));
        }
        if spec.field.is_none() {
            for (key, place) in [
                ("row", spec.row.as_ref().map(|r| r.referenced)),
                (
                    "most_distinct",
                    spec.most_distinct.as_ref().map(|m| m.referenced),
                ),
            ] {
                if let Some(place) = place {
                    self.error(
                        place,
                        format!("`{key}` says which row `field:` reads, and there is no `field:`"),
                        "no field",
                        "add `field: FIELD`, e.g. `field: ipAddress`",
                    );
                }
            }
        }
        if self.error_count() > errors_before {
            return None;
        }
        let pick = match picks.len() {
            1 => picks.pop()?.1,
            0 => {
                self.error(
                    at,
                    "this answer picks nothing from its rows",
                    "no pick",
                    format!("add one of {PICKS}"),
                );
                return None;
            }
            _ => {
                self.error(
                    picks[1].0,
                    "an answer picks one thing from its rows",
                    "second pick",
                    format!("keep one of {PICKS}"),
                );
                return None;
            }
        };
        let numeric = matches!(
            pick,
            Pick::Count | Pick::CountDistinct(_) | Pick::Position(_)
        );
        if numeric && kind != AnswerKind::Integer {
            self.error(
                kind_at,
                "a count or a position is a number",
                "not `integer`",
                "write `kind: integer`, or pick a `field:` for this kind of answer",
            );
            return None;
        }
        Some(AnswerExpr {
            records,
            select,
            pick,
        })
    }
}
