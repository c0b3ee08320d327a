//! The GraphQL schema: one query and one mutation root merged from the domains, with
//! complexity and directive limits (depth is checked in `limits.rs`, introspection apart).

use async_graphql::{MergedObject, MergedSubscription, Schema};
use sea_orm::DatabaseConnection;

use crate::audit::query::AuditQuery;
use crate::auth::graphql::{AuthMutation, AuthQuery};
use crate::config::Settings;
use crate::domains::community::{mutation::CommunityMutation, query::CommunityQuery};
use crate::domains::enforcement::{mutation::EnforcementMutation, query::EnforcementQuery};
use crate::domains::funeral::{mutation::FuneralMutation, query::FuneralQuery};
use crate::domains::region::query::RegionQuery;
use crate::domains::rural::{mutation::RuralMutation, query::RuralQuery};
use crate::domains::survey::{mutation::SurveyMutation, query::SurveyQuery};
use crate::hub::HubQuery;
use crate::node::NodeQuery;

// The root is a tree of merged objects, not one flat list: a `MergedObject` of n parts resolves
// a field through a chain of n nested futures, and the release build computes the layout of
// that chain's future with the resolvers' futures inlined in it. Nineteen parts in one chain
// overflowed the compiler's query depth limit (128, "query depth increased by 130 when
// computing layout of ... add_set<QueryRoot<Query>>"); three groups of at most eight keep the
// chain at eleven, and the release build passes with the default limit.
/// Every read of the platform (查询).
#[derive(MergedObject, Default)]
pub struct Query(CoreQuery, DomainQuery, AggregateQuery);

/// The reads every domain shares: nodes, sync, identity, regions, the hub, audit, the data
/// dictionary and webhooks.
#[derive(MergedObject, Default)]
pub struct CoreQuery(
    NodeQuery,
    crate::sync::SyncQuery,
    AuthQuery,
    RegionQuery,
    HubQuery,
    AuditQuery,
    crate::dictionary::DictionaryQuery,
    crate::webhooks::graphql::WebhookQuery,
);

/// The reads of the domains' records and figures.
#[derive(MergedObject, Default)]
pub struct DomainQuery(
    EnforcementQuery,
    CommunityQuery,
    FuneralQuery,
    RuralQuery,
    SurveyQuery,
);

/// The grouped aggregates of the domains (BI).
#[derive(MergedObject, Default)]
pub struct AggregateQuery(
    crate::domains::enforcement::types::EnforcementAggregateQuery,
    crate::domains::community::types::CommunityStaffAggregateQuery,
    crate::domains::community::types::CommunityUnitAggregateQuery,
    crate::domains::funeral::types::GravePlotAggregateQuery,
    crate::domains::funeral::types::FuneralProjectAggregateQuery,
    crate::domains::rural::types::ObservationAggregateQuery,
);

/// Every change the platform accepts (变更).
#[derive(MergedObject, Default)]
pub struct Mutation(
    AuthMutation,
    EnforcementMutation,
    CommunityMutation,
    FuneralMutation,
    RuralMutation,
    SurveyMutation,
    crate::webhooks::graphql::WebhookMutation,
);

/// Every live update (订阅), over WebSocket (graphql-transport-ws, `http/socket.rs`).
#[derive(MergedSubscription, Default)]
pub struct Subscription(crate::domains::enforcement::subscription::EnforcementSubscription);

pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// Builds the schema once, with the record lists it exports; the database connection is
/// shared by every request.
pub fn build(
    db: DatabaseConnection,
    settings: &Settings,
    auth: Auth,
    limiter: std::sync::Arc<crate::ratelimit::CostLimiter>,
    webhooks: std::sync::Arc<crate::webhooks::Safety>,
) -> (AppSchema, crate::export::Catalog) {
    let dictionary = crate::dictionary::Dictionary::default();
    let mut builder = Schema::build(Query::default(), Mutation::default(), Subscription::default())
        .data(dictionary.clone())
        .data(db)
        .data(auth.keys)
        .data(auth.throttles)
        .data(crate::aggregate::disclosure::Disclosure {
            min_count: settings.suppression_min_count,
        })
        .data(limiter)
        .data(webhooks)
        .extension(crate::ratelimit::RateLimit)
        .extension(crate::order::QueryOrder)
        .limit_complexity(settings.max_complexity)
        .limit_directives(settings.limits.max_directives);
    if settings.trace_resolvers {
        builder = builder.extension(crate::telemetry::resolvers::ResolverSpans);
    }
    if settings.production {
        builder = builder.disable_introspection().disable_suggestions();
    }
    let schema = builder.finish();
    // The record lists and the data dictionary describe the schema they are part of, read
    // once from its SDL.
    let sdl = schema.sdl();
    let lists = crate::export::catalog(&sdl);
    let _ = dictionary.0.set(crate::dictionary::build(&sdl, &lists));
    (schema, lists)
}

/// What authentication needs in every request: the keys and the login throttles.
#[derive(Clone)]
pub struct Auth {
    pub keys: std::sync::Arc<crate::auth::jwt::KeyStore>,
    pub throttles: std::sync::Arc<crate::auth::service::LoginThrottles>,
}

/// The schema without a database, for exporting the SDL.
pub fn sdl() -> String {
    Schema::build(Query::default(), Mutation::default(), Subscription::default())
        .finish()
        .sdl()
}
