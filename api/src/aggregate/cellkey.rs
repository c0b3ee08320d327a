//! The cell key method (单元格密钥法) of statistical disclosure control, as the statistics
//! offices use it in their flexible table builders (the ABS TableBuilder, the 2021 census
//! tables of the UK and of EU members; sdcTools' `ptable` and `cellKey`):
//!
//! - every record carries a fixed random 32-bit *record key* (a signed `INTEGER`), stored with it
//!   (`record_key`, set by the database when the record is written);
//! - the *cell key* of a published number is the sum of the keys of the records behind it,
//!   modulo 2^32: it depends only on which records the number covers, so the same cell gets
//!   the same key whichever request, filter, grouping, period or transport produced it;
//! - a count `n` is published as `n + v`, `v` looked up in the *perturbation table* from
//!   (`n`, cell key): the same cell always gets the same published value, so repeating or
//!   rephrasing a request cannot average the noise away;
//! - a magnitude (money, areas, people) is published as `T + m · √S2 · w`, where `S2` is the
//!   sum of the squares of its contributions (so `√S2` is at least the largest contribution
//!   and close to it when one contributor dominates), `m` the magnitude noise and `w` a value
//!   of magnitude 0.5 to 1 and random sign drawn from the cell key; a magnitude is withheld
//!   when the dominance rule (the p% rule, applied through `S2`) says one or two contributors
//!   dominate it.
//!
//! The perturbation table is generated here, from its parameters, by maximum entropy: for an
//! original count `i` the perturbation `v` ranges over `-D..=D`, never makes the count
//! negative, never publishes 1 to `k - 1`, has mean 0 and (where the other constraints allow)
//! variance `V`; of all such distributions the table takes the one of largest entropy,
//! `p(v) ∝ exp(-μv - λv²)`. Zero stays zero. No GraphQL and no SQL here.

/// 2^32: cell keys are sums of record keys modulo it.
pub const KEY_SPACE: u64 = 1 << 32;

/// The parameters of the method, with the statistics offices' names.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Parameters {
    /// `k`: no published count is 1 to k - 1 (`SUPPRESSION_MIN_COUNT`, 5).
    pub min_count: i64,
    /// `D`: the largest perturbation of a count (`DISCLOSURE_MAX_DEVIATION`, 5).
    pub max_deviation: i64,
    /// `V`: the variance of a count's perturbation (`DISCLOSURE_VARIANCE`, 2); rows 1 to
    /// k - 1 need more and get the variance their constraints leave.
    pub variance: f64,
    /// `m`: a magnitude's noise as a share of the root sum of squares of its contributions
    /// (`DISCLOSURE_MAGNITUDE_NOISE`, 0.2).
    pub magnitude_noise: f64,
    /// `p`: the dominance rule's share (`DISCLOSURE_DOMINANCE_P`, 0.1): a magnitude is
    /// withheld when its two largest contributors could estimate each other within p.
    pub dominance_p: f64,
}

impl Default for Parameters {
    fn default() -> Self {
        Parameters {
            min_count: 5,
            max_deviation: 5,
            variance: 2.0,
            magnitude_noise: 0.2,
            dominance_p: 0.1,
        }
    }
}

/// One row of the table: the perturbations of an original count, in ascending order, with
/// the upper bound of the cell keys that draw each (exclusive, cumulative).
#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    pub original: i64,
    pub entries: Vec<(i64, u64)>,
}

impl TableRow {
    /// The probability of each perturbation, from the integer bounds.
    pub fn probabilities(&self) -> Vec<(i64, f64)> {
        let mut last = 0u64;
        self.entries
            .iter()
            .map(|&(v, ub)| {
                let p = (ub - last) as f64 / KEY_SPACE as f64;
                last = ub;
                (v, p)
            })
            .collect()
    }

    /// Mean and variance of the perturbation.
    pub fn moments(&self) -> (f64, f64) {
        let p = self.probabilities();
        let mean: f64 = p.iter().map(|(v, p)| *v as f64 * p).sum();
        let var = p.iter().map(|(v, p)| (*v as f64 - mean).powi(2) * p).sum();
        (mean, var)
    }
}

