//! GraphQL of authentication: `login`, `refreshToken`, `logout`, `me`, and the
//! administrators' user management.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::auth::user;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

use super::jwt::KeyStore;
use super::service::{self, LoginThrottles, NewUser, TokenPair};
use crate::access::{Action, Policy, Role, viewer};
use crate::error::AppError;
use crate::pagination::PageArgs;

/// Who may manage users.
pub const POLICY: Policy = Policy {
    domain: "users",
    rules: &[(Action::Read, &[Role::Admin]), (Action::Write, &[Role::Admin])],
};

/// The client's network address, for login throttling.
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

/// A role (角色).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum RoleName {
    /// Administrator (系统管理员): everything, user management.
    Admin,
    /// Court officer (法院执行干警): enforcement records in the own subtree, personal data included.
    CourtOfficer,
    /// Civil-affairs officer (民政干部): community and funeral records in the own subtree.
    CivilAffairsOfficer,
    /// Agriculture officer (农业农村干部): rural records in the own subtree.
    AgricultureOfficer,
    /// Supervisor (人大/调研组): reads every domain in the own subtree and the audit log; no personal data.
    Supervisor,
    /// Analyst (BI): read-only, every region, no personal data.
    Analyst,
    /// Statistics reader (统计数据用户): BI service accounts and published dashboards; grouped
    /// aggregates and their exports only, every count and sum protected by the cell key method.
    StatisticsReader,
    /// Partner agency of joint punishment (联合惩戒单位): only the dishonest-debtor check.
    PartnerAgency,
    /// No token: published aggregates and the public dishonest-debtor list.
    Anonymous,
}

impl From<RoleName> for Role {
    fn from(r: RoleName) -> Role {
        match r {
            RoleName::Admin => Role::Admin,
            RoleName::CourtOfficer => Role::CourtOfficer,
            RoleName::CivilAffairsOfficer => Role::CivilAffairsOfficer,
            RoleName::AgricultureOfficer => Role::AgricultureOfficer,
            RoleName::Supervisor => Role::Supervisor,
            RoleName::Analyst => Role::Analyst,
            RoleName::StatisticsReader => Role::StatisticsReader,
            RoleName::PartnerAgency => Role::PartnerAgency,
            RoleName::Anonymous => Role::Anonymous,
        }
    }
}

impl From<Role> for RoleName {
    fn from(r: Role) -> RoleName {
        match r {
            Role::Admin => RoleName::Admin,
            Role::CourtOfficer => RoleName::CourtOfficer,
            Role::CivilAffairsOfficer => RoleName::CivilAffairsOfficer,
            Role::AgricultureOfficer => RoleName::AgricultureOfficer,
            Role::Supervisor => RoleName::Supervisor,
            Role::Analyst => RoleName::Analyst,
            Role::StatisticsReader => RoleName::StatisticsReader,
            Role::PartnerAgency => RoleName::PartnerAgency,
            Role::Anonymous => RoleName::Anonymous,
        }
    }
}

fn role_names(u: &user::Model) -> Vec<RoleName> {
    service::roles_of(u)
        .iter()
        .filter_map(|r| Role::parse(r))
        .map(Into::into)
        .collect()
}

/// A built-in user account (内置账号).
#[derive(Clone)]
pub struct User(pub user::Model);

