//! Built-in accounts: login, refresh-token rotation, logout and user administration.
//! No GraphQL here.

use chrono::{Duration, Utc};
use entity::auth::{refresh_token, user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use sha2::{Digest, Sha256};

use super::jwt::KeyStore;
use super::password;
use super::throttle::Throttle;
use crate::access::{Actor, Role};
use crate::audit::service::{self as audit, Entry};
use crate::error::{AppError, AppResult};
use crate::pagination::{Page, PageArgs, PageRequest};
use crate::region::service as regions;
use crate::validate;

/// Failed logins allowed per user and per client address in a window.
pub struct LoginThrottles {
    pub per_user: Throttle,
    pub per_address: Throttle,
}

impl LoginThrottles {
    /// 5 failures per user and 20 per client address in 15 minutes, counted in `counts`
    /// (shared by the server processes).
    pub fn new(counts: std::sync::Arc<crate::shared::SharedCounts>) -> Self {
        let window = std::time::Duration::from_secs(15 * 60);
        LoginThrottles {
            per_user: Throttle::new(5, window, "login-user", counts.clone()),
            per_address: Throttle::new(20, window, "login-address", counts),
        }
    }
}

/// An access token and its refresh token.
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
    pub user: user::Model,
}

/// Refresh tokens live this long.
const REFRESH_TTL_DAYS: i64 = 30;

