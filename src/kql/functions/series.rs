//! Series functions over the arrays `make-series` and `make_list` build:
//! `series_decompose_anomalies` and `series_outliers`.
//!
//! KQL documents the steps (decompose the series into baseline and residual, score the
//! residual with Tukey's fence, flag the scores past the threshold) but not every formula;
//! where it does not, the choice is a named constant below.

use super::{Context, Function, Ret};
use crate::kql::value::{Type, Value};
use serde_json::Value as Json;

/// Seasonality `-1` asks KQL to detect the period (`series_periods_detect`, unpublished in
/// its details). UNSURE: entralab detects none, so the baseline is the trend alone; a lab's
/// series (days or hours of one attack) is too short to show a period anyway.
pub const AUTODETECTED_PERIOD: Option<usize> = None;

/// The smallest spread the fence divides by. UNSURE: KQL does not say how a score is
/// computed when the percentiles coincide (a series flat but for a spike, common in a lab);
/// with counts, a spread of one event keeps the score a number of events past the fence.
pub const MIN_FENCE_SPREAD: f64 = 1.0;

pub static FUNCTIONS: &[Function] = &[
    Function {
        name: "series_decompose_anomalies",
        min_args: 1,
        max_args: 7,
        ret: Ret::Fixed(Type::Dynamic),
        eval: decompose_anomalies,
    },
    Function {
        name: "series_outliers",
        min_args: 1,
        max_args: 5,
        ret: Ret::Fixed(Type::Dynamic),
        eval: outliers_fn,
    },
];

/// The numbers of a dynamic array; a missing or non-numeric element counts as 0.
fn series(v: &Value) -> Option<Vec<f64>> {
    let Value::Dynamic(Json::Array(items)) = v else {
        return None;
    };
    Some(
        items
            .iter()
            .map(|j| Value::from_json(j).to_real().unwrap_or(0.0))
            .collect(),
    )
}

fn array(values: impl IntoIterator<Item = Json>) -> Json {
    Json::Array(values.into_iter().collect())
}

fn real(r: f64) -> Json {
    serde_json::Number::from_f64(r).map_or(Json::Null, Json::Number)
}

/// `series_decompose_anomalies(series, threshold = 1.5, seasonality = -1, trend = 'avg',
/// test_points = 0, ad_method = 'ctukey', seasonality_threshold = 0.6)`: the arrays
/// `[ad_flag, ad_score, baseline]` (assigned by `(flag, score, baseline) = ...`).
fn decompose_anomalies(a: &[Value], _: &Context) -> Value {
    let Some(x) = series(&a[0]) else {
        return Value::Null;
    };
    let arg = |i: usize| a.get(i).filter(|v| !v.is_null());
    let threshold = arg(1).and_then(Value::to_real).unwrap_or(1.5);
    let seasonality = arg(2).and_then(Value::to_long).unwrap_or(-1);
    let trend = arg(3).map_or("avg".to_string(), Value::to_text);
    let test_points = arg(4).and_then(Value::to_long).unwrap_or(0).max(0) as usize;
    let method = arg(5).map_or("ctukey".to_string(), Value::to_text);
    let learn = x.len().saturating_sub(test_points).max(1).min(x.len());
    let mut baseline = match trend.as_str() {
        "linefit" => line_fit(&x[..learn], x.len()),
        "none" => vec![0.0; x.len()],
        _ => vec![mean(&x[..learn]); x.len()],
    };
    let period = match seasonality {
        -1 => AUTODETECTED_PERIOD,
        p if p > 1 => Some(p as usize),
        _ => None,
    };
    if let Some(p) = period.filter(|p| *p < learn) {
        let seasonal = seasonal(&x[..learn], &baseline[..learn], p);
        for (i, b) in baseline.iter_mut().enumerate() {
            *b += seasonal[i % p];
        }
    }
    let residual: Vec<f64> = x.iter().zip(&baseline).map(|(x, b)| x - b).collect();
    let scores = outliers(&residual, &method, 10.0, 90.0);
    let flags = scores.iter().map(|s| {
        Json::from(if *s > threshold {
            1
        } else if *s < -threshold {
            -1
        } else {
            0
        })
    });
    Value::Dynamic(array([
        array(flags.collect::<Vec<_>>()),
        array(scores.iter().map(|s| real(*s))),
        array(baseline.iter().map(|b| real(*b))),
    ]))
}

