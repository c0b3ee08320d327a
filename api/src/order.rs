//! Responses in query order. The GraphQL specification says an object's fields SHOULD come in
//! the order the query asked for them; async-graphql resolves sibling fields concurrently and
//! inserts each into the answer as its future finishes (`resolver_utils/container.rs`;
//! upstream declined to change it), so two identical requests could answer with differently
//! ordered bytes. This schema extension keeps the parsed document of each operation and, once
//! the operation has run, puts every object of the answer back in the document's order:
//! fields in the order they are written, fragments expanded where they are spread, a response
//! key at its first appearance. It sits on the schema, so every transport that executes
//! through it (POST, GET, persisted queries, the WebSocket's queries, mutations and
//! subscription events) answers in the same order. Errors are sorted by their place in the
//! document and then by path. The cost is one walk over the answer (see docs/benchmarks.md).

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextSubscribe,
};
use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{PathSegment, Response, ServerError, ServerResult, Value, Variables};
use futures_util::stream::{BoxStream, StreamExt as _};

/// The schema extension (`schema::build` registers it).
pub struct QueryOrder;

impl ExtensionFactory for QueryOrder {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(QueryOrderExtension::default())
    }
}

/// One per operation: the document it was parsed from, once parsed.
#[derive(Default)]
struct QueryOrderExtension {
    document: Arc<Mutex<Option<Arc<ExecutableDocument>>>>,
}

impl QueryOrderExtension {
    fn document(&self) -> Option<Arc<ExecutableDocument>> {
        self.document.lock().ok().and_then(|d| d.clone())
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for QueryOrderExtension {
    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        // Every event of a subscription (and the one answer of a query or mutation sent over
        // the socket) arrives after the document was parsed.
        let document = self.document.clone();
        next.run(ctx, stream)
            .map(move |mut response| {
                let parsed = document.lock().ok().and_then(|d| d.clone());
                if let Some(document) = parsed {
                    in_query_order(&document, None, &mut response);
                }
                response
            })
            .boxed()
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        if let Ok(mut slot) = self.document.lock() {
            *slot = Some(Arc::new(document.clone()));
        }
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        if let Some(document) = self.document() {
            in_query_order(&document, operation_name, &mut response);
        }
        response
    }
}

/// Puts `response`'s data and errors in the order of the operation `name` of `document` (the
/// only operation when `name` is `None`).
pub fn in_query_order(document: &ExecutableDocument, name: Option<&str>, response: &mut Response) {
    let operation = match name {
        Some(name) => document
            .operations
            .iter()
            .find(|(n, _)| n.is_some_and(|n| n.as_str() == name)),
        None => {
            let mut operations = document.operations.iter();
            match (operations.next(), operations.next()) {
                (Some(only), None) => Some(only),
                _ => None,
            }
        }
    };
    let Some((_, operation)) = operation else {
        return;
    };
    order_values(
        vec![&mut response.data],
        &[&operation.node.selection_set.node],
        document,
    );
    if response.errors.len() > 1 {
        response.errors.sort_by_cached_key(error_position);
    }
}

/// Where an error belongs: its first location in the document, then its path.
fn error_position(error: &ServerError) -> (usize, usize, Vec<(usize, String)>) {
    let (line, column) = error
        .locations
        .first()
        .map_or((usize::MAX, usize::MAX), |p| (p.line, p.column));
    let path = error
        .path
        .iter()
        .map(|segment| match segment {
            PathSegment::Index(i) => (*i, String::new()),
            PathSegment::Field(f) => (0, f.clone()),
        })
        .collect();
    (line, column, path)
}

/// The response keys the selection sets ask for, in order, each with the selection sets asked
/// of its value (several when fields are merged or fragments repeat a key).
type Keys<'a> = IndexMap<&'a str, Vec<&'a SelectionSet>>;

fn collect<'a>(set: &'a SelectionSet, document: &'a ExecutableDocument, keys: &mut Keys<'a>, depth: usize) {
    // Validation refuses fragment cycles; the bound only guards against a document that
    // reached execution some other way.
    if depth > 64 {
        return;
    }
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                let entry = keys.entry(field.node.response_key().node.as_str()).or_default();
                if !field.node.selection_set.node.items.is_empty() {
                    entry.push(&field.node.selection_set.node);
                }
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                    collect(&fragment.node.selection_set.node, document, keys, depth + 1);
                }
            }
            Selection::InlineFragment(fragment) => {
                collect(&fragment.node.selection_set.node, document, keys, depth + 1);
            }
        }
    }
}

