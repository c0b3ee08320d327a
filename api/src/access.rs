//! Who the caller is and what they may do: roles, region scope, and the per-domain policy
//! mechanism. A domain declares its policy (which roles may take which action) in its
//! `policy.rs`; resolvers ask the viewer, services receive the resulting `Scope`.

use entity::region;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::{AppError, AppResult};

/// A role (角色), from the token's `role` claim or the `X-Role` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    CourtOfficer,
    CivilAffairsOfficer,
    AgricultureOfficer,
    Supervisor,
    Analyst,
    /// BI service accounts and published dashboards: aggregates only, protected by disclosure control.
    StatisticsReader,
    PartnerAgency,
    Anonymous,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Admin,
        Role::CourtOfficer,
        Role::CivilAffairsOfficer,
        Role::AgricultureOfficer,
        Role::Supervisor,
        Role::Analyst,
        Role::StatisticsReader,
        Role::PartnerAgency,
        Role::Anonymous,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::CourtOfficer => "court_officer",
            Role::CivilAffairsOfficer => "civil_affairs_officer",
            Role::AgricultureOfficer => "agriculture_officer",
            Role::Supervisor => "supervisor",
            Role::Analyst => "analyst",
            Role::StatisticsReader => "statistics_reader",
            Role::PartnerAgency => "partner_agency",
            Role::Anonymous => "anonymous",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Roles that see aggregates only, in every domain (disclosure control protects them
    /// wherever a role may not read the records, `Disclosure::protection`).
    pub fn is_aggregate_only(self) -> bool {
        matches!(self, Role::StatisticsReader | Role::Anonymous)
    }

    /// Roles whose reach is their region subtree; the others see every region.
    pub fn is_scoped(self) -> bool {
        matches!(
            self,
            Role::CourtOfficer | Role::CivilAffairsOfficer | Role::AgricultureOfficer | Role::Supervisor
        )
    }
}

/// Who may read grouped aggregates (`Action::Statistics`) in every domain: everyone but
/// partner agencies; a role that may not read a domain's records gets them protected by
/// disclosure control.
pub const STATISTICS_READERS: &[Role] = &[
    Role::Admin,
    Role::CourtOfficer,
    Role::CivilAffairsOfficer,
    Role::AgricultureOfficer,
    Role::Supervisor,
    Role::Analyst,
    Role::StatisticsReader,
    Role::Anonymous,
];

/// What a caller may want to do in a domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read records (without personal data).
    Read,
    /// Create and change records.
    Write,
    /// Read aggregates and KPIs.
    Aggregate,
    /// Read grouped aggregates (BI), protected by the cell key method for aggregate-only roles.
    Statistics,
    /// Read personal data unmasked (identity numbers, phones, addresses).
    PersonalData,
    /// Read what the law makes public (the dishonest-debtor list).
    Public,
    /// Check one person or organisation against a public list.
    Check,
}

impl Action {
    /// Whether an anonymous answer that took this action may be shared by caches
    /// (`Cache-Control: public`): every action but the audited check, which also carries a
    /// person's name and identity number in a GET's URL.
    pub fn is_shareable(self) -> bool {
        !matches!(self, Action::Check | Action::PersonalData | Action::Write)
    }
}

/// A domain's access policy: for each action, the roles that may take it.
pub struct Policy {
    pub domain: &'static str,
    pub rules: &'static [(Action, &'static [Role])],
}

impl Policy {
    pub fn allows(&self, role: Role, action: Action) -> bool {
        self.rules
            .iter()
            .any(|(a, roles)| *a == action && roles.contains(&role))
    }
}

/// The regions a caller reaches.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Scope {
    /// Every region.
    #[default]
    All,
    /// A region and everything below it (`path` is the region's materialised path, `codes`
    /// the codes of the subtree, resolved once when the caller is authenticated).
    Subtree {
        code: String,
        path: String,
        codes: Arc<[String]>,
    },
}

impl Scope {
    /// Whether a region with this materialised path lies in the scope.
    pub fn contains_path(&self, path: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Subtree { path: root, .. } => path.starts_with(root.as_str()),
        }
    }
}

/// Who did something, for the audit log.
#[derive(Debug, Clone)]
pub struct Actor {
    pub subject: String,
    pub role: Role,
    pub request_id: String,
}