/// The parameters alone: they determine the table, and an aggregate's result-cache key is
/// its request's Debug text, which should not carry the whole table on every request.
impl std::fmt::Debug for CellKeyMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CellKeyMethod")
            .field("parameters", &self.parameters)
            .finish()
    }
}

impl Default for CellKeyMethod {
    fn default() -> Self {
        Self::build(Parameters::default())
    }
}

/// The perturbation table and the magnitude rules of one setting.
#[derive(Clone)]
pub struct CellKeyMethod {
    pub parameters: Parameters,
    /// Rows for original counts 0, 1, ...; the last serves every larger count.
    pub rows: Vec<TableRow>,
}

impl CellKeyMethod {
    /// Generates the table, or says which parameter is out of range.
    pub fn new(parameters: Parameters) -> Result<Self, String> {
        let Parameters {
            min_count: k,
            max_deviation: d,
            variance,
            magnitude_noise,
            dominance_p,
        } = parameters;
        if !(1..=100).contains(&k) {
            return Err(format!("SUPPRESSION_MIN_COUNT must be 1 to 100, not {k}"));
        }
        if d < k || d > 100 {
            return Err(format!(
                "DISCLOSURE_MAX_DEVIATION must be at least SUPPRESSION_MIN_COUNT ({k}) and at most 100, not {d}"
            ));
        }
        if !(variance > 0.0 && variance < (d * d) as f64) {
            return Err(format!(
                "DISCLOSURE_VARIANCE must be above 0 and below DISCLOSURE_MAX_DEVIATION² ({}), not {variance}",
                d * d
            ));
        }
        if !(0.0..=1.0).contains(&magnitude_noise) {
            return Err(format!(
                "DISCLOSURE_MAGNITUDE_NOISE must be 0 to 1, not {magnitude_noise}"
            ));
        }
        if !(0.0..=1.0).contains(&dominance_p) {
            return Err(format!(
                "DISCLOSURE_DOMINANCE_P must be 0 to 1, not {dominance_p}"
            ));
        }
        Ok(Self::build(parameters))
    }

    /// Generates the table of parameters already checked.
    fn build(parameters: Parameters) -> Self {
        let (d, js) = (parameters.max_deviation, parameters.min_count - 1);
        // Past d + js + 1 no constraint but the range binds: every larger count is alike.
        let rows = (0..=d + js + 1)
            .map(|i| row(i, d, js, parameters.variance))
            .collect();
        CellKeyMethod { parameters, rows }
    }

    /// The row for an original count.
    pub fn row(&self, count: i64) -> &TableRow {
        let i = count.clamp(0, self.rows.len() as i64 - 1) as usize;
        &self.rows[i]
    }

    /// The published value of a count whose records' keys sum to `key_sum`.
    pub fn count(&self, count: i64, key_sum: i64) -> i64 {
        if count <= 0 {
            return count.max(0);
        }
        let u = key_sum.rem_euclid(KEY_SPACE as i64) as u64;
        let row = self.row(count);
        let v = row.entries.iter().find(|(_, ub)| u < *ub).map_or(0, |(v, _)| *v);
        count + v
    }

