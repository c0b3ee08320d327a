//! Region look-ups; no GraphQL here.

use entity::region::{self, RegionLevel};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::access::Scope;
use crate::error::{AppError, AppResult};
use crate::pagination::{Cursor, Page};

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

/// `SELECT code FROM regions WHERE path LIKE '<path>%'`: the region and everything below it.
pub fn subtree_codes(region: &region::Model) -> SelectStatement {
    subtree_of_path(&region.path)
}

/// The codes of the subtree whose root has this materialised path.
pub fn subtree_of_path(path: &str) -> SelectStatement {
    Query::select()
        .column(region::Column::Code)
        .from(region::Entity)
        .and_where(Expr::col(region::Column::Path).like(format!("{path}%")))
        .to_owned()
}

/// Restricts a region-code column to the caller's scope.
pub fn in_scope(cond: sea_orm::Condition, column: Expr, scope: &Scope) -> sea_orm::Condition {
    match scope {
        Scope::All => cond,
        Scope::Subtree { path, .. } => cond.add(column.in_subquery(subtree_of_path(path))),
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
    limit: u64,
    after: Option<&str>,
) -> AppResult<Page<region::Model>> {
    let mut q = region::Entity::find().filter(condition(filter));
    if let Some(after) = after {
        let c = Cursor::decode(after, "code")?;
        q = q.filter(region::Column::Code.gt(c.k));
    }
    let rows = q
        .order_by_asc(region::Column::Code)
        .limit(limit + 1)
        .all(db)
        .await?;
    Ok(Page::from_rows(rows, limit, after.is_some(), |r| Cursor {
        o: "code".into(),
        k: r.code.clone(),
        i: 0,
    }))
}

pub async fn count(db: &DatabaseConnection, filter: &RegionFilter) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(region::Entity::find().filter(condition(filter)).count(db).await?)
}

fn condition(filter: &RegionFilter) -> sea_orm::Condition {
    let mut cond = sea_orm::Condition::all();
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

/// Rows of `regions` whose parent is one of `parents`.
pub async fn children_of(db: &DatabaseConnection, parents: &[String]) -> AppResult<Vec<region::Model>> {
    Ok(region::Entity::find()
        .filter(region::Column::ParentCode.is_in(parents.iter().cloned()))
        .order_by_asc(region::Column::Code)
        .all(db)
        .await?)
}

pub async fn by_codes(db: &DatabaseConnection, codes: &[String]) -> AppResult<Vec<region::Model>> {
    Ok(region::Entity::find()
        .filter(region::Column::Code.is_in(codes.iter().cloned()))
        .all(db)
        .await?)
}