/// Orders every object among `values` (the values of one response key across all the objects
/// of its parent level, so the keys of a selection are collected once per level, not once per
/// object), then the values one level down, key by key.
fn order_values(values: Vec<&mut Value>, sets: &[&SelectionSet], document: &ExecutableDocument) {
    let mut objects = Vec::with_capacity(values.len());
    for value in values {
        match value {
            Value::Object(map) => objects.push(map),
            Value::List(items) => flatten(items, &mut objects),
            _ => {}
        }
    }
    if objects.is_empty() {
        return;
    }
    let mut keys = Keys::new();
    for set in sets {
        collect(set, document, &mut keys, 0);
    }
    let mut children: Vec<Vec<&mut Value>> = (0..keys.len()).map(|_| Vec::new()).collect();
    for map in objects {
        let position = |name: &str| index_of(&keys, name).unwrap_or(usize::MAX);
        let in_order = map
            .keys()
            .map(|k| position(k.as_str()))
            .try_fold(0usize, |last, p| (p >= last).then_some(p))
            .is_some();
        if !in_order {
            map.sort_by_cached_key(|k, _| position(k.as_str()));
        }
        for (key, value) in map.iter_mut() {
            if let Some(i) = index_of(&keys, key.as_str())
                && !keys[i].is_empty()
                && matches!(value, Value::Object(_) | Value::List(_))
            {
                children[i].push(value);
            }
        }
    }
    for (i, values) in children.into_iter().enumerate() {
        if !values.is_empty() {
            order_values(values, &keys[i], document);
        }
    }
}

/// A key's position: by comparing names when a selection has few (most do, and a comparison
/// of short names costs less than hashing one), by hash otherwise.
fn index_of(keys: &Keys<'_>, name: &str) -> Option<usize> {
    if keys.len() <= 16 {
        keys.keys().position(|k| *k == name)
    } else {
        keys.get_index_of(name)
    }
}

/// The objects of a list, of lists of lists too.
fn flatten<'v>(items: &'v mut [Value], objects: &mut Vec<&'v mut IndexMap<async_graphql::Name, Value>>) {
    for item in items {
        match item {
            Value::Object(map) => objects.push(map),
            Value::List(inner) => flatten(inner, objects),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ordered(query: &str, data: serde_json::Value) -> String {
        let document = async_graphql::parser::parse_query(query).unwrap();
        let mut response = Response::new(Value::from_json(data).unwrap());
        in_query_order(&document, None, &mut response);
        serde_json::to_string(&response.data).unwrap()
    }

    #[test]
    fn objects_follow_the_document() {
        let query = "{ b a { y x } ...F ... on T { d } c: e { q p } } fragment F on Q { f a { z } }";
        let data = serde_json::json!({
            "c": [{"p": 1, "q": 2}, [{"q": 3, "p": 4}]],
            "f": 1, "d": 2,
            "a": {"z": 1, "x": 2, "y": 3},
            "b": null
        });
        assert_eq!(
            ordered(query, data),
            r#"{"b":null,"a":{"y":3,"x":2,"z":1},"f":1,"d":2,"c":[{"q":2,"p":1},[{"q":3,"p":4}]]}"#
        );
    }

    #[test]
    fn an_ordered_answer_is_left_as_it_is() {
        let data = serde_json::json!({"a": 1, "b": {"c": 2, "d": 3}});
        assert_eq!(ordered("{ a b { c d } }", data), r#"{"a":1,"b":{"c":2,"d":3}}"#);
    }
}
