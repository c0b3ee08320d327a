//! Spans of a request's phases and resolvers (`TRACE_RESOLVERS=true`), as async-graphql's
//! `Tracing` extension makes them but without the request's text: that extension records the
//! document with its variables inlined, and variables carry identity numbers, phones and
//! names. Here the parse span names the document by its SHA-256 (the id a persisted-operation
//! manifest gives it) and nothing a client sent is recorded.

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextResolve, NextValidation,
    ResolveInfo,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Response, ServerError, ServerResult, ValidationResult, Value, Variables};
use std::sync::Arc;
use tracing::Instrument as _;

/// The schema extension.
pub struct ResolverSpans;

impl ExtensionFactory for ResolverSpans {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ResolverSpansExtension)
    }
}

struct ResolverSpansExtension;

#[async_graphql::async_trait::async_trait]
impl Extension for ResolverSpansExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = crate::persisted::sha256_hex(query);
        let span = tracing::info_span!(target: "async_graphql::graphql", "parse", document = %document);
        next.run(ctx, query, variables).instrument(span).await
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let span = tracing::info_span!(target: "async_graphql::graphql", "validation");
        next.run(ctx).instrument(span).await
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let span = tracing::info_span!(target: "async_graphql::graphql", "execute");
        next.run(ctx, operation_name).instrument(span).await
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        // As async-graphql's extension does by default: no span for a scalar or enum field,
        // which would multiply the spans by the number of columns.
        let leaf = ctx
            .schema_env
            .registry
            .types
            .get(async_graphql::registry::MetaTypeName::concrete_typename(
                info.return_type,
            ))
            .is_some_and(|ty| ty.is_leaf());
        if info.is_for_introspection || leaf {
            return next.run(ctx, info).await;
        }
        let span = tracing::info_span!(
            target: "async_graphql::graphql",
            "field",
            path = %info.path_node,
            parent_type = %info.parent_type,
            return_type = %info.return_type,
        );
        next.run(ctx, info).instrument(span).await
    }
}