fn random_token() -> AppResult<String> {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(anyhow::anyhow!("random: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn roles_of(u: &user::Model) -> Vec<String> {
    u.roles
        .split(',')
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect()
}

fn rate_limited(seconds: u64) -> AppError {
    AppError::RateLimited {
        message: "too many failed logins; try again later".to_owned(),
        retry_after: seconds,
    }
}

async fn issue_pair(
    db: &impl ConnectionTrait,
    keys: &KeyStore,
    u: &user::Model,
    family: String,
) -> AppResult<TokenPair> {
    let refresh = random_token()?;
    refresh_token::ActiveModel {
        user_id: Set(u.id),
        family_id: Set(family),
        token_hash: Set(token_hash(&refresh)),
        issued_at: Set(Utc::now()),
        expires_at: Set(Utc::now() + Duration::days(REFRESH_TTL_DAYS)),
        rotated_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let access = keys.issue(
        &u.username,
        Some((u.id, u.version)),
        &roles_of(u),
        &u.default_role,
        u.region_code.as_deref(),
        keys.access_ttl,
    )?;
    Ok(TokenPair {
        access_token: access,
        refresh_token: refresh,
        expires_in: keys.access_ttl,
        user: u.clone(),
    })
}

pub async fn login(
    db: &DatabaseConnection,
    keys: &KeyStore,
    throttles: &LoginThrottles,
    username: &str,
    password_text: &str,
    address: &str,
    request_id: &str,
) -> AppResult<TokenPair> {
    let username = username.trim().to_lowercase();
    // Each attempt is counted before the (slow) password check, so parallel guesses are
    // limited too; a success takes its attempt back.
    throttles.per_user.attempt(&username).map_err(rate_limited)?;
    if let Err(wait) = throttles.per_address.attempt(address) {
        throttles.per_user.succeeded(&username);
        return Err(rate_limited(wait));
    }
    let found = user::Entity::find()
        .filter(user::Column::Username.eq(username.clone()))
        .one(db)
        .await?;
    let hash = found
        .as_ref()
        .map_or_else(|| password::dummy_hash().to_owned(), |u| u.password_hash.clone());
    let candidate = password_text.to_owned();
    // Argon2 takes tens of milliseconds of CPU: keep it off the async workers.
    let matches = tokio::task::spawn_blocking(move || password::verify(&candidate, &hash))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let Some(u) = found.filter(|u| matches && !u.disabled) else {
        return Err(AppError::Unauthenticated(
            "invalid username or password".to_owned(),
        ));
    };
    throttles.per_user.reset(&username);
    throttles.per_address.succeeded(address);
    let txn = crate::store::begin_write(db).await?;
    let pair = issue_pair(&txn, keys, &u, random_token()?).await?;
    let actor = Actor {
        subject: u.username.clone(),
        role: Role::parse(&u.default_role).unwrap_or(Role::Anonymous),
        request_id: request_id.to_owned(),
    };
    audit::record(
        &txn,
        &actor,
        Entry {
            operation: "login",
            entity: "user",
            entity_id: Some(u.id.to_string()),
            region_code: None,
            before: None,
            after: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(pair)
}

async fn revoke_family(db: &impl ConnectionTrait, family: &str) -> AppResult<()> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_token::Column::FamilyId.eq(family))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Rotates a refresh token. Reusing a rotated or revoked token revokes its whole family.
fn actor_of(u: &user::Model, request_id: &str) -> Actor {
    Actor {
        subject: u.username.clone(),
        role: Role::parse(&u.default_role).unwrap_or(Role::Anonymous),
        request_id: request_id.to_owned(),
    }
}

fn session_entry<'a>(operation: &'a str, u: &user::Model) -> Entry<'a> {
    Entry {
        operation,
        entity: "user",
        entity_id: Some(u.id.to_string()),
        region_code: None,
        before: None,
        after: None,
    }
}

pub async fn refresh(
    db: &DatabaseConnection,
    keys: &KeyStore,
    token: &str,
    request_id: &str,
) -> AppResult<TokenPair> {
    let invalid = || AppError::Unauthenticated("invalid refresh token".to_owned());
    let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(token_hash(token.trim())))
        .one(db)
        .await?
    else {
        return Err(invalid());
    };
    let txn = crate::store::begin_write(db).await?;
    // Claim the token atomically: a concurrent or repeated use finds it rotated.
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RotatedAt, Expr::value(Utc::now()))
        .filter(refresh_token::Column::Id.eq(row.id))
        .filter(refresh_token::Column::RotatedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        revoke_family(&txn, &row.family_id).await?;
        if let Some(u) = user::Entity::find_by_id(row.user_id).one(&txn).await? {
            audit::record(
                &txn,
                &actor_of(&u, request_id),
                session_entry("refreshTokenReuse", &u),
            )
            .await?;
        }
        txn.commit().await?;
        return Err(AppError::Unauthenticated(
            "refresh token was already used; every session of it is revoked, sign in again".to_owned(),
        ));
    }
    if row.expires_at < Utc::now() {
        txn.commit().await?;
        return Err(invalid());
    }
    let u = user::Entity::find_by_id(row.user_id)
        .one(&txn)
        .await?
        .ok_or_else(invalid)?;
    if u.disabled {
        revoke_family(&txn, &row.family_id).await?;
        txn.commit().await?;
        return Err(invalid());
    }
    let pair = issue_pair(&txn, keys, &u, row.family_id.clone()).await?;
    audit::record(&txn, &actor_of(&u, request_id), session_entry("refreshToken", &u)).await?;
    txn.commit().await?;
    Ok(pair)
}

/// Ends the session of a refresh token (its whole family). Unknown tokens are ignored.
pub async fn logout(db: &DatabaseConnection, token: &str, request_id: &str) -> AppResult<()> {
    let txn = crate::store::begin_write(db).await?;
    if let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(token_hash(token.trim())))
        .one(&txn)
        .await?
    {
        revoke_family(&txn, &row.family_id).await?;
        if let Some(u) = user::Entity::find_by_id(row.user_id).one(&txn).await? {
            audit::record(&txn, &actor_of(&u, request_id), session_entry("logout", &u)).await?;
        }
    }
    txn.commit().await?;
    Ok(())
}

