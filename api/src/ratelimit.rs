//! Rate limiting of expensive queries: each user and each client address has a budget of
//! complexity units per minute, a sliding window counted across the server processes
//! (`shared.rs`: in memory, synced in the background). Queries below the free complexity
//! cost nothing. Checked after validation, before any resolver runs.

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::{ErrorExtensionValues, ServerError, ValidationResult};
use std::sync::Arc;

use crate::shared::{SharedCounts, Window};

/// Budgets per key.
pub struct CostLimiter {
    per_minute: u64,
    free_below: u64,
    counts: Arc<SharedCounts>,
}

/// The keys a request is charged to: its user (when signed in) and its client address.
#[derive(Debug, Clone)]
pub struct RateKeys(pub Vec<String>);

const MINUTE: Window = Window(60);

impl CostLimiter {
    pub fn new(per_minute: u64, free_below: u64, counts: Arc<SharedCounts>) -> Self {
        CostLimiter {
            per_minute: per_minute.max(1),
            free_below,
            counts,
        }
    }

    /// Spends `cost` from every key's budget, or none when one of them lacks it:
    /// `Err(seconds until it has)`.
    pub fn charge(&self, keys: &[String], cost: u64) -> Result<(), u64> {
        if cost < self.free_below {
            return Ok(());
        }
        self.spend(keys, cost)
    }

    /// Spends `cost` from every key's budget whatever its size (exports pay each row), or
    /// none when one of them lacks it: `Err(seconds until it has)`. A cost above a whole
    /// minute's budget costs the whole budget, so that it can be paid at all.
    pub fn spend(&self, keys: &[String], cost: u64) -> Result<(), u64> {
        let cost = cost.min(self.per_minute);
        let names: Vec<String> = keys.iter().map(|k| format!("cost:{k}")).collect();
        let limit = i64::try_from(self.per_minute).unwrap_or(i64::MAX);
        self.counts
            .try_add(&names, MINUTE, cost as i64, limit)
            .map_err(|wait| wait.ceil().max(1.0) as u64)
    }
}

/// The schema extension that charges each validated query its complexity.
pub struct RateLimit;

impl ExtensionFactory for RateLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RateLimitExtension)
    }
}

struct RateLimitExtension;

#[async_graphql::async_trait::async_trait]
impl Extension for RateLimitExtension {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if let (Some(limiter), Some(keys)) = (ctx.data_opt::<Arc<CostLimiter>>(), ctx.data_opt::<RateKeys>())
            && let Err(wait) = limiter.charge(&keys.0, result.complexity as u64)
        {
            let mut err = ServerError::new("too many expensive queries; retry later", None);
            let mut ext = ErrorExtensionValues::default();
            ext.set("code", "RATE_LIMITED");
            ext.set("retryAfter", wait);
            err.extensions = Some(ext);
            return Err(vec![err]);
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_is_spent_and_free_queries_cost_nothing() {
        let limiter = CostLimiter::new(600, 10, Arc::new(SharedCounts::default()));
        let keys = vec!["user:a".to_owned(), "addr:1".to_owned()];
        assert!(limiter.charge(&keys, 5).is_ok(), "free");
        assert!(limiter.charge(&keys, 400).is_ok());
        assert!(limiter.charge(&keys, 150).is_ok());
        let wait = limiter.charge(&keys, 200).unwrap_err();
        assert!(wait >= 1);
        // Another user at the same address shares the address budget.
        assert!(
            limiter
                .charge(&["user:b".to_owned(), "addr:1".to_owned()], 200)
                .is_err()
        );
        assert!(
            limiter
                .charge(&["user:c".to_owned(), "addr:2".to_owned()], 200)
                .is_ok()
        );
    }
}
