//! Exports of the record lists (`GET /export/enforcementCases.csv?filter={...}`): every root
//! field of the schema that returns a connection is a dataset, read page by page through that
//! field with the caller's token, so that its filters, ordering, permissions, scope and masking
//! are exactly the API's. The catalog and each list's columns are derived from the built
//! schema's SDL: a field added to a record type is a column of its export with it.
//!
//! Columns: every scalar and enum field of the node type (lists of them joined by "; "), and
//! for a field holding another object the object's code, name or id (`court { name }`).
//! Arguments of the list field other than paging are the export's parameters, by the same
//! names (input objects and lists as JSON).

use async_graphql::parser::types::{BaseType, FieldDefinition, Type, TypeKind, TypeSystemDefinition};
use std::collections::HashMap;

use super::{Column, Kind};
use crate::error::{AppError, AppResult};

/// Rows per page of a list export: the API's largest page.
pub const PAGE_SIZE: u64 = crate::pagination::MAX_PAGE_SIZE;

/// An argument of a list field that an export takes as a parameter.
#[derive(Debug, Clone)]
struct Parameter {
    name: String,
    /// Its GraphQL type as written (`EnforcementCaseFilter`, `Date!`).
    ty: String,
    /// How the query parameter's text becomes the value.
    parse: ParamKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ParamKind {
    /// Input objects and lists: JSON.
    Json,
    /// Int, Float, Boolean: a JSON number or boolean.
    Literal,
    /// Strings, ids, dates, enums: the text as it is.
    Text,
}

/// A record list and how to export it.
#[derive(Debug, Clone)]
pub struct ListSpec {
    /// The root field, also the file name (`enforcementCases`).
    pub field: String,
    /// The node type (`EnforcementCase`).
    pub node: String,
    parameters: Vec<Parameter>,
    pub(super) columns: Vec<Column>,
    /// The selection of a node's columns.
    selection: String,
}

/// Every exportable record list of a schema.
#[derive(Debug, Clone, Default)]
pub struct Catalog(pub Vec<std::sync::Arc<ListSpec>>);

impl Catalog {
    pub fn find(&self, field: &str) -> Option<std::sync::Arc<ListSpec>> {
        self.0.iter().find(|s| s.field == field).cloned()
    }

    /// The list whose rows are of this type (the first, when several are).
    pub fn of_node(&self, node: &str) -> Option<&ListSpec> {
        self.0.iter().map(|s| &**s).find(|s| s.node == node)
    }
}

fn base_name(ty: &Type) -> (&str, bool) {
    match &ty.base {
        BaseType::Named(n) => (n.as_str(), false),
        BaseType::List(inner) => (base_name(inner).0, true),
    }
}

const BUILT_IN: [&str; 5] = ["Int", "Float", "String", "Boolean", "ID"];

/// Builds the catalog from a schema's SDL.
pub fn catalog(sdl: &str) -> Catalog {
    let Ok(doc) = async_graphql::parser::parse_schema(sdl) else {
        return Catalog::default();
    };
    let mut objects: HashMap<String, Vec<FieldDefinition>> = HashMap::new();
    let mut leaves: HashMap<String, ()> = BUILT_IN.iter().map(|n| ((*n).to_owned(), ())).collect();
    let mut inputs: Vec<String> = Vec::new();
    for def in doc.definitions {
        if let TypeSystemDefinition::Type(t) = def {
            let t = t.node;
            let name = t.name.node.to_string();
            match t.kind {
                TypeKind::Object(o) => {
                    objects.insert(name, o.fields.into_iter().map(|f| f.node).collect());
                }
                TypeKind::Scalar | TypeKind::Enum(_) => {
                    leaves.insert(name, ());
                }
                TypeKind::InputObject(_) => inputs.push(name),
                _ => {}
            }
        }
    }
    let Some(query) = objects.get("Query") else {
        return Catalog::default();
    };
    let field_of = |ty: &str, name: &str| {
        objects
            .get(ty)
            .and_then(|fs| fs.iter().find(|f| f.name.node == name))
    };
    let mut specs = Vec::new();
    for f in query {
        let (conn, list) = base_name(&f.ty.node);
        if list || field_of(conn, "pageInfo").is_none() {
            continue;
        }
        let Some(nodes) = field_of(conn, "nodes") else {
            continue;
        };
        let node = base_name(&nodes.ty.node).0.to_owned();
        let Some(node_fields) = objects.get(&node) else {
            continue;
        };
        let parameters = f
            .arguments
            .iter()
            .map(|a| &a.node)
            .filter(|a| !["first", "after", "last", "before"].contains(&a.name.node.as_str()))
            .map(|a| {
                let (base, list) = base_name(&a.ty.node);
                Parameter {
                    name: a.name.node.to_string(),
                    ty: a.ty.node.to_string(),
                    parse: if list || inputs.iter().any(|i| i == base) {
                        ParamKind::Json
                    } else if ["Int", "Float", "Boolean"].contains(&base) {
                        ParamKind::Literal
                    } else {
                        ParamKind::Text
                    },
                }
            })
            .collect();
        let mut columns = Vec::new();
        let mut selection = Vec::new();
        for nf in node_fields {
            if nf
                .arguments
                .iter()
                .any(|a| !a.node.ty.node.nullable && a.node.default_value.is_none())
            {
                continue;
            }
            let name = nf.name.node.as_str();
            let zh = nf
                .description
                .as_ref()
                .and_then(|d| crate::dictionary::chinese_term(&d.node));
            // The fields every record has are described once, in English.
            let zh = zh.as_deref().unwrap_or(match name {
                "id" => "编号",
                "version" => "版本号",
                other => other,
            });
            let (base, list) = base_name(&nf.ty.node);
            if leaves.contains_key(base) {
                let kind = match (list, base) {
                    (true, _) => Kind::List,
                    (_, "Int" | "Float" | "Decimal") => Kind::Number,
                    (_, "Date") => Kind::Date,
                    (_, "DateTime") => Kind::DateTime,
                    (_, "Boolean") => Kind::Flag,
                    _ => Kind::Text,
                };
                columns.push(Column::new(&[name], zh, name, kind));
                selection.push(name.to_owned());
            } else if !list
                && let Some(inner) = objects.get(base)
                && !inner.iter().any(|x| x.name.node == "pageInfo")
            {
                let scalar = |n: &str| {
                    inner
                        .iter()
                        .any(|x| x.name.node == n && leaves.contains_key(base_name(&x.ty.node).0))
                };
                let mut parts: Vec<(&str, &str, &str)> = Vec::new();
                if scalar("code") {
                    parts.push(("code", "代码", "Code"));
                }
                if scalar("name") {
                    parts.push(("name", "名称", "Name"));
                }
                if parts.is_empty() && scalar("id") {
                    parts.push(("id", "编号", "Id"));
                }
                if parts.is_empty() {
                    continue;
                }
                for (sub, zh_sub, en_sub) in &parts {
                    columns.push(Column::new(
                        &[name, sub],
                        &format!("{zh}{zh_sub}"),
                        &format!("{name}{en_sub}"),
                        Kind::Text,
                    ));
                }
                let subs: Vec<&str> = parts.iter().map(|p| p.0).collect();
                selection.push(format!("{name} {{ {} }}", subs.join(" ")));
            }
        }
        specs.push(std::sync::Arc::new(ListSpec {
            field: f.name.node.to_string(),
            node,
            parameters,
            columns,
            selection: selection.join(" "),
        }));
    }
    Catalog(specs)
}

impl ListSpec {
    /// The query of one page: the list field with the export's parameters, the API's largest
    /// page after `$after`, the nodes' columns and where the next page starts.
    pub(super) fn query(&self) -> String {
        let mut declared: Vec<String> = self
            .parameters
            .iter()
            .map(|p| format!("${}: {}", p.name, p.ty))
            .collect();
        declared.push("$after: String".into());
        let mut arguments: Vec<String> = self
            .parameters
            .iter()
            .map(|p| format!("{0}: ${0}", p.name))
            .collect();
        arguments.push(format!("first: {PAGE_SIZE}"));
        arguments.push("after: $after".into());
        format!(
            "query Export({}) {{ {}({}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {} }} }} }}",
            declared.join(", "),
            self.field,
            arguments.join(", "),
            self.selection
        )
    }

