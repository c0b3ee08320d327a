//! The data dictionary (数据字典): every dataset (record type, statistics and grouped
//! aggregate) with its fields, Chinese and English names, GraphQL type, unit, description,
//! source reports and the roles that may see it. It is generated from the built schema's own
//! SDL (names, types and descriptions) and the domains' policies, so it cannot drift from
//! the API: a field added to a type is in the dictionary with it.

use async_graphql::{Context, Object, Result, SimpleObject};
use std::sync::{Arc, OnceLock};

use crate::access::{Action, Policy, Role, viewer};
use crate::auth::graphql::RoleName;

/// The dictionary, built once from the schema's SDL when the schema is built.
#[derive(Clone, Default)]
pub struct Dictionary(pub Arc<OnceLock<Vec<DictionaryDataset>>>);

pub use crate::registry::DatasetKind;

/// A dataset of the dictionary: a GraphQL type, its domain, the policy action that reads it
/// and the fields only roles with personal-data rights see unmasked.
struct Entry {
    ty: &'static str,
    domain: &'static crate::registry::Domain,
    kind: DatasetKind,
    action: Action,
    personal: Vec<String>,
}

/// Every registered domain's datasets, with the personal fields of its record types.
fn entries() -> Vec<Entry> {
    crate::domains::DOMAINS
        .iter()
        .flat_map(|d| {
            d.datasets.iter().map(move |ds| Entry {
                ty: ds.ty,
                domain: d,
                kind: ds.kind,
                action: ds.action,
                personal: d
                    .record(ds.ty)
                    .map(|r| {
                        r.personal
                            .iter()
                            .map(|f| crate::record::camel_case(f.column))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// The reports about `domain` (every report for a domain that ships the reports), from the
/// shipped reports themselves.
fn source_reports(reports: &[(i32, Vec<String>)], domain: &crate::registry::Domain) -> Vec<i32> {
    reports
        .iter()
        .filter(|(_, domains)| domain.reports.is_some() || domains.iter().any(|d| d == domain.key))
        .map(|(n, _)| *n)
        .collect()
}

/// The export of a dataset: a grouped aggregate's row type (`EnforcementAggregateRow` is a
/// row of `enforcementAggregate`) from the exports the domains list, a record type from the
/// record lists of the schema (`EnforcementCase`: `enforcementCases`).
fn export_of(ty: &str, lists: &crate::export::Catalog) -> Option<String> {
    crate::domains::exports()
        .into_iter()
        .find_map(|spec| {
            let mut chars = spec.field.chars();
            let first = chars.next()?;
            let row = format!("{}{}Row", first.to_uppercase(), chars.as_str());
            (row == ty).then(|| spec.field.to_owned())
        })
        .or_else(|| lists.of_node(ty).map(|s| s.field.clone()))
}

/// The Chinese term of a description: the first parenthesised run that holds CJK text.
pub(crate) fn chinese_term(description: &str) -> Option<String> {
    let mut rest = description;
    while let Some(open) = rest.find('(') {
        let after = &rest[open + 1..];
        let close = after.find(')')?;
        let inner = &after[..close];
        if inner.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
            return Some(inner.to_owned());
        }
        rest = &after[close + 1..];
    }
    None
}

/// English words of a camelCase name: `closureRate` gives "closure rate".
fn english_words(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// The unit of a field, from its type and name.
fn unit_of(ty: &str, name: &str) -> Option<&'static str> {
    let base = ty.trim_matches(|c| c == '!' || c == '[' || c == ']');
    let lower = name.to_lowercase();
    match base {
        "Decimal" => Some("元 (yuan)"),
        "Date" => Some("日期 (date, YYYY-MM-DD)"),
        "DateTime" => Some("时间 (UTC instant, RFC 3339)"),
        "Float" if lower.ends_with("rate") || lower.ends_with("share") || lower.contains("growth") => {
            Some("比率 (ratio, 0.4443 = 44.43%)")
        }
        "Int" if !lower.ends_with("version") => Some("个数 (count)"),
        _ => None,
    }
}

fn roles_for(policy: &Policy, action: Action) -> Vec<RoleName> {
    Role::ALL
        .into_iter()
        .filter(|r| policy.allows(*r, action))
        .map(Into::into)
        .collect()
}

/// A field of a dataset (字段).
#[derive(SimpleObject, Clone)]
pub struct DictionaryField {
    /// Field name in the API and in exports.
    pub name: String,
    /// Chinese term (中文名), from the description.
    pub name_zh: Option<String>,
    /// English name (英文名), from the field name.
    pub name_en: String,
    /// GraphQL type (`Int!`, `Decimal`, `[FlowNode!]!`).
    pub r#type: String,
    /// Unit (单位), where the type says one.
    pub unit: Option<String>,
    /// Description, as the schema gives it.
    pub description: Option<String>,
    /// Roles that see the value; personal data is masked for the others.
    pub roles: Vec<RoleName>,
}

/// A dataset of the data dictionary (数据集).
#[derive(SimpleObject, Clone)]
pub struct DictionaryDataset {
    /// GraphQL type name.
    pub name: String,
    /// Domain (`enforcement`, `community`, `funeral`, `rural`, `survey`).
    pub domain: String,
    /// What kind of data it is.
    pub kind: DatasetKind,
    /// Chinese term (中文名), from the description.
    pub name_zh: Option<String>,
    /// English name (英文名), from the type name.
    pub name_en: String,
    /// Description, as the schema gives it.
    pub description: Option<String>,
    /// The reports (1-9) whose subject it is.
    pub source_reports: Vec<i32>,
    /// Roles that may read it.
    pub roles: Vec<RoleName>,
    /// Its export (`GET /export/<name>.csv` and `.xlsx`): the grouped aggregate, or the record
    /// list whose rows are of this type.
    pub export: Option<String>,
    /// Its fields.
    pub fields: Vec<DictionaryField>,
}

/// Builds the dictionary from the schema's SDL and the record lists it exports.
pub fn build(sdl: &str, lists: &crate::export::Catalog) -> Vec<DictionaryDataset> {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let Ok(doc) = async_graphql::parser::parse_schema(sdl) else {
        return Vec::new();
    };
    let reports: Vec<(i32, Vec<String>)> = crate::domains::DOMAINS
        .iter()
        .filter_map(|d| d.reports)
        .flat_map(|shipped| shipped().unwrap_or_default())
        .collect();
    let mut types = std::collections::HashMap::new();
    for def in doc.definitions {
        if let TypeSystemDefinition::Type(t) = def {
            let t = t.node;
            if let TypeKind::Object(o) = t.kind {
                types.insert(t.name.node.to_string(), (t.description.map(|d| d.node), o.fields));
            }
        }
    }
    entries()
        .into_iter()
        .filter_map(|e| {
            let (description, fields) = types.get(e.ty)?;
            let roles = roles_for(e.domain.policy, e.action);
            let personal_roles: Vec<RoleName> = roles_for(e.domain.policy, Action::PersonalData);
            Some(DictionaryDataset {
                name: e.ty.to_owned(),
                domain: e.domain.key.to_owned(),
                kind: e.kind,
                name_zh: description.as_deref().and_then(chinese_term),
                name_en: english_words(e.ty),
                description: description.clone(),
                source_reports: source_reports(&reports, e.domain),
                export: export_of(e.ty, lists),
                fields: fields
                    .iter()
                    .map(|f| {
                        let f = &f.node;
                        let name = f.name.node.to_string();
                        let ty = f.ty.node.to_string();
                        let description = f.description.as_ref().map(|d| d.node.clone());
                        DictionaryField {
                            name_zh: description.as_deref().and_then(chinese_term),
                            name_en: english_words(&name),
                            unit: unit_of(&ty, &name).map(str::to_owned),
                            roles: if name == crate::synthetic::FIELD {
                                roles_for(&crate::synthetic::POLICY, Action::Read)
                            } else if e.personal.contains(&name) {
                                personal_roles.clone()
                            } else {
                                roles.clone()
                            },
                            r#type: ty,
                            description,
                            name,
                        }
                    })
                    .collect(),
                roles,
            })
        })
        .collect()
}

#[derive(Default)]
pub struct DictionaryQuery;

#[Object]
impl DictionaryQuery {
    /// The data dictionary (数据字典): every dataset and field with Chinese and English names,
    /// type, unit, description, source reports and the roles that see it, generated from the
    /// schema itself. Open to every caller.
    async fn data_dictionary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this domain's datasets.")] domain: Option<String>,
    ) -> Result<Vec<DictionaryDataset>> {
        let _ = viewer(ctx);
        let all = ctx
            .data_unchecked::<Dictionary>()
            .0
            .get()
            .map_or(&[][..], Vec::as_slice);
        Ok(all
            .iter()
            .filter(|d| domain.as_deref().is_none_or(|x| x == d.domain))
            .cloned()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_words_and_units() {
        assert_eq!(
            chinese_term("Closure rate (结案率): closed / cases.").as_deref(),
            Some("结案率")
        );
        assert_eq!(
            chinese_term("Cases (counted) of courts (法院)").as_deref(),
            Some("法院")
        );
        assert_eq!(chinese_term("No term."), None);
        assert_eq!(english_words("actualClosureRate"), "actual closure rate");
        assert_eq!(unit_of("Decimal", "subjectAmount"), Some("元 (yuan)"));
        assert_eq!(unit_of("Float", "closureRate").map(|u| &u[..6]), Some("比率"));
        assert_eq!(unit_of("Int!", "version"), None);
    }
}
