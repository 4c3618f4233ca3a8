//! Evidence statistics for scoring, kept pure and hand-checkable: Beta posterior bounds
//! for a rate with a weak prior, binomial and Poisson upper-tail p-values, EWMA and a
//! one-sided CUSUM for change over days, and the small combinators the score uses.

use statrs::distribution::{Beta, Binomial, ContinuousCDF, DiscreteCDF, Normal, Poisson};

/// Quantile `q` of the Beta posterior of a rate after `hits` successes in `trials`,
/// starting from a weak prior worth `prior_strength` pseudo-trials centred on `prior_mean`.
/// Counts may be fractional. With no data the answer is the prior's quantile.
pub fn beta_quantile(hits: f64, trials: f64, prior_mean: f64, prior_strength: f64, q: f64) -> f64 {
    let m = prior_mean.clamp(1e-6, 1.0 - 1e-6);
    let k = prior_strength.max(1e-3);
    let trials = trials.max(0.0);
    let hits = hits.clamp(0.0, trials);
    let (a, b) = (hits + k * m, trials - hits + k * (1.0 - m));
    match Beta::new(a, b) {
        Ok(d) => d.inverse_cdf(q.clamp(0.0, 1.0)),
        Err(_) => a / (a + b),
    }
}

/// One-sided lower bound of a rate at `confidence` (e.g. 0.95 -> the 5% posterior quantile).
pub fn rate_lower_bound(
    hits: f64,
    trials: f64,
    prior_mean: f64,
    prior_strength: f64,
    confidence: f64,
) -> f64 {
    beta_quantile(hits, trials, prior_mean, prior_strength, 1.0 - confidence)
}

/// One-sided upper bound of a rate at `confidence` (e.g. 0.95 -> the 95% posterior quantile).
pub fn rate_upper_bound(
    hits: f64,
    trials: f64,
    prior_mean: f64,
    prior_strength: f64,
    confidence: f64,
) -> f64 {
    beta_quantile(hits, trials, prior_mean, prior_strength, confidence)
}

/// P(X >= observed) for X ~ Poisson(expected): how surprising `observed` events are when
/// `expected` were due. 1 when nothing was observed; 0 when events came with none due.
pub fn poisson_upper_p(observed: u64, expected: f64) -> f64 {
    if observed == 0 {
        return 1.0;
    }
    if expected <= 0.0 || !expected.is_finite() {
        return 0.0;
    }
    match Poisson::new(expected) {
        Ok(d) => d.sf(observed - 1).clamp(0.0, 1.0),
        Err(_) => 1.0,
    }
}

/// How far `observed` events exceed `expected` beyond Poisson noise: `observed - expected -
/// z * sqrt(expected)`, z the one-sided normal quantile at `confidence`; 0 when within noise.
/// With nothing expected every event counts.
pub fn excess_beyond_noise(observed: f64, expected: f64, confidence: f64) -> f64 {
    let z = Normal::standard().inverse_cdf(confidence.clamp(0.5, 0.999_999));
    let e = expected.max(0.0);
    let x = observed - e - z * e.sqrt();
    if x > 0.0 { x } else { 0.0 }
}

/// P(X >= observed) for X ~ Binomial(trials, p).
pub fn binomial_upper_p(observed: u64, trials: u64, p: f64) -> f64 {
    if observed == 0 {
        return 1.0;
    }
    if observed > trials {
        return 0.0;
    }
    match Binomial::new(p.clamp(0.0, 1.0), trials) {
        Ok(d) => d.sf(observed - 1).clamp(0.0, 1.0),
        Err(_) => 1.0,
    }
}

/// Exponentially weighted moving average with smoothing `lambda` (weight of the newest
/// value), seeded with the first value. `None` for an empty series.
pub fn ewma(values: impl IntoIterator<Item = f64>, lambda: f64) -> Option<f64> {
    let lambda = lambda.clamp(0.0, 1.0);
    values.into_iter().fold(None, |acc, x| {
        Some(match acc {
            None => x,
            Some(s) => lambda * x + (1.0 - lambda) * s,
        })
    })
}

/// State of a one-sided (upper) CUSUM after a series.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cusum {
    /// The statistic after the last value: accumulated excess above the allowance.
    pub value: f64,
    /// Index of the first value of the current run (the run that is still above zero).
    pub run_start: Option<usize>,
    /// How many values the current run spans.
    pub run_len: usize,
}

/// One-sided CUSUM: `S = max(0, S + x - slack)` over `(x, slack)` pairs, where `x` is the
/// excess over the baseline and `slack` the allowance for noise on that step.
pub fn cusum_upper(steps: impl IntoIterator<Item = (f64, f64)>) -> Cusum {
    let mut c = Cusum::default();
    for (i, (x, slack)) in steps.into_iter().enumerate() {
        let s = c.value + x - slack;
        if s > 0.0 {
            if c.value <= 0.0 {
                c.run_start = Some(i);
                c.run_len = 0;
            }
            c.run_len += 1;
            c.value = s;
        } else {
            c.value = 0.0;
            c.run_start = None;
            c.run_len = 0;
        }
    }
    c
}

/// `x / full`, clamped to 0..=1: how far a signal is towards "fully bad".
pub fn saturate(x: f64, full: f64) -> f64 {
    if full <= 0.0 || !x.is_finite() {
        return 0.0;
    }
    let r = (x / full).clamp(0.0, 1.0);
    if r > 0.0 { r } else { 0.0 }
}