    /// The variables of an export's parameters (`filter={json}&orderBy={json}`).
    pub(super) fn variables(&self, query: &HashMap<String, String>) -> AppResult<serde_json::Value> {
        let mut variables = serde_json::Map::new();
        for (key, text) in query {
            let Some(p) = self.parameters.iter().find(|p| &p.name == key) else {
                let names: Vec<&str> = self.parameters.iter().map(|p| p.name.as_str()).collect();
                return Err(AppError::bad_input(
                    key,
                    format!(
                        "unknown parameter {key:?}; the parameters of {} are {}",
                        self.field,
                        if names.is_empty() {
                            "none".to_owned()
                        } else {
                            names.join(", ")
                        }
                    ),
                ));
            };
            let value = match p.parse {
                ParamKind::Text => serde_json::Value::String(text.clone()),
                ParamKind::Json | ParamKind::Literal => serde_json::from_str(text)
                    .map_err(|e| AppError::bad_input(key, format!("{key} is not JSON: {e}")))?,
            };
            variables.insert(key.clone(), value);
        }
        Ok(serde_json::Value::Object(variables))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_connection_of_the_query_root_is_a_list_export_with_columns() {
        let catalog = super::catalog(&crate::schema::sdl());
        let cases = catalog.find("enforcementCases").expect("cases");
        assert_eq!(cases.node, "EnforcementCase");
        let headers: Vec<&str> = cases.columns.iter().map(|c| c.header.as_str()).collect();
        assert!(headers.contains(&"案号 (caseNumber)"), "{headers:?}");
        assert!(headers.contains(&"执行法院名称 (courtName)"), "{headers:?}");
        // Every header has its Chinese name.
        let missing: Vec<String> = catalog
            .0
            .iter()
            .flat_map(|spec| spec.columns.iter().map(move |c| (spec, c)))
            .filter(|(_, c)| {
                let zh = c.header.split(" (").next().unwrap_or_default();
                !zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
            })
            .map(|(spec, c)| format!("{}: {}", spec.field, c.header))
            .collect();
        assert!(missing.is_empty(), "{missing:#?}");
        let q = cases.query();
        assert!(q.contains("court { name }"), "{q}");
        assert!(q.contains("$filter: EnforcementCaseFilter"), "{q}");
        assert!(!q.contains("parties"), "lists of objects are not columns: {q}");
        for name in [
            "communityUnits",
            "gravePlots",
            "funeralProjects",
            "villages",
            "indicators",
        ] {
            let spec = catalog.find(name).unwrap_or_else(|| panic!("{name}"));
            assert!(spec.columns.len() > 3, "{name}");
        }
        // A required argument is a parameter; an unknown one is refused.
        let due = catalog.find("terminatedCasesDueForReview").unwrap();
        assert!(due.query().contains("$asOf: Date!"));
        let bad = [("color".to_owned(), "red".to_owned())].into_iter().collect();
        assert_eq!(due.variables(&bad).unwrap_err().code(), "BAD_USER_INPUT");
    }
}
