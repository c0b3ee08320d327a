//! The allow-list's manifest, in Apollo's persisted query manifest format:
//!
//! ```json
//! {"format": "apollo-persisted-query-manifest", "version": 1,
//!  "operations": [{"id": "<sha256 of body>", "name": "CaseList", "type": "query", "body": "..."}]}
//! ```
//!
//! `api persisted-manifest FILES...` builds it from a client's operation documents (`build`):
//! one entry per named operation, its body the operation printed with the fragments it uses
//! (sorted by name, each printed once) in one fixed layout, validated against the schema, its
//! id the SHA-256 of exactly that body. Fragments may live in any of the files. The server
//! loads it at start (`load`) and refuses to start when it is missing or invalid.

use async_graphql::parser::types::{
    Directive, DocumentOperations, ExecutableDocument, Field, FragmentDefinition, OperationDefinition,
    OperationType, Selection, SelectionSet, VariableDefinition,
};
use async_graphql::parser::{Positioned, parse_query};
use async_graphql::{EmptySubscription, Schema, Value};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::sync::Arc;

use super::sha256_hex;

/// The `format` of Apollo's persisted query manifests.
pub const FORMAT: &str = "apollo-persisted-query-manifest";

/// A persisted query manifest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub operations: Vec<Operation>,
}

/// One operation of a manifest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Operation {
    /// The SHA-256 (lowercase hex) of `body`: what a client sends as `sha256Hash`.
    pub id: String,
    pub name: String,
    /// `query`, `mutation` or `subscription`.
    #[serde(rename = "type")]
    pub ty: String,
    /// The exact text the id is the hash of.
    pub body: String,
}

/// Builds the manifest of a client's operation documents, each given as (file name, text);
/// every operation must be named, unique and valid against the schema. Errors name the file
/// and the operation.
pub async fn build(documents: &[(String, String)]) -> anyhow::Result<Manifest> {
    let mut parsed = Vec::new();
    for (file, text) in documents {
        let doc = parse_document(text).map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
        parsed.push((file.as_str(), doc));
    }
    // Fragments are shared by every document, as client code generators treat them.
    let mut fragments: HashMap<String, (&str, &Positioned<FragmentDefinition>)> = HashMap::new();
    for (file, doc) in &parsed {
        for (name, fragment) in &doc.fragments {
            if let Some((other, _)) = fragments.insert(name.to_string(), (file, fragment)) {
                anyhow::bail!("{file}: fragment {name} is defined again (also in {other})");
            }
        }
    }
    let mut operations: BTreeMap<String, (&str, &Positioned<OperationDefinition>)> = BTreeMap::new();
    for (file, doc) in &parsed {
        for (name, op) in doc.operations.iter() {
            let Some(name) = name else {
                anyhow::bail!("{file}: an operation has no name; persisted operations must be named");
            };
            if let Some((other, _)) = operations.insert(name.to_string(), (file, op)) {
                anyhow::bail!("{file}: operation {name} is defined again (also in {other})");
            }
        }
    }
    let validator = Schema::build(
        crate::schema::Query::default(),
        crate::schema::Mutation::default(),
        EmptySubscription,
    )
    .extension(ValidateOnly)
    .finish();
    let mut out = Vec::new();
    for (name, (file, op)) in operations {
        let mut used = BTreeSet::new();
        collect_fragments(&op.node.selection_set.node, &fragments, &mut used).map_err(|missing| {
            anyhow::anyhow!("{file}: operation {name} uses fragment {missing}, defined nowhere")
        })?;
        let mut body = String::new();
        print_operation(&mut body, &name, &op.node);
        for fragment in &used {
            let (_, f) = fragments[fragment];
            body.push_str("\n\n");
            print_fragment(&mut body, fragment, &f.node);
        }
        let response = validator.execute(async_graphql::Request::new(body.clone())).await;
        if !response.errors.is_empty() {
            let reasons: Vec<String> = response.errors.iter().map(|e| e.message.clone()).collect();
            anyhow::bail!(
                "{file}: operation {name} is not valid against the schema: {}",
                reasons.join("; ")
            );
        }
        out.push(Operation {
            id: sha256_hex(&body),
            name,
            ty: match op.node.ty {
                OperationType::Query => "query",
                OperationType::Mutation => "mutation",
                OperationType::Subscription => "subscription",
            }
            .to_owned(),
            body,
        });
    }
    if out.is_empty() {
        anyhow::bail!("the documents hold no operation");
    }
    Ok(Manifest {
        format: FORMAT.to_owned(),
        version: 1,
        operations: out,
    })
}

