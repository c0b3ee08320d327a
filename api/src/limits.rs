//! Request limits checked on the parsed document before authentication and before any SQL:
//! query length, aliases, root fields, directives and depth. Complexity is enforced by the
//! schema (`schema.rs`), batch and body size by the HTTP layer (`http.rs`).
//!
//! Depth is counted here rather than by async-graphql's `limit_depth`, because that one counts
//! introspection too: the standard introspection query of graphql-js (what GraphiQL, codegen
//! and IDE plugins send) nests its `ofType` chain past any sensible limit for data. Fields
//! under `__schema` and `__type` count against their own, fixed limit instead; where
//! introspection is disabled (production) the schema refuses them anyway.

use async_graphql::parser::Positioned;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};

use std::collections::{HashMap, HashSet};

use crate::config::Limits;
use crate::error::AppError;

/// What the checks learnt about a request.
pub struct Checked {
    /// Whether the text parses as a GraphQL document.
    pub parsed: bool,
    /// The operation to run (the named one, or the only one); None if the text does not parse.
    pub operation: Option<OperationType>,
    /// The name of that operation, when it has one.
    pub operation_name: Option<String>,
}

/// Deepest nesting the standard introspection query may reach below `__schema`/`__type`
/// (graphql-js's `TypeRef` fragment nests `ofType` nine times: 15 levels in all).
pub const MAX_INTROSPECTION_DEPTH: usize = 20;

/// Nesting depths of a selection set: of data fields, and of introspection fields.
#[derive(Clone, Copy, Default)]
struct Depth {
    data: usize,
    introspection: usize,
}

/// Depths of a selection set, fragments expanded; a fragment's depth is memoised, and a
/// fragment cycle (a validation error anyway) counts as nothing. Fields are counted as
/// async-graphql counts them: `{ a { b } }` is 2 deep.
fn depth<'a>(
    doc: &'a ExecutableDocument,
    set: &'a SelectionSet,
    in_introspection: bool,
    memo: &mut HashMap<(&'a str, bool), Depth>,
    visiting: &mut HashSet<&'a str>,
) -> Depth {
    let mut max = Depth::default();
    for item in &set.items {
        let d = match &item.node {
            Selection::Field(f) => {
                let name = f.node.name.node.as_str();
                let introspection = in_introspection || name == "__schema" || name == "__type";
                let below = depth(doc, &f.node.selection_set.node, introspection, memo, visiting);
                if introspection {
                    Depth {
                        data: 0,
                        introspection: below.introspection + 1,
                    }
                } else {
                    Depth {
                        data: below.data + 1,
                        introspection: below.introspection,
                    }
                }
            }
            Selection::InlineFragment(i) => {
                depth(doc, &i.node.selection_set.node, in_introspection, memo, visiting)
            }
            Selection::FragmentSpread(s) => {
                let name = s.node.fragment_name.node.as_str();
                if let Some(known) = memo.get(&(name, in_introspection)) {
                    *known
                } else if !visiting.insert(name) {
                    Depth::default()
                } else {
                    let d = doc
                        .fragments
                        .get(&s.node.fragment_name.node)
                        .map_or(Depth::default(), |f| {
                            depth(doc, &f.node.selection_set.node, in_introspection, memo, visiting)
                        });
                    visiting.remove(name);
                    memo.insert((name, in_introspection), d);
                    d
                }
            }
        };
        max.data = max.data.max(d.data);
        max.introspection = max.introspection.max(d.introspection);
    }
    max
}

#[derive(Default)]
struct Counts {
    aliases: usize,
    directives: usize,
}

fn walk(set: &Positioned<SelectionSet>, counts: &mut Counts) {
    for item in &set.node.items {
        match &item.node {
            Selection::Field(f) => {
                counts.aliases += usize::from(f.node.alias.is_some());
                counts.directives += f.node.directives.len();
                walk(&f.node.selection_set, counts);
            }
            Selection::FragmentSpread(s) => counts.directives += s.node.directives.len(),
            Selection::InlineFragment(i) => {
                counts.directives += i.node.directives.len();
                walk(&i.node.selection_set, counts);
            }
        }
    }
}

