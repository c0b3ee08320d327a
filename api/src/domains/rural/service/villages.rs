//! Villages (行政村/嘎查村): their party organisation and collective-economy income per year.

use entity::rural::village;
use entity::rural::income_threshold as threshold;
use entity::rural::village_income as income;
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set,
};

use std::collections::HashMap;

use crate::access::Scope;
use crate::aggregate::tally::{
    Amount, Tally, key_sum, key_sum_where, read_amount, read_tally, squares, sum_or_zero,
};
use crate::error::{AppError, AppResult};
use crate::pagination::{KeyKind, Ordering, Page, PageArgs, keyset};
use crate::region::coverage;
use crate::region::directory::RegionDirectory;
use crate::region::service::{self as regions, Subtree, find_in_scope, in_region};
use crate::validate;
use crate::write::{Who, check_version, record_uuid, unique_to_conflict, uuid_free};

/// Filter of village lists.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub struct VillageFilter {
    pub region: Option<Subtree>,
    /// Villages whose recorded collective income in this year is below this many fen (a
    /// village with no income that year is unknown, not below).
    pub income_below: Option<(i32, i64)>,
    /// Villages with no income recorded in this year.
    pub income_unknown_in: Option<i32>,
    pub under_rectification: Option<bool>,
    pub scope: Scope,
}

fn condition(f: &VillageFilter) -> Condition {
    let mut cond = in_region(village::Entity, &f.scope, f.region.as_ref());
    let incomes_in = |year: i32| {
        sea_orm::sea_query::Query::select()
            .column(income::Column::VillageId)
            .from(income::Entity)
            .and_where(Expr::col((income::Entity, income::Column::Year)).eq(year))
            .to_owned()
    };
    if let Some((year, fen)) = f.income_below {
        let below = incomes_in(year)
            .and_where(Expr::col((income::Entity, income::Column::IncomeFen)).lt(fen))
            .to_owned();
        cond = cond.add(Expr::col((village::Entity, village::Column::Id)).in_subquery(below));
    }
    if let Some(year) = f.income_unknown_in {
        cond = cond.add(Expr::col((village::Entity, village::Column::Id)).not_in_subquery(incomes_in(year)));
    }
    if let Some(r) = f.under_rectification {
        cond = cond.add(village::Column::UnderRectification.eq(r));
    }
    cond
}

/// Villages by name.
pub async fn list(
    db: &DatabaseConnection,
    f: &VillageFilter,
    args: &PageArgs,
) -> AppResult<Page<village::Model>> {
    let order = Ordering {
        name: "name",
        key: Expr::col((village::Entity, village::Column::Name)),
        kind: KeyKind::Text,
        text: |m: &village::Model| m.name.clone(),
        ascending: true,
    };
    let id = Expr::col((village::Entity, village::Column::Id));
    keyset(
        db,
        village::Entity::find().filter(condition(f)),
        id,
        |m| m.id,
        order,
        args,
    )
    .await
}

pub async fn count(db: &DatabaseConnection, f: &VillageFilter) -> AppResult<u64> {
    Ok(village::Entity::find().filter(condition(f)).count(db).await?)
}

pub async fn find(db: &impl ConnectionTrait, id: i64, scope: &Scope) -> AppResult<Option<village::Model>> {
    find_in_scope::<village::Entity>(db, id, scope).await
}

/// The incomes of these villages, by village and year.
pub async fn incomes_of(db: &DatabaseConnection, villages: &[i64]) -> AppResult<Vec<income::Model>> {
    Ok(income::Entity::find()
        .filter(income::Column::VillageId.is_in(villages.iter().copied()))
        .order_by_asc(income::Column::VillageId)
        .order_by_asc(income::Column::Year)
        .all(db)
        .await?)
}

/// What a village's create or update sets.
#[derive(Debug, Clone)]
pub struct VillageFields {
    pub region_code: String,
    pub name: String,
    pub party_members_under_35: Option<i32>,
    pub party_members_35_to_60: Option<i32>,
    pub party_members_over_60: Option<i32>,
    pub reserve_cadres: Option<i32>,
    pub under_rectification: bool,
}

