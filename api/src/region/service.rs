//! Region look-ups; no GraphQL here.

use entity::region::{self, RegionLevel};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, IntoIden};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::access::Scope;
use crate::error::{AppError, AppResult};
use crate::pagination::{Page, PageArgs, PageRequest};

/// Filter of `regions`.
#[derive(Debug, Default, Clone)]
pub struct RegionFilter {
    pub parent_code: Option<String>,
    pub level: Option<RegionLevel>,
    pub name_contains: Option<String>,
}

pub async fn find(db: &impl ConnectionTrait, code: &str) -> AppResult<Option<region::Model>> {
    Ok(region::Entity::find_by_id(code.to_owned()).one(db).await?)
}

/// The region with `code`, or BAD_USER_INPUT naming `field` when there is none.
pub async fn require_in(db: &impl ConnectionTrait, code: &str, field: &str) -> AppResult<region::Model> {
    find(db, code)
        .await?
        .ok_or_else(|| AppError::bad_input(field, format!("unknown region code {code:?}")))
}

/// The region `code` if it exists and lies in `scope`; BAD_USER_INPUT naming `field`
/// otherwise: where a write files a record.
pub async fn require_in_reach(
    db: &impl ConnectionTrait,
    code: &str,
    scope: &Scope,
    field: &str,
) -> AppResult<region::Model> {
    let region = require_in(db, code.trim(), field).await?;
    if !scope.contains_path(&region.path) {
        return Err(AppError::bad_input(field, "the region is outside your reach"));
    }
    Ok(region)
}

/// A region and everything below it, resolved to the codes of its regions (from the
/// in-memory directory, `directory.rs`): what every region filter of every domain takes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Subtree(pub Vec<String>);

impl Subtree {
    /// Restricts `column` (a region code) to the subtree: `column IN (codes)`, which
    /// PostgreSQL plans from the values in a custom plan and from the list's length in a
    /// generic one, where a `LIKE` prefix on a joined path made it guess one region and pick
    /// nested loops.
    pub fn condition(&self, column: Expr) -> Condition {
        Condition::all().add(column.is_in(self.0.iter().cloned()))
    }
}

/// Restricts a region-code column to the caller's scope (its subtree's codes, resolved when
/// the caller was authenticated): no statement of its own.
pub fn in_scope(cond: Condition, column: Expr, scope: &Scope) -> Condition {
    match scope {
        Scope::All => cond,
        Scope::Subtree { codes, .. } => cond.add(column.is_in(codes.iter().cloned())),
    }
}

/// Escapes `%`, `_` and `\` for a LIKE pattern used with `ESCAPE '\'`.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub async fn list(
    db: &DatabaseConnection,
    filter: &RegionFilter,
    args: &PageArgs,
) -> AppResult<Page<region::Model>> {
    let req = PageRequest::new(args, "code")?;
    let mut q = region::Entity::find().filter(condition(filter));
    if let Some(seek) = req.seek_unique(
        Expr::col((region::Entity, region::Column::Code)),
        |c| Expr::val(c.k.clone()),
        true,
    ) {
        q = q.filter(seek);
    }
    let rows = q
        .order_by(region::Column::Code, req.scan_order(true))
        .limit(req.fetch())
        .all(db)
        .await?;
    Ok(req.page(rows, |r| (r.code.clone(), 0)))
}

pub async fn count(db: &DatabaseConnection, filter: &RegionFilter) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(region::Entity::find().filter(condition(filter)).count(db).await?)
}

fn condition(filter: &RegionFilter) -> Condition {
    let mut cond = Condition::all();
    if let Some(parent) = &filter.parent_code {
        cond = cond.add(region::Column::ParentCode.eq(parent.clone()));
    }
    if let Some(level) = filter.level {
        cond = cond.add(region::Column::Level.eq(level));
    }
    if let Some(name) = &filter.name_contains {
        cond = cond.add(
            Expr::col(region::Column::Name)
                .like(sea_orm::sea_query::LikeExpr::new(format!("%{}%", like_escape(name))).escape('\\')),
        );
    }
    cond
}

/// Codes on the path from the root to `region`, root first, excluding the region itself.
pub fn ancestor_codes(region: &region::Model) -> Vec<String> {
    region
        .path
        .split('/')
        .filter(|c| !c.is_empty() && *c != region.code)
        .map(str::to_owned)
        .collect()
}

/// Restricts a table's `region_code` column to the caller's reach and, if given, a region
/// subtree: the filter of every record list.
pub fn in_region(table: impl IntoIden + Copy, scope: &Scope, region: Option<&Subtree>) -> Condition {
    let column = Expr::col((table, Alias::new("region_code")));
    let cond = in_scope(Condition::all(), column.clone(), scope);
    match region {
        Some(r) => cond.add(r.condition(column)),
        None => cond,
    }
}

/// The record of `E` with `id` if it lies in the caller's reach.
pub async fn find_in_scope<E>(
    db: &impl ConnectionTrait,
    id: i64,
    scope: &Scope,
) -> AppResult<Option<E::Model>>
where
    E: EntityTrait + Default + Copy,
    i64: Into<<E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType>,
{
    Ok(E::find_by_id(id)
        .filter(in_region(E::default(), scope, None))
        .one(db)
        .await?)
}
