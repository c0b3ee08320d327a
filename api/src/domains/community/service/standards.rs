//! Community facility standards (社区设施标准) as data: each belongs to the report or policy
//! that sets it and covers its own region (and everything below it) in its own years. A unit
//! is measured against the standard of a kind that covers its region — the one of the most
//! specific region when several do — and against none where no standard covers it: such a
//! unit is counted apart ("no standard applies"), never as meeting or below one.

use entity::community::standard::{self, StandardKind};
use entity::region;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::access::Scope;
use crate::error::AppResult;
use crate::region::coverage;
use crate::region::directory::RegionDirectory;
use crate::region::service::Subtree;

/// Standards in force in `year`.
fn in_force(year: i32) -> Condition {
    coverage::in_force(standard::Column::FromYear, standard::Column::ToYear, year)
}

/// Every standard in force in `year` (one statement), by kind and region.
pub async fn in_force_in(db: &impl ConnectionTrait, year: i32) -> AppResult<Vec<standard::Model>> {
    Ok(standard::Entity::find()
        .filter(in_force(year))
        .order_by_asc(standard::Column::Kind)
        .order_by_asc(standard::Column::RegionCode)
        .all(db)
        .await?)
}

/// The standards in force in `year` for a counted region (or, without one, the caller's
/// reach; every standard for an unrestricted caller): those whose region lies in it and those
/// whose region lies above it. One statement.
pub async fn for_region(
    db: &impl ConnectionTrait,
    scope: &Scope,
    region: Option<&Subtree>,
    year: i32,
) -> AppResult<Vec<standard::Model>> {
    let counted: Option<(&str, Vec<String>)> = match (region, scope) {
        (Some(r), _) => r.0.first().map(|root| (root.as_str(), r.0.clone())),
        (None, Scope::Subtree { code, codes, .. }) => Some((code.as_str(), codes.to_vec())),
        (None, Scope::All) => None,
    };
    let mut q = standard::Entity::find().filter(in_force(year));
    if let Some((root, codes)) = counted {
        // Above the counted root: the standard's region path is a prefix of the root's.
        let (r, sr) = (Alias::new("r"), Alias::new("sr"));
        let above = Query::select()
            .expr(Expr::val(1))
            .from_as(region::Entity, r.clone())
            .join_as(
                JoinType::InnerJoin,
                region::Entity,
                sr.clone(),
                Expr::col((sr.clone(), region::Column::Code))
                    .equals((standard::Entity, standard::Column::RegionCode)),
            )
            .and_where(Expr::col((r, region::Column::Code)).eq(root))
            .and_where(Expr::cust("SUBSTR(r.path, 1, LENGTH(sr.path)) = sr.path"))
            .to_owned();
        q = q.filter(
            Condition::any()
                .add(standard::Column::RegionCode.is_in(codes))
                .add(Expr::exists(above)),
        );
    }
    Ok(q
        .order_by_asc(standard::Column::Kind)
        .order_by_asc(standard::Column::RegionCode)
        .all(db)
        .await?)
}

/// SQL for a column (`id` or `amount_centi`) of the standard of `kind` in force in `year`
/// that covers the `community_units` row of the enclosing statement: the standard's region
/// is the unit's region or above it (its materialised path a prefix of the unit region's),
/// the most specific region's when several do; NULL when none covers the unit. A correlated
/// subquery over the regions' primary key and the few standards, so a list or a statistic
/// still runs one statement. `kind` and `year` are written in as a fixed word and a number.
pub fn covering_sql(kind: StandardKind, year: i32, column: &str) -> String {
    let column = match column {
        "id" => "id",
        _ => "amount_centi",
    };
    let kind = kind.as_str();
    format!(
        "(SELECT s.{column} FROM community_standards s \
         JOIN regions sr ON sr.code = s.region_code \
         JOIN regions ur ON ur.code = community_units.region_code \
         WHERE s.kind = '{kind}' AND s.from_year <= {year} \
         AND (s.to_year IS NULL OR s.to_year >= {year}) \
         AND SUBSTR(ur.path, 1, LENGTH(sr.path)) = sr.path \
         ORDER BY LENGTH(sr.path) DESC, s.id DESC LIMIT 1)"
    )
}

/// The standard of `kind` among `standards` that covers a unit of `region_code`, as
/// `covering_sql` picks it: the most specific region's, the newest on a tie; None when no
/// standard covers the unit (or its region is unknown).
pub fn covering<'a>(
    standards: &'a [standard::Model],
    regions: &RegionDirectory,
    kind: StandardKind,
    region_code: &str,
) -> Option<&'a standard::Model> {
    standards
        .iter()
        .filter(|s| s.kind == kind && coverage::covers(regions, &s.region_code, region_code))
        .max_by_key(|s| (regions.get(&s.region_code).map_or(0, |r| r.path.len()), s.id))
}
