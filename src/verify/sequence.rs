//! Ordered sequences with counts: does the list of selected records split into consecutive
//! runs, one per step, each run as long as its step allows? Decided for all splits at once in
//! O(records × steps), so "5..7 wrong passwords" costs the same as "exactly 5".

use crate::scenario::CountSpec;

/// One selected record, as the sequence sees it.
pub struct Row {
    /// Bit i: the record matches step i.
    pub steps: u64,
    /// A short description of the record (the values the steps look at).
    pub label: String,
    pub id: String,
    pub time: String,
}

/// Whether the rows match the steps; on failure, how far the best attempt got: the number of
/// steps fully matched and the row where the next step could not continue.
pub fn matches(rows: &[Row], steps: &[CountSpec]) -> Result<(), (usize, usize)> {
    let n = rows.len();
    // reach[p]: the steps so far can consume exactly the first p rows.
    let mut reach = vec![false; n + 1];
    reach[0] = true;
    let mut best = (0, 0);
    for (j, step) in steps.iter().enumerate() {
        let bit = 1u64 << j;
        // run[p]: how many consecutive rows from p match step j.
        let mut run = vec![0usize; n + 1];
        for p in (0..n).rev() {
            run[p] = if rows[p].steps & bit != 0 {
                run[p + 1] + 1
            } else {
                0
            };
        }
        let mut delta = vec![0i64; n + 2];
        for p in (0..=n).filter(|p| reach[*p]) {
            let longest = step.max.map_or(run[p], |m| run[p].min(m as usize));
            let shortest = step.min as usize;
            if shortest <= longest {
                delta[p + shortest] += 1;
                delta[p + longest + 1] -= 1;
            }
        }
        let mut next = vec![false; n + 1];
        let mut open = 0;
        for (p, slot) in next.iter_mut().enumerate() {
            open += delta[p];
            *slot = open > 0;
        }
        if let Some(furthest) = reach.iter().rposition(|r| *r) {
            best = (j, furthest);
        }
        if !next.iter().any(|r| *r) {
            return Err(best);
        }
        reach = next;
    }
    if reach[n] {
        Ok(())
    } else {
        let furthest = reach.iter().rposition(|r| *r).unwrap_or(0);
        Err((steps.len(), furthest))
    }
}

/// Consecutive rows with the same label, as `4 × 50126, then 1 × 0 at 15:42:32Z`.
pub fn summarize(rows: &[Row], limit: usize) -> String {
    let mut runs: Vec<(&str, usize, &str)> = Vec::new();
    for row in rows {
        match runs.last_mut() {
            Some((label, count, _)) if *label == row.label => *count += 1,
            _ => runs.push((&row.label, 1, &row.time)),
        }
    }
    if runs.is_empty() {
        return "no records".into();
    }
    let mut parts: Vec<String> = runs
        .iter()
        .take(limit)
        .map(|(label, count, time)| format!("{count} × {label} at {time}"))
        .collect();
    if runs.len() > limit {
        parts.push(format!("… {} more runs", runs.len() - limit));
    }
    parts.join(", then ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(codes: &[u32], steps: &[u32]) -> Vec<Row> {
        codes
            .iter()
            .map(|c| Row {
                steps: steps
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| **s == *c || **s == 0)
                    .fold(0, |bits, (i, _)| bits | (1 << i)),
                label: c.to_string(),
                id: String::new(),
                time: String::new(),
            })
            .collect()
    }

    fn count(min: u64, max: Option<u64>) -> CountSpec {
        CountSpec { min, max }
    }

    #[test]
    fn the_lockout_sequence_with_drift() {
        let steps = [50126, 50053, 50140, 1];
        let specs = [
            count(5, Some(7)),
            count(1, None),
            count(1, Some(1)),
            count(1, Some(1)),
        ];
        let lab = [
            50126, 50126, 50126, 50126, 50126, 50126, 50053, 50053, 50140, 1,
        ];
        assert!(matches(&rows(&lab, &steps), &specs).is_ok());
        let too_few = [50126, 50126, 50126, 50126, 1];
        assert_eq!(matches(&rows(&too_few, &steps), &specs), Err((0, 0)));
        let no_lock = [50126, 50126, 50126, 50126, 50126, 50140, 1];
        assert_eq!(matches(&rows(&no_lock, &steps), &specs), Err((1, 5)));
    }

    #[test]
    fn optional_and_wildcard_steps_backtrack() {
        // A wildcard step (0 matches anything) followed by a specific one needs backtracking.
        let steps = [0, 7];
        let specs = [count(0, None), count(2, Some(2))];
        assert!(matches(&rows(&[1, 7, 2, 7, 7], &steps), &specs).is_ok());
        assert!(matches(&rows(&[1, 7, 2, 7], &steps), &specs).is_err());
        assert!(matches(&rows(&[], &[5]), &[count(0, None)]).is_ok());
        assert!(
            matches(&rows(&[5, 6], &[5]), &[count(1, None)]).is_err(),
            "every row must be consumed"
        );
    }

    #[test]
    fn summaries_collapse_runs() {
        let r = rows(&[50126, 50126, 0], &[]);
        assert_eq!(summarize(&r, 10), "2 × 50126 at , then 1 × 0 at ");
    }
}
