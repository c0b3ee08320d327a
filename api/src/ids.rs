//! Global ids (Relay object identification): the opaque base64 of `Type:key`. Types encode
//! their ids here and inputs decode them here; resolving an id to a record is `node.rs`'s
//! job, so record types depend on this codec and the Node resolver on the types, with no loop.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::AppError;

/// The global id of record `key` of type `kind`.
pub fn global(kind: &str, key: impl std::fmt::Display) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{kind}:{key}")))
}

/// The type and key inside a global id, if it is one.
pub fn decode(id: &str) -> Option<(String, String)> {
    let bytes = URL_SAFE_NO_PAD.decode(id.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (kind, key) = text.split_once(':')?;
    Some((kind.to_owned(), key.to_owned()))
}

/// The numeric key of a global id of type `kind`, or None.
pub fn key_of(kind: &str, id: &ID) -> Option<i64> {
    decode(id)
        .filter(|(k, _)| k == kind)
        .and_then(|(_, key)| key.parse().ok())
}

/// The numeric key of an input id of type `kind`; BAD_USER_INPUT naming `field` otherwise.
pub fn parse(field: &str, kind: &str, id: &ID) -> Result<i64, AppError> {
    key_of(kind, id).ok_or_else(|| AppError::bad_input(field, format!("{field} is not the id of a {kind}")))
}