/// A client document, which may hold fragments only (the parser wants an operation: a
/// placeholder is parsed with them and dropped).
fn parse_document(text: &str) -> Result<ExecutableDocument, async_graphql::parser::Error> {
    const PLACEHOLDER: &str = "PersistedManifestFragmentsOnly";
    match parse_query(text) {
        Err(async_graphql::parser::Error::MissingOperation) => {
            let mut doc = parse_query(format!("{text}\nquery {PLACEHOLDER} {{ __typename }}"))?;
            if let DocumentOperations::Multiple(ops) = &mut doc.operations {
                ops.remove(PLACEHOLDER);
            }
            Ok(doc)
        }
        other => other,
    }
}

/// Reads a manifest for the allow-list: its operations by id. Refuses a file that is not a
/// version 1 Apollo manifest, an operation whose id is not the SHA-256 of its body or whose
/// body does not parse, and a manifest without operations.
pub fn load(path: &std::path::Path) -> anyhow::Result<HashMap<String, Arc<str>>> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("PERSISTED_OPERATIONS_MANIFEST {shown}: cannot be read: {e}"))?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!("PERSISTED_OPERATIONS_MANIFEST {shown}: not a persisted query manifest: {e}")
    })?;
    if manifest.format != FORMAT || manifest.version != 1 {
        anyhow::bail!(
            "PERSISTED_OPERATIONS_MANIFEST {shown}: format {:?} version {}; expected {FORMAT:?} version 1",
            manifest.format,
            manifest.version
        );
    }
    if manifest.operations.is_empty() {
        anyhow::bail!("PERSISTED_OPERATIONS_MANIFEST {shown}: lists no operation");
    }
    let mut operations = HashMap::new();
    for op in manifest.operations {
        if op.id != sha256_hex(&op.body) {
            anyhow::bail!(
                "PERSISTED_OPERATIONS_MANIFEST {shown}: operation {}: its id is not the SHA-256 of its body",
                op.name
            );
        }
        if let Err(e) = parse_query(&op.body) {
            anyhow::bail!(
                "PERSISTED_OPERATIONS_MANIFEST {shown}: operation {}: {e}",
                op.name
            );
        }
        operations.insert(op.id, Arc::from(op.body));
    }
    Ok(operations)
}

/// The fragments a selection set uses, transitively; the name of a missing one as the error.
fn collect_fragments(
    set: &SelectionSet,
    fragments: &HashMap<String, (&str, &Positioned<FragmentDefinition>)>,
    used: &mut BTreeSet<String>,
) -> Result<(), String> {
    for item in &set.items {
        match &item.node {
            Selection::Field(f) => collect_fragments(&f.node.selection_set.node, fragments, used)?,
            Selection::InlineFragment(i) => collect_fragments(&i.node.selection_set.node, fragments, used)?,
            Selection::FragmentSpread(s) => {
                let name = s.node.fragment_name.node.to_string();
                if used.contains(&name) {
                    continue;
                }
                let Some((_, f)) = fragments.get(&name) else {
                    return Err(name);
                };
                used.insert(name);
                collect_fragments(&f.node.selection_set.node, fragments, used)?;
            }
        }
    }
    Ok(())
}

/// An extension that stops every request after validation: the manifest's validator.
struct ValidateOnly;

impl async_graphql::extensions::ExtensionFactory for ValidateOnly {
    fn create(&self) -> Arc<dyn async_graphql::extensions::Extension> {
        Arc::new(ValidateOnly)
    }
}

#[async_graphql::async_trait::async_trait]
impl async_graphql::extensions::Extension for ValidateOnly {
    async fn execute(
        &self,
        _ctx: &async_graphql::extensions::ExtensionContext<'_>,
        _operation_name: Option<&str>,
        _next: async_graphql::extensions::NextExecute<'_>,
    ) -> async_graphql::Response {
        async_graphql::Response::new(Value::Null)
    }
}

/// A parsed value (which async-graphql does not export by name) as a constant: each variable
/// becomes an enum value named `$name`, which prints as written.
macro_rules! constant {
    ($value:expr) => {
        match $value.clone().into_const_with(|name| {
            Ok::<_, std::convert::Infallible>(Value::Enum(async_graphql::Name::new(format!("${name}"))))
        }) {
            Ok(v) => v,
            Err(never) => match never {},
        }
    };
}

