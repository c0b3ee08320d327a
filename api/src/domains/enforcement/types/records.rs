//! The records of a case as GraphQL objects: parties (当事人, personal data masked without the right), measures (执行措施) and flow nodes (流程节点), with their inputs.

use async_graphql::{Context, ID, InputObject, Object, Result};
use entity::enforcement::{flow_node, measure, party};

use crate::access::{Action, PersonalRead, viewer};
use crate::domains::enforcement::policy::POLICY;
use crate::domains::enforcement::service::{self};
use crate::error::AppError;
use crate::scalars::{Date, Money};
use crate::validate::mask;

use super::*;

/// A personal-data field: unmasked (and the read audited) for roles with the right, masked
/// otherwise.
fn personal(
    ctx: &Context<'_>,
    party: &Party,
    value: &Option<String>,
    masked: fn(&str) -> String,
) -> Option<String> {
    let v = viewer(ctx);
    let value = value.as_ref()?;
    if v.may(&POLICY, Action::PersonalData) {
        v.note_personal_read(PersonalRead {
            entity: "party",
            id: party.0.id.to_string(),
            region_code: party.1.clone(),
        });
        Some(value.clone())
    } else {
        Some(masked(value))
    }
}

/// Party to a case (当事人). Identity number, phone and address are personal data, masked
/// for callers without the right to see them.
#[derive(Clone)]
pub struct Party(pub party::Model, pub Option<String>);

/// Party to a case (当事人). Identity number, phone and address are personal data, masked
/// for callers without the right to see them.
#[Object]
impl Party {
    /// Party id.
    pub async fn id(&self) -> ID {
        crate::ids::global("Party", self.0.id)
    }
    /// UUID (通用唯一标识), client-generated or assigned on creation; stable across devices.
    async fn uuid(&self) -> &str {
        &self.0.uuid
    }
    /// Role (当事人地位).
    async fn role(&self) -> PartyRole {
        self.0.role.into()
    }
    /// Person or organisation (当事人类型).
    async fn kind(&self) -> PartyKind {
        self.0.kind.into()
    }
    /// Name (姓名/名称).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Identity number or unified social credit code (身份证号/统一社会信用代码); personal data, masked without the right.
    async fn id_number(&self, ctx: &Context<'_>) -> Option<String> {
        personal(ctx, self, &self.0.id_number, mask)
    }
    /// Phone (联系电话); personal data, masked without the right.
    async fn phone(&self, ctx: &Context<'_>) -> Option<String> {
        personal(ctx, self, &self.0.phone, mask)
    }
    /// Address (住址); personal data, masked without the right.
    async fn address(&self, ctx: &Context<'_>) -> Option<String> {
        personal(ctx, self, &self.0.address, |_| "***".to_owned())
    }
    /// Synthetic (合成数据): whether a seed generated this record around the reports' figures
    /// (true) or it was written through the API (false); administrators only, null for
    /// other callers.
    async fn synthetic(&self, ctx: &Context<'_>) -> Option<bool> {
        crate::synthetic::visible(ctx, self.0.synthetic)
    }
}

/// Enforcement measure (执行措施).
#[derive(Clone)]
pub struct Measure(pub measure::Model);

/// Enforcement measure (执行措施).
#[Object]
impl Measure {
    /// Measure id.
    pub async fn id(&self) -> ID {
        crate::ids::global("Measure", self.0.id)
    }
    /// UUID (通用唯一标识), client-generated or assigned on creation; stable across devices.
    async fn uuid(&self) -> &str {
        &self.0.uuid
    }
    /// Id of the case.
    async fn case_id(&self) -> ID {
        crate::ids::global("EnforcementCase", self.0.case_id)
    }
    /// Id of the party it was taken against, if any.
    async fn party_id(&self) -> Option<ID> {
        self.0.party_id.map(|id| crate::ids::global("Party", id))
    }
    /// Kind (措施类型).
    async fn kind(&self) -> MeasureKind {
        self.0.kind.into()
    }
    /// Date taken (采取日期).
    async fn taken_on(&self) -> Date {
        self.0.taken_on.into()
    }
    /// Inquiry channel (查控渠道), for an online inquiry.
    async fn inquiry_channel(&self) -> Option<InquiryChannel> {
        match self.0.channel.as_deref() {
            Some("point_to_point") => Some(InquiryChannel::PointToPoint),
            Some("general_to_general") => Some(InquiryChannel::GeneralToGeneral),
            _ => None,
        }
    }
    /// Auction platform (拍卖平台), for an online auction.
    async fn auction_platform(&self) -> Option<&str> {
        if self.0.kind == measure::MeasureKind::OnlineAuction {
            self.0.channel.as_deref()
        } else {
            None
        }
    }
    /// Detention days (拘留天数), for a detention.
    async fn detention_days(&self) -> Option<i32> {
        self.0.detention_days
    }
    /// Fine (罚款金额), auction proceeds (拍卖成交额) or assistance paid (救助金额), yuan.
    async fn amount(&self) -> Option<Money> {
        self.0.amount_fen.map(Money)
    }
    /// For a refusal-to-execute referral: whether it ended in a conviction (被判处拒执罪).
    async fn convicted(&self) -> Option<bool> {
        self.0.convicted
    }
    /// Note (备注).
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Synthetic (合成数据): whether a seed generated this record around the reports' figures
    /// (true) or it was written through the API (false); administrators only, null for
    /// other callers.
    async fn synthetic(&self, ctx: &Context<'_>) -> Option<bool> {
        crate::synthetic::visible(ctx, self.0.synthetic)
    }
}