/// A built-in user account (内置账号).
#[Object]
impl User {
    /// User id.
    pub async fn id(&self) -> ID {
        crate::ids::global("User", self.0.id)
    }
    /// Login name (用户名).
    async fn username(&self) -> &str {
        &self.0.username
    }
    /// Display name (姓名).
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// Roles the user may act in (角色).
    async fn roles(&self) -> Vec<RoleName> {
        role_names(&self.0)
    }
    /// Role used when a request names none (默认角色).
    async fn default_role(&self) -> Option<RoleName> {
        Role::parse(&self.0.default_role).map(Into::into)
    }
    /// Root of the user's region scope (辖区); null for every region.
    async fn region_code(&self) -> Option<&str> {
        self.0.region_code.as_deref()
    }
    /// Whether the account is disabled (已停用).
    async fn disabled(&self) -> bool {
        self.0.disabled
    }
    /// Version of the record, raised by every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

crate::connection!(UserConnection, UserEdge, User, "user accounts (账号)");

/// Tokens returned by `login` and `refreshToken`.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// Bearer access token (访问令牌), a JWT; send it as `Authorization: Bearer <token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Refresh token (刷新令牌); exchange it once with `refreshToken` for a new pair.
    pub refresh_token: String,
    /// The signed-in user.
    pub user: User,
}

impl From<TokenPair> for AuthPayload {
    fn from(p: TokenPair) -> Self {
        AuthPayload {
            access_token: p.access_token,
            token_type: "Bearer".to_owned(),
            expires_in: p.expires_in,
            refresh_token: p.refresh_token,
            user: User(p.user),
        }
    }
}

/// The caller as the server sees them (当前身份).
#[derive(SimpleObject)]
pub struct Me {
    /// Subject of the token (`sub`), or `anonymous`.
    pub subject: String,
    /// The role of this request (本次请求角色).
    pub role: RoleName,
    /// Every role the token allows.
    pub roles: Vec<RoleName>,
    /// Root of the caller's region scope (辖区); null for every region.
    pub region_code: Option<String>,
    /// Built-in account id, for tokens this server issued.
    pub user_id: Option<ID>,
}

/// Input of `createUser`.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// Login name: 3-64 letters, digits, `_`, `.` or `-`; stored lower-case.
    pub username: String,
    /// Password, 12 to 256 characters; stored as an argon2id hash.
    pub password: String,
    /// Display name (姓名).
    pub display_name: String,
    /// Roles the user may act in.
    pub roles: Vec<RoleName>,
    /// The default role, one of `roles`.
    pub default_role: RoleName,
    /// Root of the region scope; required for court, civil-affairs, agriculture officers and supervisors.
    pub region_code: Option<String>,
}

fn parse_id(id: &ID) -> Result<i64, AppError> {
    crate::ids::parse("id", "User", id)
}

#[derive(Default)]
pub struct AuthQuery;

#[Object]
impl AuthQuery {
    /// The caller: subject, role, roles and region scope (当前身份).
    async fn me(&self, ctx: &Context<'_>) -> Me {
        let v = viewer(ctx);
        Me {
            subject: v.subject.clone(),
            role: v.role.into(),
            roles: v.roles.iter().copied().map(Into::into).collect(),
            region_code: v.region.as_ref().map(|r| r.code.clone()),
            user_id: v.user_id.map(|id| crate::ids::global("User", id)),
        }
    }

