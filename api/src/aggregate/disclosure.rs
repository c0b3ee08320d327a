//! Disclosure control (统计披露控制) for callers who may not read records (`statistics_reader`,
//! `anonymous`): every count and magnitude they obtain is protected by the cell key method
//! (`cellkey.rs`), so that no difference of published figures, however many requests it
//! takes, gives a small cell's exact value:
//!
//! - a count is published with the perturbation the table gives for its count and cell key;
//! - a sum is published with noise in proportion to its largest contributions, or withheld
//!   when the dominance rule says one or two contributors dominate it (the row's
//!   `suppressed` then says that some of its values are withheld);
//! - an average is the protected sum over the protected count of its values;
//! - a minimum or maximum is one record's own value, and is withheld.
//!
//! Rates are computed from the protected parts. Roles that may read records get exact
//! values: they could count the records anyway.

use std::sync::Arc;

use super::cellkey::{CellKeyMethod, Parameters, salt};
use super::{Acc, Agg, Dataset};

/// The disclosure setting of the process, in the schema's data.
#[derive(Debug, Clone)]
pub struct Disclosure {
    method: Arc<CellKeyMethod>,
}

impl Disclosure {
    /// The method of `parameters`; they were checked when the settings were read, and the
    /// defaults stand in for any that are not valid.
    pub fn new(parameters: Parameters) -> Self {
        let method = CellKeyMethod::new(parameters).unwrap_or_else(|e| {
            tracing::error!("disclosure parameters refused ({e}); using the defaults");
            CellKeyMethod::default()
        });
        Disclosure {
            method: Arc::new(method),
        }
    }

    /// The protection for `role` in the domain of `policy`: None for a role that may read
    /// the domain's records (it could count them anyway), the method for every other.
    pub fn protection(
        &self,
        role: crate::access::Role,
        policy: &crate::access::Policy,
    ) -> Option<Arc<CellKeyMethod>> {
        (!policy.allows(role, crate::access::Action::Read)).then(|| self.method.clone())
    }

    /// The process's method, shared.
    pub fn shared(&self) -> Arc<CellKeyMethod> {
        self.method.clone()
    }

    pub fn method(&self) -> &CellKeyMethod {
        &self.method
    }
}

/// What a measure's cell adds beside its value: the sum of the record keys behind it and
/// the sum of the squares of its contributions (magnitudes only).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Part {
    pub key: i64,
    pub squares: f64,
}

impl Part {
    pub fn fold(&mut self, other: Part) {
        self.key = self.key.wrapping_add(other.key);
        self.squares += other.squares;
    }
}

/// Protects one group's values in place; returns which measures are withheld and whether
/// the dominance rule withheld any.
pub fn protect(
    method: &CellKeyMethod,
    dataset: &Dataset,
    values: &mut [Acc],
    parts: &[Part],
) -> (Vec<bool>, bool) {
    let mut withheld = vec![false; values.len()];
    let mut dominated = false;
    for (i, m) in dataset.measures.iter().enumerate() {
        let part = parts.get(i).copied().unwrap_or_default();
        match (&m.agg, values[i]) {
            (Agg::Count | Agg::CountWhere(_), Acc::Sum(n)) => {
                values[i] = Acc::Sum(method.count(n, part.key));
            }
            (Agg::Sum(_), Acc::Sum(t)) => match method.magnitude(t, part.squares, part.key, salt(m.name)) {
                Some(v) => values[i] = Acc::Sum(v),
                None => {
                    withheld[i] = true;
                    dominated = true;
                }
            },
            (Agg::Avg(_), Acc::Avg { sum, n }) => {
                match method.magnitude(sum, part.squares, part.key, salt(m.name)) {
                    Some(s) => {
                        values[i] = Acc::Avg {
                            sum: s,
                            n: method.count(n, part.key),
                        }
                    }
                    None => {
                        withheld[i] = true;
                        dominated = true;
                    }
                }
            }
            // One record's own value.
            _ => withheld[i] = true,
        }
    }
    (withheld, dominated)
}
