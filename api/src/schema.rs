//! The GraphQL schema: one query and one mutation root merged from the domains, with
//! complexity and directive limits (depth is checked in `limits.rs`, introspection apart).

use async_graphql::{MergedObject, MergedSubscription, Schema};
use sea_orm::DatabaseConnection;

use crate::audit::query::AuditQuery;
use crate::auth::graphql::{AuthMutation, AuthQuery};
use crate::config::Settings;
use crate::domains::{AggregateQuery, DomainMutation, DomainQuery, DomainSubscription};
use crate::hub::HubQuery;
use crate::node::NodeQuery;
use crate::region::query::RegionQuery;

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
/// dictionary, webhooks and the disclosure control.
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
    crate::aggregate::graphql::DisclosureQuery,
);

/// Every change the platform accepts (变更).
#[derive(MergedObject, Default)]
pub struct Mutation(
    AuthMutation,
    DomainMutation,
    crate::webhooks::graphql::WebhookMutation,
);

/// Every live update (订阅), over WebSocket (graphql-transport-ws, `http/socket.rs`).
#[derive(MergedSubscription, Default)]
pub struct Subscription(DomainSubscription);

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
        .data(crate::aggregate::disclosure::Disclosure::new(settings.disclosure))
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
