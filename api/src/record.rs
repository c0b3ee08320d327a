//! What a domain declares about each record type it writes, once (`tracked!`): its GraphQL
//! type (the prefix of its global ids), its audit name, its table, its personal fields and
//! how each is masked, and its columns that reference other records. The write path
//! (`write.rs`), masking (`personal.rs`), webhooks and the registry of domains read it; it
//! imports none of them.

use serde::Serialize;

/// How a personal field is shown to whoever may not read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mask {
    /// Identity and phone numbers: the ends kept, the middle hidden (`3611**********1234`).
    Number,
    /// Names: the first character kept (`李**`).
    Name,
    /// Addresses: withheld whole (`***`).
    Withhold,
}

impl Mask {
    /// The masked form of a value.
    pub fn apply(self, value: &str) -> String {
        match self {
            Mask::Number => crate::validate::mask(value),
            Mask::Name => crate::validate::mask_name(value),
            Mask::Withhold => "***".to_owned(),
        }
    }
}

/// A column's name as GraphQL and the JSON of a record give it: `region_code` → `regionCode`.
pub fn camel_case(column: &str) -> String {
    let mut out = String::with_capacity(column.len());
    let mut upper = false;
    for c in column.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// One personal field of a record type: its column (the model's field) and its mask.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub column: &'static str,
    pub mask: Mask,
}

/// A column that holds another record's id, and that record's GraphQL type.
#[derive(Clone, Copy, Debug)]
pub struct Reference {
    pub column: &'static str,
    pub record_type: &'static str,
}

/// A record type as the shared parts know it, from its domain's registration.
#[derive(Clone, Copy, Debug)]
pub struct RecordType {
    /// GraphQL type (`Party`), the prefix of its global ids.
    pub record_type: &'static str,
    /// Name in the audit log (`party`).
    pub entity: &'static str,
    /// Its table.
    pub table: fn() -> &'static str,
    /// Its personal fields.
    pub personal: &'static [Field],
    /// Its columns that reference other records.
    pub references: &'static [Reference],
}

/// A record that mutations create, change or delete.
pub trait Tracked: Serialize {
    /// GraphQL type of the record, as the change log names it.
    const TYPE: &'static str;
    /// Name of the record in the audit log.
    const ENTITY: &'static str;
    /// Its personal fields and their masks (`personal.rs`).
    const PERSONAL: &'static [Field];
    /// Its columns that hold other records' ids.
    const REFERENCES: &'static [Reference];
    fn id(&self) -> i64;
    fn uuid(&self) -> &str;
}

/// A domain's registration of the records it writes:
///
/// ```text
/// tracked! {
///     model => "GraphQLType", "audit_entity",
///         personal [column: Number, other: Name],      // optional
///         references [case_id: "EnforcementCase"];     // optional
/// }
/// ```
///
/// implements `Tracked` for each model and declares the domain's `RECORDS`, which the shared
/// parts read (`domains::records()`).
#[macro_export]
macro_rules! tracked {
    ($($model:ty => $kind:literal, $entity:literal
        $(, personal [$($field:ident: $mask:ident),* $(,)?])?
        $(, references [$($column:ident: $target:literal),* $(,)?])?
    ;)*) => {
        $(
            impl $crate::record::Tracked for $model {
                const TYPE: &'static str = $kind;
                const ENTITY: &'static str = $entity;
                const PERSONAL: &'static [$crate::record::Field] = &[$($(
                    $crate::record::Field {
                        column: stringify!($field),
                        mask: $crate::record::Mask::$mask,
                    },
                )*)?];
                const REFERENCES: &'static [$crate::record::Reference] = &[$($(
                    $crate::record::Reference {
                        column: stringify!($column),
                        record_type: $target,
                    },
                )*)?];
                fn id(&self) -> i64 {
                    self.id
                }
                fn uuid(&self) -> &str {
                    &self.uuid
                }
            }
        )*
        /// The record types this domain writes, as the shared parts know them.
        pub const RECORDS: &[$crate::record::RecordType] = &[$(
            $crate::record::RecordType {
                record_type: $kind,
                entity: $entity,
                table: || {
                    use sea_orm::EntityName as _;
                    <<$model as sea_orm::ModelTrait>::Entity as Default>::default().table_name()
                },
                personal: <$model as $crate::record::Tracked>::PERSONAL,
                references: <$model as $crate::record::Tracked>::REFERENCES,
            },
        )*];
    };
}

/// A tracked record with a version for optimistic concurrency.
pub trait Versioned: Tracked {
    fn version(&self) -> i32;
}

/// Declares tracked models as `Versioned` (their `version` column).
#[macro_export]
macro_rules! versioned {
    ($($model:ty),* $(,)?) => {$(
        impl $crate::record::Versioned for $model {
            fn version(&self) -> i32 {
                self.version
            }
        }
    )*};
}
