//! The indicator catalogue (指标目录).

use entity::rural::indicator::{self, Pillar};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set,
};

use crate::error::{AppError, AppResult};
use crate::pagination::{KeyKind, Ordering, Page, PageArgs, keyset};
use crate::region::service::like_escape;
use crate::validate;
use crate::write::{Who, unique_to_conflict};

/// Filter of the catalogue.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub struct IndicatorFilter {
    pub pillar: Option<Pillar>,
    /// Code or name (Chinese or English) contains.
    pub search: Option<String>,
}

fn condition(f: &IndicatorFilter) -> Condition {
    let mut cond = Condition::all();
    if let Some(p) = f.pillar {
        cond = cond.add(indicator::Column::Pillar.eq(p));
    }
    if let Some(s) = f.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = format!("%{}%", like_escape(s));
        let like = |c: indicator::Column| {
            Expr::col((indicator::Entity, c)).like(LikeExpr::new(pattern.clone()).escape('\\'))
        };
        cond = cond.add(
            Condition::any()
                .add(like(indicator::Column::Code))
                .add(like(indicator::Column::NameZh))
                .add(like(indicator::Column::NameEn)),
        );
    }
    cond
}

/// The catalogue by code.
pub async fn list(
    db: &DatabaseConnection,
    f: &IndicatorFilter,
    args: &PageArgs,
) -> AppResult<Page<indicator::Model>> {
    let order = Ordering {
        name: "code",
        key: Expr::col((indicator::Entity, indicator::Column::Code)),
        kind: KeyKind::Text,
        text: |m: &indicator::Model| m.code.clone(),
        ascending: true,
    };
    let id = Expr::col((indicator::Entity, indicator::Column::Id));
    keyset(
        db,
        indicator::Entity::find().filter(condition(f)),
        id,
        |m| m.id,
        order,
        args,
    )
    .await
}

pub async fn count(db: &DatabaseConnection, f: &IndicatorFilter) -> AppResult<u64> {
    Ok(indicator::Entity::find().filter(condition(f)).count(db).await?)
}

/// The indicator with this code.
pub async fn by_code(db: &impl ConnectionTrait, code: &str) -> AppResult<Option<indicator::Model>> {
    Ok(indicator::Entity::find()
        .filter(indicator::Column::Code.eq(code.trim()))
        .one(db)
        .await?)
}

/// The indicator with this code; BAD_USER_INPUT naming `field` otherwise.
pub async fn require(db: &impl ConnectionTrait, code: &str, field: &str) -> AppResult<indicator::Model> {
    by_code(db, code)
        .await?
        .ok_or_else(|| AppError::bad_input(field, format!("no indicator with code {:?}", code.trim())))
}

/// Indicators by id (for the loaders).
pub async fn by_ids(db: &DatabaseConnection, ids: &[i64]) -> AppResult<Vec<indicator::Model>> {
    Ok(indicator::Entity::find()
        .filter(indicator::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// What an indicator definition sets.
#[derive(Debug, Clone)]
pub struct IndicatorFields {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub pillar: Pillar,
    pub unit: String,
    pub description: String,
    pub source: String,
}

/// Adds an indicator to the catalogue; a code in use is a CONFLICT. Audited.
pub async fn define(
    db: &DatabaseConnection,
    who: &Who<'_>,
    f: IndicatorFields,
) -> AppResult<indicator::Model> {
    let code = validate::text("code", &f.code, 2, 64)?;
    if !code
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return Err(AppError::bad_input(
            "code",
            "a code has letters, digits, '_' and '.' only",
        ));
    }
    let unit = crate::units::unit("unit", &f.unit)?;
    let txn = crate::store::begin_write(db).await?;
    let model = indicator::ActiveModel {
        code: Set(code),
        name_zh: Set(validate::text("nameZh", &f.name_zh, 1, 64)?),
        name_en: Set(validate::text("nameEn", &f.name_en, 1, 128)?),
        pillar: Set(f.pillar),
        unit: Set(unit.symbol.to_owned()),
        description: Set(validate::opt_text("description", Some(&f.description), 512)?.unwrap_or_default()),
        source: Set(validate::opt_text("source", Some(&f.source), 128)?.unwrap_or_default()),
        version: Set(1),
        created_at: Set(who.at),
        updated_at: Set(who.at),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(unique_to_conflict("an indicator with this code exists"))?;
    crate::audit::service::record(
        &txn,
        who.actor,
        crate::audit::service::Entry {
            operation: "defineIndicator",
            entity: "rural_indicator",
            entity_id: Some(model.id.to_string()),
            region_code: None,
            before: None,
            // An indicator is reference data: nothing of it is personal.
            after: serde_json::to_string(&model).ok(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}
