//! `make-series`: aggregations into arrays over an axis of bins.

use super::Parser;
use crate::kql::ast::*;
use crate::kql::error::Result;

impl Parser {
    /// `make-series [kind=nonempty] A = agg(x) [default = v], ... on Axis [from a] [to b]
    /// step s [by G, ...]`.
    pub(super) fn make_series(&mut self) -> Result<Operator> {
        self.skip_options(&["kind"], &[])?;
        let mut aggregates = Vec::new();
        loop {
            let assign = self.assign()?;
            let default = if self.eat_word("default") {
                self.expect_punct("=")?;
                Some(self.expr()?)
            } else {
                None
            };
            aggregates.push((assign, default));
            if !self.eat_punct(",") {
                break;
            }
        }
        self.expect_word("on")?;
        let axis = self.expr()?;
        let from = if self.eat_word("from") {
            Some(self.expr()?)
        } else {
            None
        };
        let to = if self.eat_word("to") {
            Some(self.expr()?)
        } else {
            None
        };
        self.expect_word("step")?;
        let step = self.expr()?;
        let by = if self.eat_word("by") {
            self.assigns()?
        } else {
            Vec::new()
        };
        Ok(Operator::MakeSeries(Box::new(MakeSeries {
            aggregates,
            axis,
            from,
            to,
            step,
            by,
        })))
    }
}