/// Combines 0-100 parts like independent risks: `100 * (1 - prod(1 - weight * part / 100))`.
/// Each weight (0..=1) is the most its part can contribute alone; the result is 0..=100 and
/// never falls when any part rises.
pub fn noisy_or(parts: &[(f64, f64)]) -> f64 {
    let keep: f64 = parts
        .iter()
        .map(|&(w, c)| 1.0 - (w.clamp(0.0, 1.0) * c.clamp(0.0, 100.0) / 100.0))
        .product();
    (100.0 * (1.0 - keep)).clamp(0.0, 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn beta_quantiles_match_closed_forms() {
        // No data, prior Beta(1, 1) (mean 0.5, strength 2): uniform, quantile q is q.
        assert!(close(beta_quantile(0.0, 0.0, 0.5, 2.0, 0.3), 0.3, 1e-9));
        // One hit in one trial on that prior: Beta(2, 1), cdf x^2, so the 25% point is 0.5.
        assert!(close(beta_quantile(1.0, 1.0, 0.5, 2.0, 0.25), 0.5, 1e-9));
        // One miss: Beta(1, 2), cdf 1-(1-x)^2, so the 75% point is 0.5.
        assert!(close(beta_quantile(0.0, 1.0, 0.5, 2.0, 0.75), 0.5, 1e-9));
    }

    #[test]
    fn bounds_bracket_the_rate_and_tighten_with_data() {
        let (lo_small, hi_small) = (
            rate_lower_bound(1.0, 2.0, 0.03, 10.0, 0.95),
            rate_upper_bound(1.0, 2.0, 0.03, 10.0, 0.95),
        );
        // 1 failure in 2 calls is weak evidence: the lower bound stays near the prior.
        assert!(lo_small < 0.03, "{lo_small}");
        assert!(hi_small > 0.2);
        let lo_big = rate_lower_bound(100.0, 200.0, 0.03, 10.0, 0.95);
        assert!(lo_big > 0.4 && lo_big < 0.5, "{lo_big}");
    }

    #[test]
    fn poisson_tail_by_hand() {
        // P(X >= 1 | 2) = 1 - e^-2; P(X >= 3 | 2) = 1 - 5 e^-2.
        let e2 = (-2.0f64).exp();
        assert!(close(poisson_upper_p(1, 2.0), 1.0 - e2, 1e-9));
        assert!(close(poisson_upper_p(3, 2.0), 1.0 - 5.0 * e2, 1e-9));
        assert_eq!(poisson_upper_p(0, 2.0), 1.0);
        assert_eq!(poisson_upper_p(2, 0.0), 0.0);
        // 30 failures where 6 were due is far beyond chance.
        assert!(poisson_upper_p(30, 6.0) < 1e-6);
    }

    #[test]
    fn excess_beyond_noise_by_hand() {
        // z(0.95) = 1.6449: 10 seen where 4 were due is 10 - 4 - 1.6449 * 2 = 2.71 beyond noise.
        assert!(close(
            excess_beyond_noise(10.0, 4.0, 0.95),
            10.0 - 4.0 - 1.644_853_6 * 2.0,
            1e-6
        ));
        assert_eq!(excess_beyond_noise(5.0, 4.0, 0.95), 0.0);
        assert_eq!(excess_beyond_noise(3.0, 0.0, 0.95), 3.0);
    }

    #[test]
    fn binomial_tail_by_hand() {
        // Three fair coins: P(X >= 2) = 4/8, P(X >= 3) = 1/8.
        assert!(close(binomial_upper_p(2, 3, 0.5), 0.5, 1e-9));
        assert!(close(binomial_upper_p(3, 3, 0.5), 0.125, 1e-9));
        assert_eq!(binomial_upper_p(4, 3, 0.5), 0.0);
    }

    #[test]
    fn ewma_and_cusum_by_hand() {
        assert_eq!(ewma([0.0, 1.0, 1.0], 0.5), Some(0.75));
        assert_eq!(ewma(std::iter::empty(), 0.5), None);
        // 0.05 - 0.01 = 0.04, then 0.08, then a drop resets, then a new run of 0.09.
        let c = cusum_upper([(0.05, 0.01), (0.05, 0.01), (-0.2, 0.01), (0.1, 0.01)]);
        assert!(close(c.value, 0.09, 1e-12));
        assert_eq!((c.run_start, c.run_len), (Some(3), 1));
        let c = cusum_upper([(0.02, 0.01), (0.03, 0.01), (0.04, 0.01)]);
        assert!(close(c.value, 0.06, 1e-12));
        assert_eq!((c.run_start, c.run_len), (Some(0), 3));
    }

    #[test]
    fn combinators() {
        assert_eq!(saturate(0.05, 0.1), 0.5);
        assert_eq!(saturate(-1.0, 0.1), 0.0);
        assert!(saturate(-0.0, 0.1).is_sign_positive());
        assert_eq!(saturate(3.0, 0.1), 1.0);
        assert!(close(noisy_or(&[(1.0, 50.0), (0.5, 100.0)]), 75.0, 1e-9));
        assert_eq!(noisy_or(&[(0.7, 0.0)]), 0.0);
    }
}