/// Whether a token of a built-in account may still act: the account exists, is enabled, and
/// has not changed (roles, scope, status) since the token was issued.
pub async fn is_current(db: &DatabaseConnection, id: i64, version: Option<i32>) -> AppResult<bool> {
    Ok(user::Entity::find_by_id(id)
        .one(db)
        .await?
        .is_some_and(|u| !u.disabled && version.is_none_or(|v| v == u.version)))
}

/// Input of `createUser`.
pub struct NewUser {
    pub username: String,
    pub password: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub default_role: Role,
    pub region_code: Option<String>,
}

fn validate_username(raw: &str) -> AppResult<String> {
    let u = raw.trim().to_lowercase();
    let ok = (3..=64).contains(&u.len())
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if !ok {
        return Err(AppError::bad_input(
            "username",
            "username is 3-64 letters, digits, '_', '.' or '-'",
        ));
    }
    Ok(u)
}

fn validate_password(p: &str) -> AppResult<()> {
    let n = p.chars().count();
    if !(12..=256).contains(&n) {
        return Err(AppError::bad_input(
            "password",
            "password must have 12 to 256 characters",
        ));
    }
    Ok(())
}

async fn validate_roles(
    db: &impl ConnectionTrait,
    roles: &[Role],
    default_role: Role,
    region_code: Option<&str>,
) -> AppResult<(String, Option<String>)> {
    if roles.is_empty() || roles.contains(&Role::Anonymous) {
        return Err(AppError::bad_input(
            "roles",
            "give at least one role; anonymous is not a role to grant",
        ));
    }
    if !roles.contains(&default_role) {
        return Err(AppError::bad_input(
            "defaultRole",
            "defaultRole must be one of roles",
        ));
    }
    let region = match region_code {
        Some(code) => Some(regions::require_in(db, code, "regionCode").await?.code),
        None => None,
    };
    if region.is_none() && roles.iter().any(|r| r.is_scoped()) {
        return Err(AppError::bad_input(
            "regionCode",
            "these roles are scoped to a region: give regionCode",
        ));
    }
    let mut names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    names.dedup();
    Ok((names.join(","), region))
}

pub async fn create_user(db: &DatabaseConnection, actor: &Actor, input: NewUser) -> AppResult<user::Model> {
    let username = validate_username(&input.username)?;
    validate_password(&input.password)?;
    let display_name = validate::text("displayName", &input.display_name, 1, 128)?;
    let (roles, region) =
        validate_roles(db, &input.roles, input.default_role, input.region_code.as_deref()).await?;
    let hash = password::hash(&input.password)?;
    let txn = crate::store::begin_write(db).await?;
    let taken = user::Entity::find()
        .filter(user::Column::Username.eq(username.clone()))
        .count(&txn)
        .await?;
    if taken > 0 {
        return Err(AppError::Conflict(format!("username {username} is taken")));
    }
    let u = user::ActiveModel {
        username: Set(username),
        password_hash: Set(hash),
        display_name: Set(display_name),
        roles: Set(roles),
        default_role: Set(input.default_role.as_str().to_owned()),
        region_code: Set(region),
        disabled: Set(false),
        version: Set(1),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, actor, user_entry("createUser", &u, None)).await?;
    txn.commit().await?;
    Ok(u)
}

fn user_snapshot(u: &user::Model) -> Option<String> {
    Some(
        serde_json::json!({"id": u.id, "username": u.username, "roles": u.roles, "defaultRole": u.default_role,
                           "regionCode": u.region_code, "disabled": u.disabled, "version": u.version})
        .to_string(),
    )
}

fn user_entry<'a>(op: &'a str, after: &user::Model, before: Option<&user::Model>) -> Entry<'a> {
    Entry {
        operation: op,
        entity: "user",
        entity_id: Some(after.id.to_string()),
        region_code: None,
        before: before.and_then(user_snapshot),
        after: user_snapshot(after),
    }
}