    /// The published value of a magnitude: `total` of contributions whose squares sum to
    /// `squares` and whose records' keys sum to `key_sum`; None when the dominance rule
    /// withholds it. `salt` tells the magnitudes of one cell apart.
    pub fn magnitude(&self, total: i64, squares: f64, key_sum: i64, salt: u64) -> Option<i64> {
        if squares <= 0.0 {
            return Some(total);
        }
        let p = self.parameters.dominance_p;
        // The p% rule withholds T when T - x1 - x2 < p·x1. Then T < (1+p)·x1 + x2, and by
        // Cauchy–Schwarz T² < ((1+p)² + 1)(x1² + x2²) ≤ ((1+p)² + 1)·S2: withholding when
        // T² < ((1+p)² + 1)·S2 withholds every dominated cell (and a few more).
        let t = total as f64;
        if t * t < ((1.0 + p).powi(2) + 1.0) * squares {
            return None;
        }
        // Rounded so that sums of squares folded in another order give the same scale.
        let scale = squares.sqrt().round();
        let u = mix(key_sum.rem_euclid(KEY_SPACE as i64) as u64 ^ salt);
        let sign = if u & 1 == 0 { 1.0 } else { -1.0 };
        let w = 0.5 + 0.5 * ((u >> 11) as f64 / (1u64 << 53) as f64);
        let noise = (self.parameters.magnitude_noise * scale * w).round() * sign;
        Some(total + noise as i64)
    }
}

/// The protection a caller's statistics go through, as a value that can be part of a cache
/// or loader key: a process has one method, shared, so protections are equal when they are
/// the same method; its Debug text is the method's parameters.
#[derive(Debug, Clone)]
pub struct Protection(pub std::sync::Arc<CellKeyMethod>);

impl PartialEq for Protection {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Protection {}

impl std::hash::Hash for Protection {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::sync::Arc::as_ptr(&self.0).hash(state);
    }
}