/// Flow node (流程节点) of a case; parties are told of each.
#[derive(Clone)]
pub struct FlowNode(pub flow_node::Model);

/// Flow node (流程节点) of a case; parties are told of each.
#[Object]
impl FlowNode {
    /// Flow node id.
    pub async fn id(&self) -> ID {
        crate::ids::global("FlowNode", self.0.id)
    }
    /// UUID (通用唯一标识), client-generated or assigned on creation; stable across devices.
    async fn uuid(&self) -> &str {
        &self.0.uuid
    }
    /// Id of the case.
    async fn case_id(&self) -> ID {
        crate::ids::global("EnforcementCase", self.0.case_id)
    }
    /// Kind (节点类型).
    async fn kind(&self) -> FlowNodeKind {
        self.0.kind.into()
    }
    /// Date (日期).
    async fn occurred_on(&self) -> Date {
        self.0.occurred_on.into()
    }
    /// Note (说明).
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Whether the parties were notified (已推送当事人).
    async fn parties_notified(&self) -> bool {
        self.0.parties_notified
    }
    /// Synthetic (合成数据): whether a seed generated this record around the reports' figures
    /// (true) or it was written through the API (false); administrators only, null for
    /// other callers.
    async fn synthetic(&self, ctx: &Context<'_>) -> Option<bool> {
        crate::synthetic::visible(ctx, self.0.synthetic)
    }
}

/// Input of `addParty`.
#[derive(InputObject)]
pub struct AddPartyInput {
    /// The case.
    pub case_id: ID,
    /// Role (当事人地位).
    pub role: PartyRole,
    /// Person or organisation.
    pub kind: PartyKind,
    /// Name (姓名/名称), 1-128 characters.
    pub name: String,
    /// Identity number (18 characters with a valid check digit) or unified social credit code.
    pub id_number: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Client-generated UUID of the new record (客户端标识), for writes made offline; the
    /// server makes one when absent; one already used is a CONFLICT.
    pub uuid: Option<String>,
}

/// Input of `recordMeasure`; each kind needs its own fields (see `MeasureKind`).
#[derive(InputObject)]
pub struct RecordMeasureInput {
    /// The case.
    pub case_id: ID,
    /// The party it is taken against (required for measures against a person).
    pub party_id: Option<ID>,
    /// Kind (措施类型).
    pub kind: MeasureKind,
    /// Date taken, not before filing nor in the future.
    pub taken_on: Date,
    /// For ONLINE_INQUIRY: the channel.
    pub inquiry_channel: Option<InquiryChannel>,
    /// For ONLINE_AUCTION: the platform (e.g. 淘宝, 京东).
    pub auction_platform: Option<String>,
    /// For DETENTION: days, 1 to 15.
    pub detention_days: Option<i32>,
    /// For FINE, ONLINE_AUCTION and JUDICIAL_ASSISTANCE: the amount, yuan.
    pub amount: Option<Money>,
    /// For REFUSAL_CRIME_REFERRAL: whether it ended in a conviction.
    pub convicted: Option<bool>,
    /// Note.
    pub note: Option<String>,
    /// Client-generated UUID of the new record (客户端标识), for writes made offline; the
    /// server makes one when absent; one already used is a CONFLICT.
    pub uuid: Option<String>,
}

impl RecordMeasureInput {
    pub fn into_service(self) -> Result<service::NewMeasure, AppError> {
        let channel = match (self.kind, self.inquiry_channel, self.auction_platform) {
            (MeasureKind::OnlineInquiry, Some(c), None) => Some(c.as_str().to_owned()),
            (MeasureKind::OnlineAuction, None, p) => p,
            (_, None, None) => None,
            (_, Some(_), _) => {
                return Err(AppError::bad_input(
                    "inquiryChannel",
                    "only an online inquiry has a channel",
                ));
            }
            (_, _, Some(_)) => {
                return Err(AppError::bad_input(
                    "auctionPlatform",
                    "only an online auction has a platform",
                ));
            }
        };
        Ok(service::NewMeasure {
            case_id: parse_id("caseId", &self.case_id)?,
            party_id: self
                .party_id
                .as_ref()
                .map(|p| parse_id("partyId", p))
                .transpose()?,
            kind: self.kind.into(),
            taken_on: self.taken_on.0,
            channel,
            detention_days: self.detention_days,
            amount_fen: self.amount.map(Money::fen),
            convicted: self.convicted,
            note: self.note,
            uuid: self.uuid,
        })
    }
}

/// Input of `recordFlowNode`.
#[derive(InputObject)]
pub struct RecordFlowNodeInput {
    /// The case.
    pub case_id: ID,
    /// Kind: ASSIGNED, PROPERTY_INVESTIGATION or PROPERTY_DISPOSAL.
    pub kind: FlowNodeKind,
    /// Date, not before filing nor in the future.
    pub occurred_on: Date,
    /// Note.
    pub note: Option<String>,
    /// Client-generated UUID of the new record (客户端标识), for writes made offline; the
    /// server makes one when absent; one already used is a CONFLICT.
    pub uuid: Option<String>,
}