/// Root fields of a selection set, fragments expanded; each fragment is counted once
/// (memoised), and a fragment cycle (a validation error anyway) counts as nothing.
fn root_fields<'a>(
    doc: &'a ExecutableDocument,
    set: &'a SelectionSet,
    memo: &mut HashMap<&'a str, usize>,
    visiting: &mut HashSet<&'a str>,
) -> usize {
    let mut n = 0usize;
    for item in &set.items {
        n = n.saturating_add(match &item.node {
            Selection::Field(_) => 1,
            Selection::InlineFragment(i) => root_fields(doc, &i.node.selection_set.node, memo, visiting),
            Selection::FragmentSpread(s) => {
                let name = s.node.fragment_name.node.as_str();
                if let Some(known) = memo.get(name) {
                    *known
                } else if !visiting.insert(name) {
                    0
                } else {
                    let count = doc.fragments.get(&s.node.fragment_name.node).map_or(0, |f| {
                        root_fields(doc, &f.node.selection_set.node, memo, visiting)
                    });
                    visiting.remove(name);
                    memo.insert(name, count);
                    count
                }
            }
        });
    }
    n
}

/// Checks one request against the limits. The document is parsed once, here, and stays
/// in the request for the executor.
pub fn check(limits: &Limits, request: &mut async_graphql::Request) -> Result<Checked, AppError> {
    if request.query.chars().count() > limits.max_query_length {
        return Err(AppError::LimitExceeded(format!(
            "the query is longer than {} characters",
            limits.max_query_length
        )));
    }
    let operation_name = request.operation_name.clone();
    let Ok(doc) = request.parsed_query() else {
        // The executor parses it again and reports the syntax error with its position.
        return Ok(Checked {
            parsed: false,
            operation: None,
            operation_name: None,
        });
    };
    check_document(limits, doc, operation_name.as_deref())
}

