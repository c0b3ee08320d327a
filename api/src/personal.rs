//! Personal data, declared once: each domain's `tracked!` registration names the personal
//! fields of its record types and how each is masked, and every channel that shows a record
//! outside GraphQL masks from that declaration: the audit log's snapshots, the record a
//! CONFLICT error carries, webhook bodies. (GraphQL masks in the resolvers of those fields,
//! for callers without the domain's personal-data right; a test generated from the
//! declaration checks every channel against it.) The same declaration says which columns
//! reference other records, so that a record leaves with global ids, never database integers.

use serde_json::Value;

use crate::record::{Field, Tracked};

/// Masks the declared personal fields of a record's JSON (top level, snake_case keys).
pub fn mask_json(personal: &[Field], json: &mut Value) {
    let Some(map) = json.as_object_mut() else {
        return;
    };
    for field in personal {
        if let Some(v) = map.get_mut(field.column)
            && let Some(s) = v.as_str()
        {
            *v = Value::String(field.mask.apply(s));
        }
    }
}

/// A record as JSON with its personal fields masked, as the audit log, CONFLICT errors and
/// webhooks show it.
pub fn masked<T: Tracked>(record: &T) -> Option<Value> {
    let mut json = serde_json::to_value(record).ok()?;
    mask_json(T::PERSONAL, &mut json);
    Some(json)
}

/// A record as it leaves the server outside GraphQL (webhooks): personal fields masked, its
/// `id` and every declared reference as global ids.
pub fn outward<T: Tracked>(record: &T) -> Option<Value> {
    let mut json = masked(record)?;
    if let Some(map) = json.as_object_mut() {
        map.insert(
            "id".to_owned(),
            Value::String(crate::ids::global(T::TYPE, record.id()).0),
        );
        for reference in T::REFERENCES {
            if let Some(v) = map.get_mut(reference.column)
                && let Some(id) = v.as_i64()
            {
                *v = Value::String(crate::ids::global(reference.record_type, id).0);
            }
        }
    }
    Some(json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Mask;

    #[test]
    fn masks_apply_to_declared_fields_only() {
        let fields = [
            Field {
                column: "id_number",
                mask: Mask::Number,
            },
            Field {
                column: "holder_name",
                mask: Mask::Name,
            },
            Field {
                column: "address",
                mask: Mask::Withhold,
            },
        ];
        let mut json = serde_json::json!({
            "id_number": "360102199001011234", "holder_name": "李四海", "address": "弋阳县某路 1 号",
            "name": "弋阳县人民法院", "phone": "13800000000"
        });
        mask_json(&fields, &mut json);
        assert_eq!(json["id_number"], "3601**********1234");
        assert_eq!(json["holder_name"], "李**");
        assert_eq!(json["address"], "***");
        // Not declared here: as it was.
        assert_eq!(json["name"], "弋阳县人民法院");
        assert_eq!(json["phone"], "13800000000");
    }
}