    /// Built-in user accounts (账号), by id; administrators only.
    #[graphql(complexity = "crate::pagination::list_cost(first.or(last), child_complexity)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 20 by default, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end, for paging backward: 20 by default, at most 100.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends, for paging backward.")] before: Option<String>,
    ) -> Result<UserConnection> {
        viewer(ctx).require(&POLICY, Action::Read)?;
        let db = ctx.data_unchecked::<DatabaseConnection>().clone();
        let page = service::list(&db, &PageArgs::new(first, after, last, before)).await?;
        Ok(UserConnection {
            page: page.map(User),
            count: crate::pagination::Count::uncached(move || {
                let db = db.clone();
                Box::pin(async move { service::count(&db).await })
            }),
        })
    }
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Signs in with a built-in account (登录): a short-lived access token and a refresh
    /// token. Failed attempts are throttled per user and per client address (RATE_LIMITED).
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Login name.")] username: String,
        #[graphql(desc = "Password.", secret)] password: String,
    ) -> Result<AuthPayload> {
        let db = ctx.data_unchecked::<DatabaseConnection>();
        let keys = ctx.data_unchecked::<Arc<KeyStore>>();
        let throttles = ctx.data_unchecked::<Arc<LoginThrottles>>();
        let address = ctx
            .data_opt::<ClientAddress>()
            .map_or("unknown", |a| a.0.as_str());
        let v = viewer(ctx);
        Ok(
            service::login(db, keys, throttles, &username, &password, address, &v.request_id)
                .await?
                .into(),
        )
    }

    /// Exchanges a refresh token for a new pair (刷新令牌). Each refresh token works once;
    /// reusing one revokes every token of its session.
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The refresh token.", secret)] refresh_token: String,
    ) -> Result<AuthPayload> {
        let db = ctx.data_unchecked::<DatabaseConnection>();
        let keys = ctx.data_unchecked::<Arc<KeyStore>>();
        Ok(
            service::refresh(db, keys, &refresh_token, &viewer(ctx).request_id)
                .await?
                .into(),
        )
    }

    /// Ends the session of a refresh token (退出登录); always true.
    async fn logout(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The refresh token.", secret)] refresh_token: String,
    ) -> Result<bool> {
        service::logout(
            ctx.data_unchecked::<DatabaseConnection>(),
            &refresh_token,
            &viewer(ctx).request_id,
        )
        .await?;
        Ok(true)
    }

    /// Creates a built-in user (新建账号); administrators only.
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new user.")] input: CreateUserInput,
    ) -> Result<User> {
        let v = viewer(ctx);
        v.require(&POLICY, Action::Write)?;
        let new = NewUser {
            username: input.username,
            password: input.password,
            display_name: input.display_name,
            roles: input.roles.into_iter().map(Into::into).collect(),
            default_role: input.default_role.into(),
            region_code: input.region_code,
        };
        Ok(User(
            service::create_user(ctx.data_unchecked::<DatabaseConnection>(), &v.actor(), new).await?,
        ))
    }

    /// Sets a user's roles (设置角色); their sessions end. Administrators only.
    async fn set_user_roles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user.")] id: ID,
        #[graphql(desc = "Roles the user may act in.")] roles: Vec<RoleName>,
        #[graphql(desc = "The default role, one of `roles`.")] default_role: RoleName,
        #[graphql(desc = "The version you read; a stale one is a CONFLICT.")] expected_version: i32,
    ) -> Result<User> {
        let v = viewer(ctx);
        v.require(&POLICY, Action::Write)?;
        let roles = roles.into_iter().map(Into::into).collect();
        let db = ctx.data_unchecked::<DatabaseConnection>();
        Ok(User(
            service::set_roles(
                db,
                &v.actor(),
                parse_id(&id)?,
                expected_version,
                roles,
                default_role.into(),
            )
            .await?,
        ))
    }

    /// Sets a user's region scope (设置辖区); their sessions end. Administrators only.
    async fn set_user_scope(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user.")] id: ID,
        #[graphql(desc = "Root region code of the scope; null for every region.")] region_code: Option<
            String,
        >,
        #[graphql(desc = "The version you read; a stale one is a CONFLICT.")] expected_version: i32,
    ) -> Result<User> {
        let v = viewer(ctx);
        v.require(&POLICY, Action::Write)?;
        let db = ctx.data_unchecked::<DatabaseConnection>();
        Ok(User(
            service::set_scope(db, &v.actor(), parse_id(&id)?, expected_version, region_code).await?,
        ))
    }

    /// Disables a user (停用账号): sign-in, refresh and their current tokens stop working.
    async fn disable_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user.")] id: ID,
        #[graphql(desc = "The version you read; a stale one is a CONFLICT.")] expected_version: i32,
    ) -> Result<User> {
        let v = viewer(ctx);
        v.require(&POLICY, Action::Write)?;
        let db = ctx.data_unchecked::<DatabaseConnection>();
        Ok(User(
            service::disable(db, &v.actor(), parse_id(&id)?, expected_version).await?,
        ))
    }
}