// The printer: one fixed layout (two-space indents, one selection a line), so that one
// document always gives one body and one id.

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

fn print_operation(out: &mut String, name: &str, op: &OperationDefinition) {
    out.push_str(match op.ty {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    });
    out.push(' ');
    out.push_str(name);
    if !op.variable_definitions.is_empty() {
        out.push('(');
        for (i, v) in op.variable_definitions.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            print_variable(out, &v.node);
        }
        out.push(')');
    }
    print_directives(out, &op.directives);
    out.push(' ');
    print_selection_set(out, &op.selection_set.node, 0);
}

fn print_variable(out: &mut String, v: &VariableDefinition) {
    let _ = write!(out, "${}: {}", v.name.node, v.var_type.node);
    if let Some(default) = &v.default_value {
        out.push_str(" = ");
        print_input(out, &default.node);
    }
    print_directives(out, &v.directives);
}

fn print_fragment(out: &mut String, name: &str, f: &FragmentDefinition) {
    let _ = write!(out, "fragment {name} on {}", f.type_condition.node.on.node);
    print_directives(out, &f.directives);
    out.push(' ');
    print_selection_set(out, &f.selection_set.node, 0);
}

fn print_selection_set(out: &mut String, set: &SelectionSet, level: usize) {
    out.push_str("{\n");
    for item in &set.items {
        indent(out, level + 1);
        match &item.node {
            Selection::Field(f) => print_field(out, &f.node, level + 1),
            Selection::FragmentSpread(s) => {
                let _ = write!(out, "...{}", s.node.fragment_name.node);
                print_directives(out, &s.node.directives);
            }
            Selection::InlineFragment(i) => {
                out.push_str("...");
                if let Some(on) = &i.node.type_condition {
                    let _ = write!(out, " on {}", on.node.on.node);
                }
                print_directives(out, &i.node.directives);
                out.push(' ');
                print_selection_set(out, &i.node.selection_set.node, level + 1);
            }
        }
        out.push('\n');
    }
    indent(out, level);
    out.push('}');
}

fn print_field(out: &mut String, f: &Field, level: usize) {
    if let Some(alias) = &f.alias {
        let _ = write!(out, "{}: ", alias.node);
    }
    out.push_str(&f.name.node);
    if !f.arguments.is_empty() {
        out.push('(');
        for (i, (name, value)) in f.arguments.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let _ = write!(out, "{}: ", name.node);
            print_input(out, &constant!(value.node));
        }
        out.push(')');
    }
    print_directives(out, &f.directives);
    if !f.selection_set.node.items.is_empty() {
        out.push(' ');
        print_selection_set(out, &f.selection_set.node, level);
    }
}

fn print_directives(out: &mut String, directives: &[Positioned<Directive>]) {
    for d in directives {
        let _ = write!(out, " @{}", d.node.name.node);
        if !d.node.arguments.is_empty() {
            out.push('(');
            for (i, (name, value)) in d.node.arguments.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{}: ", name.node);
                print_input(out, &constant!(value.node));
            }
            out.push(')');
        }
    }
}

/// A value (variables as `constant!` makes them).
fn print_input(out: &mut String, value: &Value) {
    use Value as V;
    match value {
        V::Null => out.push_str("null"),
        V::Number(n) => {
            let _ = write!(out, "{n}");
        }
        V::String(s) => quote(out, s),
        V::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        V::Binary(bytes) => quote(out, &String::from_utf8_lossy(bytes)),
        V::Enum(name) => out.push_str(name),
        V::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                print_input(out, item);
            }
            out.push(']');
        }
        V::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{k}: ");
                print_input(out, v);
            }
            out.push('}');
        }
    }
}

/// A GraphQL string literal (escapes as the specification writes them).
fn quote(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_print_back_to_themselves() {
        let text = "query Q { a(s: \"tab\\there \\\"q\\\" \\u0001 中文\") }";
        let doc = parse_query(text).unwrap();
        let (_, op) = doc.operations.iter().next().unwrap();
        let mut printed = String::new();
        print_operation(&mut printed, "Q", &op.node);
        let again = parse_query(&printed).unwrap();
        let (_, op2) = again.operations.iter().next().unwrap();
        let mut printed2 = String::new();
        print_operation(&mut printed2, "Q", &op2.node);
        assert_eq!(printed, printed2);
        assert!(printed.contains("\\u0001"), "{printed}");
    }
}
