//! Courts (法院): lists and look-ups.

use entity::enforcement::court::{self, CourtLevel};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::access::Scope;
use crate::error::AppResult;
use crate::pagination::{Page, PageArgs, PageRequest};
use crate::region::service::{self as regions, Subtree};

/// Filter of `courts`.
#[derive(Debug, Default, Clone)]
pub struct CourtFilter {
    /// Courts of this region and below.
    pub region: Option<Subtree>,
    pub level: Option<CourtLevel>,
    /// The caller's reach.
    pub scope: Scope,
}

fn court_condition(f: &CourtFilter) -> Condition {
    let mut cond = regions::in_scope(
        Condition::all(),
        Expr::col((court::Entity, court::Column::RegionCode)),
        &f.scope,
    );
    if let Some(region) = &f.region {
        cond = cond.add(region.condition(Expr::col((court::Entity, court::Column::RegionCode))));
    }
    if let Some(level) = f.level {
        cond = cond.add(court::Column::Level.eq(level));
    }
    cond
}

pub async fn list_courts(
    db: &DatabaseConnection,
    filter: &CourtFilter,
    args: &PageArgs,
) -> AppResult<Page<court::Model>> {
    let req = PageRequest::new(args, "id")?;
    let mut cond = court_condition(filter);
    if let Some(seek) = req.seek_unique(
        Expr::col((court::Entity, court::Column::Id)),
        |c| Expr::val(c.i),
        true,
    ) {
        cond = cond.add(seek);
    }
    let rows = court::Entity::find()
        .filter(cond)
        .order_by(court::Column::Id, req.scan_order(true))
        .limit(req.fetch())
        .all(db)
        .await?;
    Ok(req.page(rows, |m| (String::new(), m.id)))
}

pub async fn count_courts(db: &DatabaseConnection, filter: &CourtFilter) -> AppResult<u64> {
    let cond = court_condition(filter);
    Ok(court::Entity::find().filter(cond).count(db).await?)
}

/// The court with `id` if it is in the scope.
pub async fn find_court(
    db: &impl ConnectionTrait,
    id: i64,
    scope: &Scope,
) -> AppResult<Option<court::Model>> {
    let cond = regions::in_scope(
        Condition::all(),
        Expr::col((court::Entity, court::Column::RegionCode)),
        scope,
    );
    Ok(court::Entity::find_by_id(id).filter(cond).one(db).await?)
}