async fn checked(db: &impl ConnectionTrait, who: &Who<'_>, f: VillageFields) -> AppResult<VillageFields> {
    let name = validate::text("name", &f.name, 2, 64)?;
    for (field, n) in [
        ("partyMembersUnder35", f.party_members_under_35),
        ("partyMembers35To60", f.party_members_35_to_60),
        ("partyMembersOver60", f.party_members_over_60),
        ("reserveCadres", f.reserve_cadres),
    ] {
        if n.is_some_and(|n| n < 0) {
            return Err(AppError::bad_input(
                field,
                format!("{field} must not be negative"),
            ));
        }
    }
    let region = regions::require_in_reach(db, &f.region_code, who.scope, "regionCode").await?;
    Ok(VillageFields {
        name,
        region_code: region.code,
        ..f
    })
}

pub async fn create(
    db: &DatabaseConnection,
    who: &Who<'_>,
    fields: VillageFields,
    uuid: Option<String>,
) -> AppResult<village::Model> {
    let uuid = record_uuid("uuid", uuid.as_deref())?;
    let fingerprint = format!("{fields:?}|{uuid}");
    who.create::<village::Entity>(db, "createVillage", &fingerprint, async |txn| {
        let f = checked(txn, who, fields).await?;
        uuid_free::<village::Entity>(txn, village::Column::Uuid, &uuid).await?;
        let model = village::ActiveModel {
            uuid: Set(uuid),
            region_code: Set(f.region_code),
            name: Set(f.name),
            party_members_under_35: Set(f.party_members_under_35),
            party_members_35_to_60: Set(f.party_members_35_to_60),
            party_members_over_60: Set(f.party_members_over_60),
            reserve_cadres: Set(f.reserve_cadres),
            under_rectification: Set(f.under_rectification),
            version: Set(1),
            created_at: Set(who.at),
            updated_at: Set(who.at),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        let region_code = model.region_code.clone();
        Ok((model, region_code))
    })
    .await
}

pub async fn update(
    db: &DatabaseConnection,
    who: &Who<'_>,
    id: i64,
    fields: VillageFields,
    expected_version: i32,
) -> AppResult<village::Model> {
    let txn = crate::store::begin_write(db).await?;
    let current = find(&txn, id, who.scope)
        .await?
        .ok_or_else(|| AppError::not_found("village", id))?;
    check_version("the village", &current, expected_version)?;
    let f = checked(&txn, who, fields).await?;
    let mut active: village::ActiveModel = current.clone().into();
    active.region_code = Set(f.region_code.clone());
    active.name = Set(f.name);
    active.party_members_under_35 = Set(f.party_members_under_35);
    active.party_members_35_to_60 = Set(f.party_members_35_to_60);
    active.party_members_over_60 = Set(f.party_members_over_60);
    active.reserve_cadres = Set(f.reserve_cadres);
    active.under_rectification = Set(f.under_rectification);
    let updated = who
        .update::<village::Entity>(&txn, active, &current, "the village")
        .await?;
    if f.region_code != current.region_code {
        income::Entity::update_many()
            .col_expr(income::Column::RegionCode, Expr::val(f.region_code))
            .filter(income::Column::VillageId.eq(id))
            .exec(&txn)
            .await?;
    }
    who.updated(&txn, "updateVillage", &current, &updated, &updated.region_code)
        .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Records a village's collective-economy income for a year: a new year is created; a year
/// recorded already is replaced only with its `expected_version` (CONFLICT otherwise).
pub async fn record_income(
    db: &DatabaseConnection,
    who: &Who<'_>,
    village_id: i64,
    year: i32,
    income_fen: i64,
    expected_version: Option<i32>,
) -> AppResult<income::Model> {
    let this_year = chrono::Datelike::year(&validate::today());
    if !(1978..=this_year).contains(&year) {
        return Err(AppError::bad_input(
            "year",
            format!("year must be between 1978 and {this_year}"),
        ));
    }
    validate::money_range("income", income_fen)?;
    let txn = crate::store::begin_write(db).await?;
    let v = find(&txn, village_id, who.scope).await?.ok_or_else(|| {
        AppError::bad_input(
            "villageId",
            format!("no village with id {village_id} in your reach"),
        )
    })?;
    let current = income::Entity::find()
        .filter(income::Column::VillageId.eq(v.id))
        .filter(income::Column::Year.eq(year))
        .one(&txn)
        .await?;
    let model = match (current, expected_version) {
        (Some(c), Some(ev)) => {
            check_version("the income", &c, ev)?;
            let mut active: income::ActiveModel = c.clone().into();
            active.income_fen = Set(income_fen);
            let updated = who
                .update::<income::Entity>(&txn, active, &c, "the income")
                .await?;
            who.updated(&txn, "recordVillageIncome", &c, &updated, &updated.region_code)
                .await?;
            updated
        }
        (Some(c), None) => {
            return Err(AppError::Conflict(format!(
                "{year}'s income is recorded already (version {}); pass expectedVersion to replace it",
                c.version
            )));
        }
        (None, Some(_)) => {
            return Err(AppError::Conflict(
                "no income of that year to replace; omit expectedVersion".into(),
            ));
        }
        (None, None) => {
            let model = income::ActiveModel {
                uuid: Set(record_uuid("uuid", None)?),
                village_id: Set(v.id),
                region_code: Set(v.region_code.clone()),
                year: Set(year),
                income_fen: Set(income_fen),
                version: Set(1),
                created_at: Set(who.at),
                updated_at: Set(who.at),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .map_err(unique_to_conflict(
                "that year's income was recorded meanwhile; reload and retry",
            ))?;
            who.created(&txn, "recordVillageIncome", &model, &model.region_code)
                .await?;
            model
        }
    };
    txn.commit().await?;
    Ok(model)
}

/// The totals `ruralStats` reports over the villages of a region in a year, each count and
/// sum with its cell (`Tally`, `Amount`) for disclosure control.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VillageTotals {
    pub villages: Tally,
    pub with_income: Tally,
    pub at_least_30k: Tally,
    pub at_least_50k: Tally,
    pub members_under_35: Amount,
    pub members_35_to_60: Amount,
    pub members_over_60: Amount,
    pub villages_with_members: Tally,
    pub reserve_cadres: Amount,
    pub villages_with_reserve_cadres: Tally,
    pub with_3_reserve_cadres: Tally,
    pub under_rectification: Tally,
}

/// A threshold with the villages it covers in a region and year: at or above it, below it,
/// and with no income recorded (unknown: neither).
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdCount {
    pub threshold: threshold::Model,
    pub villages: Tally,
    pub at_or_above: Tally,
    pub below: Tally,
    pub unknown: Tally,
}

/// The thresholds in force in `year` whose region overlaps the counted region (or the
/// caller's reach), each with the villages of both it covers: a threshold applies only to
/// the villages of its own region, and a village with no income that year is unknown.
pub async fn threshold_counts(
    db: &impl ConnectionTrait,
    scope: &Scope,
    region: Option<&Subtree>,
    year: i32,
    regions: &RegionDirectory,
) -> AppResult<Vec<ThresholdCount>> {
    let in_force: Vec<threshold::Model> = threshold::Entity::find()
        .filter(coverage::in_force(threshold::Column::FromYear, threshold::Column::ToYear, year))
        .order_by_asc(threshold::Column::RegionCode)
        .order_by_asc(threshold::Column::AmountFen)
        .all(db)
        .await?;
    let counted: Option<Vec<&str>> = region
        .map(|r| r.0.iter().map(String::as_str).collect())
        .or_else(|| match scope {
            Scope::All => None,
            Scope::Subtree { codes, .. } => Some(codes.iter().map(String::as_str).collect()),
        });
    // A threshold overlaps when it covers a counted region or a counted region covers its
    // region (it lies in the counted subtree).
    let applies: Vec<threshold::Model> = in_force
        .into_iter()
        .filter(|t| {
            let r = t.region_code.as_str();
            regions.get(r).is_some()
                && counted.as_ref().is_none_or(|codes| {
                    codes
                        .iter()
                        .any(|c| coverage::covers(regions, r, c) || coverage::covers(regions, c, r))
                })
        })
        .collect();
    if applies.is_empty() {
        return Ok(Vec::new());
    }
    let per_region: Vec<(String, i64, i64)> = village::Entity::find()
        .select_only()
        .column(village::Column::RegionCode)
        .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
        .column_as(key_sum("rural_villages"), "k")
        .filter(in_region(village::Entity, scope, region))
        .group_by(village::Column::RegionCode)
        .into_tuple()
        .all(db)
        .await?;
    // Per region code, the recorded incomes and those at or above each distinct amount.
    let mut amounts: Vec<i64> = applies.iter().map(|t| t.amount_fen).collect();
    amounts.sort_unstable();
    amounts.dedup();
    let mut at_or_above: HashMap<(String, i64), Tally> = HashMap::new();
    let mut known: HashMap<String, Tally> = HashMap::new();
    for amount in &amounts {
        let above = Condition::all().add(income::Column::IncomeFen.gte(*amount));
        let rows: Vec<(String, i64, i64, i64, i64)> = income::Entity::find()
            .select_only()
            .column(income::Column::RegionCode)
            .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
            .column_as(village_keys(Condition::all()), "k")
            .column_as(
                sum_or_zero(Expr::case(above.clone(), Expr::val(1i32)).finally(Expr::val(0i32))),
                "above",
            )
            .column_as(village_keys(above), "above_k")
            .filter(in_region(income::Entity, scope, region))
            .filter(income::Column::Year.eq(year))
            .group_by(income::Column::RegionCode)
            .into_tuple()
            .all(db)
            .await?;
        for (code, n, key, above, above_key) in rows {
            known.insert(code.clone(), Tally { n, key });
            at_or_above.insert((code, *amount), Tally { n: above, key: above_key });
        }
    }
    let within = |code: &str, t: &threshold::Model| coverage::covers(regions, &t.region_code, code);
    Ok(applies
        .into_iter()
        .map(|t| {
            let villages: Tally = per_region
                .iter()
                .filter(|(c, _, _)| within(c, &t))
                .map(|(_, n, key)| Tally { n: *n, key: *key })
                .sum();
            let known: Tally = known.iter().filter(|(c, _)| within(c, &t)).map(|(_, n)| *n).sum();
            let above: Tally = at_or_above
                .iter()
                .filter(|((c, amount), _)| *amount == t.amount_fen && within(c, &t))
                .map(|(_, n)| *n)
                .sum();
            ThresholdCount {
                villages,
                at_or_above: above,
                below: known - above,
                // Incomes carry their villages' keys: the villages with none.
                unknown: villages - known,
                threshold: t,
            }
        })
        .collect())
}

/// Collective income thresholds (fen): report 6's 30,000 yuan, report 9's 50,000 veto line.
pub const THRESHOLD_30K_FEN: i64 = 3_000_000;
pub const THRESHOLD_50K_FEN: i64 = 5_000_000;

pub async fn totals(
    db: &impl ConnectionTrait,
    scope: &Scope,
    region: Option<&Subtree>,
    year: i32,
) -> AppResult<VillageTotals> {
    // The age structure counts the villages that give all three age groups, so that a share
    // never mixes villages that give one group with villages that give another.
    let col = |c: village::Column| Expr::col((village::Entity, c));
    let all_ages = Condition::all()
        .add(col(village::Column::PartyMembersUnder35).is_not_null())
        .add(col(village::Column::PartyMembers35To60).is_not_null())
        .add(col(village::Column::PartyMembersOver60).is_not_null());
    let reserve_known = Condition::all().add(col(village::Column::ReserveCadres).is_not_null());
    let reserve3 = Condition::all().add(col(village::Column::ReserveCadres).gte(3));
    let weak = Condition::all().add(col(village::Column::UnderRectification).eq(true));
    let mut q = village::Entity::find()
        .select_only()
        .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "villages")
        .column_as(key_sum(VILLAGES), "villages_k");
    for (name, cond) in [
        ("known", &all_ages),
        ("reserve_known", &reserve_known),
        ("reserve3", &reserve3),
        ("weak", &weak),
    ] {
        q = q
            .column_as(count_where(cond.clone()), name)
            .column_as(key_sum_where(VILLAGES, cond.clone()), format!("{name}_k"));
    }
    let amounts = [
        ("u35", village::Column::PartyMembersUnder35, Some(&all_ages)),
        ("m", village::Column::PartyMembers35To60, Some(&all_ages)),
        ("o60", village::Column::PartyMembersOver60, Some(&all_ages)),
        ("reserve", village::Column::ReserveCadres, None),
    ];
    for (name, column, only) in &amounts {
        let cond = match only {
            Some(c) => (*c).clone(),
            None => Condition::all().add(col(*column).is_not_null()),
        };
        let value: sea_orm::sea_query::SimpleExpr = Expr::case(cond.clone(), col(*column)).finally(Expr::val(0i64)).into();
        q = q
            .column_as(sum_or_zero(value.clone()), *name)
            .column_as(key_sum_where(VILLAGES, cond), format!("{name}_k"))
            .column_as(squares(value), format!("{name}_s"));
    }
    let row = db
        .query_one(&q.filter(in_region(village::Entity, scope, region)).into_query())
        .await?;
    let tally = |name: &str| read_tally(row.as_ref(), name);
    let amount = |name: &str| read_amount(row.as_ref(), name);
    let at = |amount: i64| Condition::all().add(income::Column::IncomeFen.gte(amount));
    let incomes: Option<(i64, i64, i64, i64, i64, i64)> = income::Entity::find()
        .select_only()
        .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
        .column_as(village_keys(Condition::all()), "k")
        .column_as(count_where(at(THRESHOLD_30K_FEN)), "a")
        .column_as(village_keys(at(THRESHOLD_30K_FEN)), "a_k")
        .column_as(count_where(at(THRESHOLD_50K_FEN)), "b")
        .column_as(village_keys(at(THRESHOLD_50K_FEN)), "b_k")
        .filter(in_region(income::Entity, scope, region))
        .filter(income::Column::Year.eq(year))
        .into_tuple()
        .one(db)
        .await?;
    let (n, k, a, ak, b, bk) = incomes.unwrap_or_default();
    Ok(VillageTotals {
        villages: tally("villages")?,
        with_income: Tally { n, key: k },
        at_least_30k: Tally { n: a, key: ak },
        at_least_50k: Tally { n: b, key: bk },
        members_under_35: amount("u35")?,
        members_35_to_60: amount("m")?,
        members_over_60: amount("o60")?,
        villages_with_members: tally("known")?,
        reserve_cadres: amount("reserve")?,
        villages_with_reserve_cadres: tally("reserve_known")?,
        with_3_reserve_cadres: tally("reserve3")?,
        under_rectification: tally("weak")?,
    })
}

const VILLAGES: &str = "rural_villages";

/// The key sum of the incomes where `cond` holds, as the keys of their villages (a village
/// has one income a year): a count of villages with an income is then the cell of those
/// villages, and the villages with none (all villages less them) the cell of theirs.
fn village_keys(cond: Condition) -> sea_orm::sea_query::SimpleExpr {
    let key = Expr::cust("(SELECT v.record_key FROM rural_villages v WHERE v.id = rural_village_incomes.village_id)");
    sum_or_zero(Expr::case(cond, key).finally(Expr::val(0i32)))
}

/// `CAST(COALESCE(SUM(CASE WHEN cond THEN 1 ELSE 0 END), 0) AS BIGINT)`.
fn count_where(cond: Condition) -> sea_orm::sea_query::SimpleExpr {
    sum_or_zero(Expr::case(cond, Expr::val(1i32)).finally(Expr::val(0i32)))
}
