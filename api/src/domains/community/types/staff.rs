//! Staff (社区工作者) as GraphQL objects, with their input. Name, phone and identity number
//! are personal data: unmasked, and each read audited, only for roles with the right.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entity::community::staff;

use super::{CommunityUnit, Education, Gender, Hiring, StaffRole, facility::unit_of};
use crate::access::{Action, PersonalRead, viewer};
use crate::domains::community::policy::POLICY;
use crate::domains::community::service::staff::StaffFields;
use crate::error::AppError;
use crate::scalars::Money;
use crate::validate::{mask, mask_name};

/// Staff member of a community unit (社区工作者/居委会成员). Name, phone and identity
/// number are personal data, masked for callers without the right to see them.
#[derive(Clone)]
pub struct CommunityStaff(pub staff::Model);

impl CommunityStaff {
    fn personal(&self, ctx: &Context<'_>, value: Option<&str>, masked: fn(&str) -> String) -> Option<String> {
        let value = value?;
        let v = viewer(ctx);
        if v.may(&POLICY, Action::PersonalData) {
            v.note_personal_read(PersonalRead {
                entity: "community_staff",
                id: self.0.id.to_string(),
                region_code: Some(self.0.region_code.clone()),
            });
            Some(value.to_owned())
        } else {
            Some(masked(value))
        }
    }
}

/// Staff member of a community unit (社区工作者/居委会成员). Name, phone and identity
/// number are personal data, masked for callers without the right to see them.
#[Object]
impl CommunityStaff {
    /// Staff id.
    pub async fn id(&self) -> ID {
        crate::ids::global("CommunityStaff", self.0.id)
    }
    /// UUID (通用唯一标识), client-generated or assigned on creation.
    async fn uuid(&self) -> &str {
        &self.0.uuid
    }
    /// The unit (所属社区).
    async fn unit(&self, ctx: &Context<'_>) -> Result<Option<CommunityUnit>> {
        unit_of(ctx, self.0.unit_id).await
    }
    /// Id of the grid the member works (网格), if any.
    async fn grid_id(&self) -> Option<ID> {
        self.0.grid_id.map(|g| crate::ids::global("CommunityGrid", g))
    }
    /// Name (姓名); personal data, masked without the right.
    async fn name(&self, ctx: &Context<'_>) -> Option<String> {
        self.personal(ctx, Some(&self.0.name), mask_name)
    }
    /// Role (职务).
    async fn role(&self) -> StaffRole {
        self.0.role.into()
    }
    /// Whether a party secretary is also the committee director (书记主任一肩挑).
    async fn also_director(&self) -> bool {
        self.0.also_director
    }
    /// Gender (性别).
    async fn gender(&self) -> Gender {
        self.0.gender.into()
    }
    /// Birth year (出生年份); null when the report gives no age band.
    async fn birth_year(&self) -> Option<i32> {
        self.0.birth_year
    }
    /// Highest education (学历).
    async fn education(&self) -> Education {
        self.0.education.into()
    }
    /// Party member (党员); null when not known.
    async fn party_member(&self) -> Option<bool> {
        self.0.party_member
    }
    /// Certified social worker (持证社会工作者); null when not known.
    async fn certified_social_worker(&self) -> Option<bool> {
        self.0.certified_social_worker
    }
    /// How hired (产生方式).
    async fn hiring(&self) -> Hiring {
        self.0.hiring.into()
    }
    /// Monthly pay (月工资), yuan; null when not known.
    async fn monthly_pay(&self) -> Option<Money> {
        self.0.monthly_pay_fen.map(Money)
    }
    /// Phone (联系电话); personal data, masked without the right.
    async fn phone(&self, ctx: &Context<'_>) -> Option<String> {
        self.personal(ctx, self.0.phone.as_deref(), mask)
    }
    /// Identity number (身份证号); personal data, masked without the right.
    async fn id_number(&self, ctx: &Context<'_>) -> Option<String> {
        self.personal(ctx, self.0.id_number.as_deref(), mask)
    }
    /// Version for optimistic concurrency.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the record was last changed (更新时间).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Synthetic (合成数据): whether a seed generated this record around the reports' figures
    /// (true) or it was written through the API (false); administrators only, null for
    /// other callers.
    async fn synthetic(&self, ctx: &Context<'_>) -> Option<bool> {
        crate::synthetic::visible(ctx, self.0.synthetic)
    }
}

/// Input of `addCommunityStaff` and `updateCommunityStaff`.
#[derive(InputObject)]
pub struct CommunityStaffInput {
    /// The unit, in your reach.
    pub unit_id: ID,
    /// A grid of the unit the member works, if any.
    pub grid_id: Option<ID>,
    /// Name (姓名), 1-64 characters.
    pub name: String,
    /// Role (职务); one party secretary per unit.
    pub role: StaffRole,
    /// A party secretary who is also the director (一肩挑); false by default.
    #[graphql(default)]
    pub also_director: bool,
    /// Gender; UNKNOWN by default.
    #[graphql(default_with = "Gender::Unknown")]
    pub gender: Gender,
    /// Birth year: an age of 16 to 100 this year.
    pub birth_year: Option<i32>,
    /// Education; UNKNOWN by default.
    #[graphql(default_with = "Education::Unknown")]
    pub education: Education,
    /// Party member; unknown when absent.
    pub party_member: Option<bool>,
    /// Certified social worker; unknown when absent.
    pub certified_social_worker: Option<bool>,
    /// How hired; UNKNOWN by default.
    #[graphql(default_with = "Hiring::Unknown")]
    pub hiring: Hiring,
    /// Monthly pay, yuan, 0 to 100000.00.
    pub monthly_pay: Option<Money>,
    /// Phone: an 11-digit mobile or a landline.
    pub phone: Option<String>,
    /// Identity number: 18 characters with a valid check digit.
    pub id_number: Option<String>,
}

impl CommunityStaffInput {
    pub fn into_service(self) -> Result<StaffFields, AppError> {
        Ok(StaffFields {
            unit_id: crate::ids::parse("unitId", "CommunityUnit", &self.unit_id)?,
            grid_id: self
                .grid_id
                .as_ref()
                .map(|g| crate::ids::parse("gridId", "CommunityGrid", g))
                .transpose()?,
            name: self.name,
            role: self.role.into(),
            also_director: self.also_director,
            gender: self.gender.into(),
            birth_year: self.birth_year,
            education: self.education.into(),
            party_member: self.party_member,
            certified_social_worker: self.certified_social_worker,
            hiring: self.hiring.into(),
            monthly_pay_fen: self.monthly_pay.map(Money::fen),
            phone: self.phone,
            id_number: self.id_number,
        })
    }
}