/// A read of unmasked personal data, audited after the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalRead {
    pub entity: &'static str,
    pub id: String,
    pub region_code: Option<String>,
}

/// The caller of one request.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub subject: String,
    pub role: Role,
    /// Every role the token allows (the chosen one among them).
    pub roles: Vec<Role>,
    /// Root of the caller's region scope; none for roles that see every region.
    pub region: Option<region::Model>,
    /// Codes of that region's subtree (the root included).
    pub region_codes: Arc<[String]>,
    /// Built-in account id, for tokens this server issued.
    pub user_id: Option<i64>,
    pub request_id: String,
    personal_reads: Arc<Mutex<Vec<PersonalRead>>>,
    /// Set when the request took an action whose answer caches may not share.
    unshareable: Arc<AtomicBool>,
}

impl Viewer {
    pub fn new(
        subject: String,
        role: Role,
        roles: Vec<Role>,
        region: Option<(region::Model, Vec<String>)>,
        user_id: Option<i64>,
        request_id: String,
    ) -> Self {
        let (region, region_codes) = match region {
            Some((r, codes)) => (Some(r), codes.into()),
            None => (None, Arc::from([])),
        };
        Viewer {
            subject,
            role,
            roles,
            region,
            region_codes,
            user_id,
            request_id,
            personal_reads: Default::default(),
            unshareable: Default::default(),
        }
    }

    pub fn anonymous(request_id: String) -> Self {
        Viewer::new(
            "anonymous".into(),
            Role::Anonymous,
            vec![Role::Anonymous],
            None,
            None,
            request_id,
        )
    }

    pub fn may(&self, policy: &Policy, action: Action) -> bool {
        policy.allows(self.role, action)
    }

    /// Ok when the policy allows the action; UNAUTHENTICATED for an anonymous caller
    /// (a token may help), FORBIDDEN otherwise.
    pub fn require(&self, policy: &Policy, action: Action) -> AppResult<()> {
        if self.may(policy, action) {
            if !action.is_shareable() {
                self.unshareable.store(true, Ordering::Relaxed);
            }
            return Ok(());
        }
        if self.role == Role::Anonymous {
            Err(AppError::Unauthenticated(format!(
                "this needs a signed-in role ({} {:?})",
                policy.domain, action
            )))
        } else {
            Err(AppError::Forbidden(format!(
                "role {} may not do this ({} {:?})",
                self.role.as_str(),
                policy.domain,
                action
            )))
        }
    }

    /// The regions the caller reaches for `action`: public actions reach everything,
    /// scoped roles their subtree.
    pub fn scope(&self, action: Action) -> Scope {
        match (action, &self.region) {
            (Action::Public | Action::Check, _) => Scope::All,
            (_, Some(r)) if self.role.is_scoped() => Scope::Subtree {
                code: r.code.clone(),
                path: r.path.clone(),
                codes: self.region_codes.clone(),
            },
            _ => Scope::All,
        }
    }

    /// `require` then `scope`.
    pub fn authorize(&self, policy: &Policy, action: Action) -> AppResult<Scope> {
        self.require(policy, action)?;
        Ok(self.scope(action))
    }

    pub fn actor(&self) -> Actor {
        Actor {
            subject: self.subject.clone(),
            role: self.role,
            request_id: self.request_id.clone(),
        }
    }

    /// Notes a read of unmasked personal data, audited once the request completes.
    pub fn note_personal_read(&self, read: PersonalRead) {
        if let Ok(mut reads) = self.personal_reads.lock()
            && !reads.contains(&read)
        {
            reads.push(read);
        }
    }

    /// Whether every action the request took has an answer caches may share
    /// (`Action::is_shareable`); whether the caller is anonymous is for the caller to check.
    pub fn is_shareable(&self) -> bool {
        !self.unshareable.load(Ordering::Relaxed)
            && self.personal_reads.lock().map(|r| r.is_empty()).unwrap_or(false)
    }

    pub fn take_personal_reads(&self) -> Vec<PersonalRead> {
        self.personal_reads
            .lock()
            .map(|mut r| std::mem::take(&mut *r))
            .unwrap_or_default()
    }
}

/// The viewer of the current GraphQL request (every request has one).
pub fn viewer<'a>(ctx: &async_graphql::Context<'a>) -> &'a Viewer {
    ctx.data_unchecked::<Viewer>()
}