async fn change_user(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    op: &str,
    change: impl FnOnce(&mut user::ActiveModel),
    revoke: bool,
) -> AppResult<user::Model> {
    let txn = crate::store::begin_write(db).await?;
    let before = user::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("user", id))?;
    if before.version != expected_version {
        return Err(AppError::Conflict(format!(
            "the user is at version {}, not {expected_version}: reload and retry",
            before.version
        )));
    }
    let mut active: user::ActiveModel = before.clone().into();
    change(&mut active);
    active.version = Set(before.version + 1);
    active.updated_at = Set(Utc::now());
    let after = user::Entity::update(active)
        .validate()?
        .filter(user::Column::Version.eq(expected_version))
        .exec(&txn)
        .await
        .map_err(|e| match e {
            sea_orm::DbErr::RecordNotUpdated => {
                AppError::Conflict("the user was changed by someone else; reload and retry".to_owned())
            }
            e => e.into(),
        })?;
    if revoke {
        refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
            .filter(refresh_token::Column::UserId.eq(id))
            .filter(refresh_token::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
    }
    audit::record(&txn, actor, user_entry(op, &after, Some(&before))).await?;
    txn.commit().await?;
    Ok(after)
}

pub async fn set_roles(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    roles: Vec<Role>,
    default_role: Role,
) -> AppResult<user::Model> {
    let current = user::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("user", id))?;
    let (names, _) = validate_roles(db, &roles, default_role, current.region_code.as_deref()).await?;
    // New roles take effect at the next sign-in: end the current sessions.
    change_user(
        db,
        actor,
        id,
        expected_version,
        "setUserRoles",
        |a| {
            a.roles = Set(names);
            a.default_role = Set(default_role.as_str().to_owned());
        },
        true,
    )
    .await
}

pub async fn set_scope(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    region_code: Option<String>,
) -> AppResult<user::Model> {
    let current = user::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("user", id))?;
    let roles: Vec<Role> = roles_of(&current).iter().filter_map(|r| Role::parse(r)).collect();
    let default_role = Role::parse(&current.default_role).unwrap_or(Role::Analyst);
    let (_, region) = validate_roles(db, &roles, default_role, region_code.as_deref()).await?;
    change_user(
        db,
        actor,
        id,
        expected_version,
        "setUserScope",
        |a| a.region_code = Set(region),
        true,
    )
    .await
}

pub async fn disable(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    expected_version: i32,
) -> AppResult<user::Model> {
    change_user(
        db,
        actor,
        id,
        expected_version,
        "disableUser",
        |a| a.disabled = Set(true),
        true,
    )
    .await
}

/// Users by id.
pub async fn list(db: &DatabaseConnection, args: &PageArgs) -> AppResult<Page<user::Model>> {
    let req = PageRequest::new(args, "id")?;
    let mut q = user::Entity::find();
    if let Some(seek) = req.seek_unique(
        Expr::col((user::Entity, user::Column::Id)),
        |c| Expr::val(c.i),
        true,
    ) {
        q = q.filter(seek);
    }
    let rows = q
        .order_by(user::Column::Id, req.scan_order(true))
        .limit(req.fetch())
        .all(db)
        .await?;
    Ok(req.page(rows, |u| (String::new(), u.id)))
}

pub async fn count(db: &DatabaseConnection) -> AppResult<u64> {
    Ok(user::Entity::find().count(db).await?)
}

/// Creates the first administrator (the `create-admin` subcommand).
pub async fn create_admin(db: &DatabaseConnection, username: &str, password: &str) -> AppResult<user::Model> {
    let actor = Actor {
        subject: "create-admin".to_owned(),
        role: Role::Admin,
        request_id: "cli".to_owned(),
    };
    create_user(
        db,
        &actor,
        NewUser {
            username: username.to_owned(),
            password: password.to_owned(),
            display_name: username.to_owned(),
            roles: vec![Role::Admin],
            default_role: Role::Admin,
            region_code: None,
        },
    )
    .await
}