fn check_document(
    limits: &Limits,
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
) -> Result<Checked, AppError> {
    let mut counts = Counts::default();
    for (_, op) in doc.operations.iter() {
        counts.directives += op.node.directives.len();
        walk(&op.node.selection_set, &mut counts);
    }
    for fragment in doc.fragments.values() {
        counts.directives += fragment.node.directives.len();
        walk(&fragment.node.selection_set, &mut counts);
    }
    if counts.aliases > limits.max_aliases {
        return Err(AppError::LimitExceeded(format!(
            "the query has {} aliases; at most {} are allowed",
            counts.aliases, limits.max_aliases
        )));
    }
    if counts.directives > limits.max_directives {
        return Err(AppError::LimitExceeded(format!(
            "the query has {} directives; at most {} are allowed",
            counts.directives, limits.max_directives
        )));
    }
    let selected = match (&doc.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some((op, None)),
        (DocumentOperations::Multiple(ops), Some(name)) => {
            ops.get(name).map(|op| (op, Some(name.to_owned())))
        }
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.iter().next().map(|(name, op)| (op, Some(name.to_string())))
        }
        _ => None,
    };
    for (_, op) in doc.operations.iter() {
        let n = root_fields(
            doc,
            &op.node.selection_set.node,
            &mut HashMap::new(),
            &mut HashSet::new(),
        );
        if n > limits.max_root_fields {
            return Err(AppError::LimitExceeded(format!(
                "an operation selects {n} root fields; at most {} are allowed",
                limits.max_root_fields
            )));
        }
    }
    for (_, op) in doc.operations.iter() {
        let d = depth(
            doc,
            &op.node.selection_set.node,
            false,
            &mut HashMap::new(),
            &mut HashSet::new(),
        );
        if d.data > limits.max_depth {
            return Err(AppError::LimitExceeded(format!(
                "the query is nested {} deep; at most {} is allowed",
                d.data, limits.max_depth
            )));
        }
        if d.introspection > MAX_INTROSPECTION_DEPTH {
            return Err(AppError::LimitExceeded(format!(
                "the introspection query is nested {} deep; at most {MAX_INTROSPECTION_DEPTH} is allowed",
                d.introspection
            )));
        }
    }
    Ok(Checked {
        parsed: true,
        operation: selected.as_ref().map(|(op, _)| op.node.ty),
        operation_name: selected.and_then(|(_, name)| name),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `check` on a request of this text and operation name.
    fn check_text(limits: &Limits, query: &str, operation_name: Option<&str>) -> Result<Checked, AppError> {
        let mut request = async_graphql::Request::new(query);
        if let Some(name) = operation_name {
            request = request.operation_name(name);
        }
        check(limits, &mut request)
    }

    #[test]
    fn counts_aliases_root_fields_and_directives() {
        let limits = Limits {
            max_aliases: 2,
            max_root_fields: 3,
            max_directives: 1,
            ..Limits::default()
        };
        assert!(check_text(&limits, "{ a: me { role } b: me { role } }", None).is_ok());
        assert!(
            check_text(
                &limits,
                "{ a: me { r: role } b: me { role } c: me { role } }",
                None
            )
            .is_err()
        );
        assert!(
            check_text(
                &limits,
                "{ me { role } regions { totalCount } courts { totalCount } x: me { role } }",
                None
            )
            .is_err()
        );
        assert!(check_text(&limits, "query { ...F } fragment F on Query { me { role } regions { totalCount } courts { totalCount } users { totalCount } }", None).is_err());
        assert!(
            check_text(
                &limits,
                "{ me @include(if: true) { role @skip(if: false) } }",
                None
            )
            .is_err()
        );
        // Fragment fan-out is counted once per fragment, not once per path.
        let mut bomb = String::from("{ ...A } fragment A on Query { me { role } }");
        for (name, next) in [
            ("B", "A"),
            ("C", "B"),
            ("D", "C"),
            ("E", "D"),
            ("F", "E"),
            ("G", "F"),
            ("H", "G"),
        ] {
            bomb.push_str(&format!(
                " fragment {name} on Query {{ {} }}",
                format!("...{next} ").repeat(50)
            ));
        }
        bomb = bomb.replacen("{ ...A }", "{ ...H }", 1);
        assert!(
            check_text(
                &Limits {
                    max_root_fields: 3,
                    ..Limits::default()
                },
                &bomb,
                None
            )
            .is_err()
        );
        let checked = check_text(&limits, "mutation M { logout(refreshToken: \"x\") }", None).unwrap();
        assert_eq!(checked.operation, Some(OperationType::Mutation));
        assert!(check_text(&limits, "{ broken", None).unwrap().operation.is_none());
        assert!(!check_text(&limits, "{ broken", None).unwrap().parsed);
    }

    #[test]
    fn depth_counts_data_fields_through_fragments_and_introspection_apart() {
        let limits = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        assert!(check_text(&limits, "{ a { b { c } } }", None).is_ok());
        assert!(check_text(&limits, "{ a { b { c { d } } } }", None).is_err());
        // Through fragments and inline fragments alike.
        assert!(
            check_text(
                &limits,
                "{ a { ...F } } fragment F on T { b { ... on T { c { d } } } }",
                None
            )
            .is_err()
        );
        assert!(check_text(&limits, "{ a { ...F } } fragment F on T { b { c } }", None).is_ok());
        // A cycle counts as nothing rather than looping.
        assert!(check_text(&limits, "{ a { ...F } } fragment F on T { ...F }", None).is_ok());
        // Introspection has its own limit.
        let type_ref = "kind name ofType { ".repeat(9) + &"}".repeat(9);
        let intro = format!("{{ __schema {{ types {{ fields {{ type {{ {type_ref} }} }} }} }} }}");
        assert!(check_text(&limits, &intro, None).is_ok());
        let too_deep =
            "ofType { ".repeat(MAX_INTROSPECTION_DEPTH) + "name" + &" }".repeat(MAX_INTROSPECTION_DEPTH);
        assert!(
            check_text(
                &limits,
                &format!("{{ __type(name: \"X\") {{ {too_deep} }} }}"),
                None
            )
            .is_err()
        );
    }
}