/// `series_outliers(series, kind = 'ctukey', ignore_val, min_percentile = 10,
/// max_percentile = 90)`.
fn outliers_fn(a: &[Value], _: &Context) -> Value {
    let Some(x) = series(&a[0]) else {
        return Value::Null;
    };
    let arg = |i: usize| a.get(i).filter(|v| !v.is_null());
    let kind = arg(1).map_or("ctukey".to_string(), Value::to_text);
    let low = arg(3).and_then(Value::to_real).unwrap_or(10.0);
    let high = arg(4).and_then(Value::to_real).unwrap_or(90.0);
    let scores = outliers(&x, &kind, low, high);
    Value::Dynamic(array(scores.iter().map(|s| real(*s))))
}

/// Tukey's fence: 0 inside the percentiles, else the distance past the nearer one over
/// their spread. `tukey` uses the quartiles, `ctukey` the given percentiles (10 and 90).
fn outliers(x: &[f64], kind: &str, low: f64, high: f64) -> Vec<f64> {
    let (low, high) = if kind == "tukey" {
        (25.0, 75.0)
    } else {
        (low, high)
    };
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let lo = percentile(&sorted, low);
    let hi = percentile(&sorted, high);
    let spread = (hi - lo).max(MIN_FENCE_SPREAD);
    x.iter()
        .map(|v| {
            if *v > hi {
                (v - hi) / spread
            } else if *v < lo {
                (v - lo) / spread
            } else {
                0.0
            }
        })
        .collect()
}

/// The `p`th percentile of sorted numbers, interpolated between the nearest ranks.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p / 100.0).clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let below = rank.floor() as usize;
    let above = rank.ceil() as usize;
    sorted[below] + (sorted[above] - sorted[below]) * (rank - below as f64)
}

fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        0.0
    } else {
        x.iter().sum::<f64>() / x.len() as f64
    }
}

/// The least-squares line through `x` (indexes as the axis), over `len` points.
fn line_fit(x: &[f64], len: usize) -> Vec<f64> {
    let n = x.len() as f64;
    let mean_i = (n - 1.0) / 2.0;
    let mean_x = mean(x);
    let (mut num, mut den) = (0.0, 0.0);
    for (i, v) in x.iter().enumerate() {
        num += (i as f64 - mean_i) * (v - mean_x);
        den += (i as f64 - mean_i).powi(2);
    }
    let slope = if den > 0.0 { num / den } else { 0.0 };
    (0..len)
        .map(|i| mean_x + slope * (i as f64 - mean_i))
        .collect()
}

/// The average of the detrended series at each phase of the period.
fn seasonal(x: &[f64], trend: &[f64], period: usize) -> Vec<f64> {
    (0..period)
        .map(|phase| {
            let values: Vec<f64> = x
                .iter()
                .zip(trend)
                .skip(phase)
                .step_by(period)
                .map(|(x, t)| x - t)
                .collect();
            mean(&values)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decompose(x: &[i64], args: &[Value]) -> Json {
        let mut a = vec![Value::Dynamic(Json::from(x.to_vec()))];
        a.extend(args.iter().cloned());
        let Value::Dynamic(j) = decompose_anomalies(&a, &Context::new(0)) else {
            panic!()
        };
        j
    }

    #[test]
    fn a_spike_at_the_end_of_a_flat_series_is_a_rise_anomaly() {
        let mut x = vec![2; 13];
        x.push(40);
        let r = decompose(
            &x,
            &[Value::Real(1.5), Value::Long(-1), Value::str("linefit")],
        );
        let flags = r[0].as_array().unwrap();
        assert_eq!(flags[13], 1);
        assert!(flags[..13].iter().all(|f| f == 0), "{r}");
        let baseline = r[2][13].as_f64().unwrap();
        assert!(baseline > 2.0 && baseline < 40.0, "{baseline}");
    }

    #[test]
    fn a_flat_series_has_no_anomaly_and_its_average_as_baseline() {
        let r = decompose(&[5; 10], &[]);
        assert!(r[0].as_array().unwrap().iter().all(|f| f == 0));
        assert_eq!(r[2][0].as_f64(), Some(5.0));
        assert!(matches!(
            decompose_anomalies(&[Value::Long(1)], &Context::new(0)),
            Value::Null
        ));
    }

    #[test]
    fn outliers_score_past_the_fence_over_the_spread() {
        let x: Vec<f64> = (0..11).map(f64::from).collect();
        let scores = outliers(&x, "ctukey", 10.0, 90.0);
        assert_eq!(scores[5], 0.0);
        assert!((scores[10] - 0.125).abs() < 1e-9, "{scores:?}");
        assert!((scores[0] + 0.125).abs() < 1e-9, "{scores:?}");
    }
}