/// A stable salt for a measure's name (FNV-1a), so that two magnitudes of one cell draw
/// different noise.
pub fn salt(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// SplitMix64's finaliser: spreads a cell key over 64 bits.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The row of original count `i`.
fn row(i: i64, d: i64, js: i64, variance: f64) -> TableRow {
    if i == 0 {
        return TableRow {
            original: 0,
            entries: vec![(0, KEY_SPACE)],
        };
    }
    let support: Vec<i64> = (-d..=d)
        .filter(|v| i + v >= 0 && !(1..=js).contains(&(i + v)))
        .collect();
    // Rows 1..=js cannot stay put, so their variance is what mean 0 leaves (λ = 0);
    // the others meet V.
    let lambda = if i <= js {
        0.0
    } else {
        bisect(-20.0, 20.0, |l| variance_of(&support, l) - variance)
    };
    let probabilities = distribution(&support, lambda);
    let mut cumulative = 0.0;
    let mut entries = Vec::with_capacity(support.len());
    for (v, p) in support.iter().zip(&probabilities) {
        cumulative += p;
        let ub = ((cumulative * KEY_SPACE as f64).round() as u64).min(KEY_SPACE);
        entries.push((*v, ub));
    }
    if let Some(last) = entries.last_mut() {
        last.1 = KEY_SPACE;
    }
    // A perturbation with no key of its own is never drawn.
    let mut last = 0;
    entries.retain(|&(_, ub)| {
        let keep = ub > last;
        last = ub;
        keep
    });
    TableRow { original: i, entries }
}

/// `p(v) ∝ exp(-μv - λv²)` over `support`, with μ found so that the mean is 0.
fn distribution(support: &[i64], lambda: f64) -> Vec<f64> {
    let weights = |mu: f64| -> Vec<f64> {
        let exps: Vec<f64> = support
            .iter()
            .map(|&v| -mu * v as f64 - lambda * (v * v) as f64)
            .collect();
        let top = exps.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let w: Vec<f64> = exps.iter().map(|e| (e - top).exp()).collect();
        let total: f64 = w.iter().sum();
        w.into_iter().map(|x| x / total).collect()
    };
    let mean = |mu: f64| -> f64 { weights(mu).iter().zip(support).map(|(p, v)| p * *v as f64).sum() };
    // The mean falls as μ rises.
    let mu = bisect(-50.0, 50.0, mean);
    weights(mu)
}

fn variance_of(support: &[i64], lambda: f64) -> f64 {
    distribution(support, lambda)
        .iter()
        .zip(support)
        .map(|(p, v)| p * (v * v) as f64)
        .sum()
}

/// The root of a falling function on [lo, hi], or the nearer end.
fn bisect(mut lo: f64, mut hi: f64, f: impl Fn(f64) -> f64) -> f64 {
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn method() -> CellKeyMethod {
        CellKeyMethod::new(Parameters::default()).expect("the defaults are valid")
    }

    #[test]
    fn every_row_is_unbiased_bounded_and_never_publishes_a_small_count() {
        let m = method();
        assert_eq!(m.rows.len(), 11);
        for row in &m.rows {
            let (mean, var) = row.moments();
            assert!(mean.abs() < 1e-6, "row {} mean {mean}", row.original);
            for (v, _) in row.probabilities() {
                let published = row.original + v;
                assert!(v.abs() <= 5 && published >= 0);
                assert!(
                    !(1..=4).contains(&published),
                    "row {} publishes {published}",
                    row.original
                );
            }
            if row.original > 4 {
                assert!((var - 2.0).abs() < 1e-6, "row {} variance {var}", row.original);
            } else if row.original > 0 {
                // The rows that must move have the variance their constraints leave.
                assert!(var > 2.0, "row {} variance {var}", row.original);
            }
        }
        assert_eq!(m.rows[0].entries, vec![(0, KEY_SPACE)]);
    }

    #[test]
    fn a_count_is_a_function_of_the_count_and_the_key_and_covers_its_row() {
        let m = method();
        for n in [1i64, 3, 7, 40] {
            let mut seen = std::collections::BTreeMap::new();
            for step in 0..4096u64 {
                let key = (step * (KEY_SPACE / 4096) + 17) as i64;
                let published = m.count(n, key);
                assert_eq!(published, m.count(n, key + KEY_SPACE as i64));
                *seen.entry(published - n).or_insert(0) += 1;
            }
            let expected: Vec<i64> = m
                .row(n)
                .probabilities()
                .iter()
                .filter(|(_, p)| *p > 1.0 / 4096.0)
                .map(|(v, _)| *v)
                .collect();
            for v in expected {
                assert!(seen.contains_key(&v), "count {n} never moves by {v}");
            }
        }
        assert_eq!(m.count(0, 12345), 0);
    }

    #[test]
    fn a_dominated_magnitude_is_withheld_and_others_move_within_the_noise() {
        let m = method();
        // One contributor, or two equal ones: dominated.
        assert_eq!(m.magnitude(1000, 1_000_000.0, 7, salt("x")), None);
        assert_eq!(m.magnitude(2000, 2_000_000.0, 7, salt("x")), None);
        // 1000 beside two of 10 (T=1020, S2=1000200): dominated by the p% rule.
        assert_eq!(m.magnitude(1020, 1_000_200.0, 7, salt("x")), None);
        // Ten equal contributors of 100: published, moved by 0.1 to 0.2 of √S2 (≈316).
        let mut moved = Vec::new();
        for key in 0..200 {
            let p = m
                .magnitude(1000, 100_000.0, key * 7_919_113, salt("x"))
                .expect("not dominated");
            let d = (p - 1000).abs();
            assert!((31..=64).contains(&d), "moved by {d}");
            moved.push(p);
        }
        assert!(moved.iter().any(|p| *p > 1000) && moved.iter().any(|p| *p < 1000));
        assert_ne!(
            m.magnitude(1000, 100_000.0, 5, salt("a")),
            m.magnitude(1000, 100_000.0, 5, salt("b"))
        );
        assert_eq!(m.magnitude(0, 0.0, 5, salt("a")), Some(0));
    }

    #[test]
    fn parameters_out_of_range_are_refused() {
        let bad = |f: fn(&mut Parameters)| {
            let mut p = Parameters::default();
            f(&mut p);
            CellKeyMethod::new(p).is_err()
        };
        assert!(bad(|p| p.max_deviation = 3));
        assert!(bad(|p| p.variance = 0.0));
        assert!(bad(|p| p.variance = 30.0));
        assert!(bad(|p| p.min_count = 0));
        assert!(bad(|p| p.magnitude_noise = 2.0));
    }
}
