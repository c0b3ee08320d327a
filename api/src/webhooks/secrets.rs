//! Endpoint signing secrets at rest: encrypted with ChaCha20-Poly1305 under a 32-byte key
//! from the configuration (`WEBHOOK_SECRET_KEY`), bound to their endpoint's uuid (the
//! additional data, so a secret copied to another row does not open).
//!
//! Stored form: `v1:<key id>:<nonce>:<ciphertext>`, where the key id is the hex of the first
//! 8 bytes of the key's SHA-256, and nonce (12 random bytes) and ciphertext (with its tag)
//! are base64url without padding. A value without the `v1:` prefix is a secret stored in
//! clear before encryption existed; `reencrypt` (run at every start) puts those, and those
//! under the previous key (`WEBHOOK_SECRET_KEY_PREVIOUS`), under the current key.
//!
//! Production refuses to start without a key; elsewhere a fixed development key (derived
//! from a constant, the same in every process) is used, with a warning.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use entity::webhook::endpoint;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use sha2::{Digest, Sha256};

use crate::config::WebhookSettings;
use crate::error::AppResult;

/// Prefix of an encrypted secret (and the format's version).
pub const PREFIX: &str = "v1:";
/// What the development key is derived from; never used in production.
const DEVELOPMENT_KEY_SEED: &str = "survey-platform webhook secrets: development key, never for production";

struct Key {
    /// Hex of the first 8 bytes of the key's SHA-256.
    id: String,
    aead: LessSafeKey,
}

impl Key {
    fn new(bytes: &[u8; 32]) -> Self {
        let id = Sha256::digest(bytes)[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let unbound = UnboundKey::new(&CHACHA20_POLY1305, bytes).expect("a 32-byte ChaCha20-Poly1305 key");
        Key {
            id,
            aead: LessSafeKey::new(unbound),
        }
    }
}

/// Why a stored secret does not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreadable {
    /// Encrypted under a key this process does not have.
    UnknownKey,
    /// Not of the stored form, or it does not authenticate (altered, or another row's).
    Corrupt,
}

/// Where a stored secret stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Under the current key: nothing to do.
    Current,
    /// In clear, or under the previous key: to re-encrypt.
    Stale,
    /// Under a key this process does not have.
    UnknownKey,
}

/// The current key (encrypts and decrypts) and the previous one (decrypts only).
pub struct SecretKeys {
    current: Key,
    previous: Option<Key>,
    rng: SystemRandom,
}

impl std::fmt::Debug for SecretKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretKeys")
            .field("current", &self.current.id)
            .field("previous", &self.previous.as_ref().map(|k| &k.id))
            .finish()
    }
}

/// A 32-byte key given as base64 (standard or URL-safe, padded or not) or 64 hex digits.
pub fn parse_key(name: &str, value: &str) -> anyhow::Result<[u8; 32]> {
    let value = value.trim();
    let bytes = if value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
        (0..32)
            .map(|i| u8::from_str_radix(&value[2 * i..2 * i + 2], 16))
            .collect::<Result<Vec<u8>, _>>()
            .ok()
    } else {
        [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(value).ok())
    };
    bytes.and_then(|b| <[u8; 32]>::try_from(b).ok()).ok_or_else(|| {
        anyhow::anyhow!(
            "{name} must be 32 bytes as base64 or 64 hex digits (for example `openssl rand -base64 32`)"
        )
    })
}

impl SecretKeys {
    /// From `WEBHOOK_SECRET_KEY` and `WEBHOOK_SECRET_KEY_PREVIOUS`; production refuses to
    /// start without the key (or with the development key).
    pub fn from_settings(s: &WebhookSettings, production: bool) -> anyhow::Result<Self> {
        let development: [u8; 32] = Sha256::digest(DEVELOPMENT_KEY_SEED.as_bytes()).into();
        let current = match &s.secret_key {
            Some(value) => parse_key("WEBHOOK_SECRET_KEY", value)?,
            None if production => anyhow::bail!(
                "APP_ENV=production needs WEBHOOK_SECRET_KEY (32 bytes, base64 or hex) to encrypt the \
                 webhook signing secrets; refusing to start"
            ),
            None => {
                tracing::warn!(
                    "WEBHOOK_SECRET_KEY is not set: webhook signing secrets are encrypted with the fixed \
                     development key, which anyone with the source can read; set it in production"
                );
                development
            }
        };
        anyhow::ensure!(
            !(production && current == development),
            "WEBHOOK_SECRET_KEY is the development key; refusing to start in production"
        );
        let previous = match &s.secret_key_previous {
            Some(value) => Some(parse_key("WEBHOOK_SECRET_KEY_PREVIOUS", value)?),
            None => None,
        };
        Ok(Self::new(&current, previous.as_ref()))
    }

    pub fn new(current: &[u8; 32], previous: Option<&[u8; 32]>) -> Self {
        let current = Key::new(current);
        let previous = previous.map(Key::new).filter(|p| p.id != current.id);
        SecretKeys {
            current,
            previous,
            rng: SystemRandom::new(),
        }
    }

    /// The current key's id.
    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    /// `clear` encrypted under the current key, bound to `endpoint_uuid`.
    pub fn seal(&self, clear: &str, endpoint_uuid: &str) -> anyhow::Result<String> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .map_err(|_| anyhow::anyhow!("no random bytes for a nonce"))?;
        let mut sealed = clear.as_bytes().to_vec();
        self.current
            .aead
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(endpoint_uuid.as_bytes()),
                &mut sealed,
            )
            .map_err(|_| anyhow::anyhow!("encrypting a webhook secret failed"))?;
        Ok(format!(
            "{PREFIX}{}:{}:{}",
            self.current.id,
            URL_SAFE_NO_PAD.encode(nonce),
            URL_SAFE_NO_PAD.encode(sealed)
        ))
    }

    fn key(&self, id: &str) -> Option<&Key> {
        std::iter::once(&self.current)
            .chain(self.previous.as_ref())
            .find(|k| k.id == id)
    }

    /// The clear secret of a stored one (a legacy clear secret is returned as it is).
    pub fn open(&self, stored: &str, endpoint_uuid: &str) -> Result<String, Unreadable> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_owned());
        };
        let mut parts = rest.split(':');
        let (Some(id), Some(nonce), Some(sealed), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Unreadable::Corrupt);
        };
        let key = self.key(id).ok_or(Unreadable::UnknownKey)?;
        let nonce = URL_SAFE_NO_PAD
            .decode(nonce)
            .ok()
            .and_then(|n| Nonce::try_assume_unique_for_key(&n).ok())
            .ok_or(Unreadable::Corrupt)?;
        let mut sealed = URL_SAFE_NO_PAD.decode(sealed).map_err(|_| Unreadable::Corrupt)?;
        let clear = key
            .aead
            .open_in_place(nonce, Aad::from(endpoint_uuid.as_bytes()), &mut sealed)
            .map_err(|_| Unreadable::Corrupt)?;
        String::from_utf8(clear.to_vec()).map_err(|_| Unreadable::Corrupt)
    }

    /// Where a stored secret stands.
    pub fn standing(&self, stored: &str) -> Standing {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Standing::Stale;
        };
        match rest.split(':').next() {
            Some(id) if id == self.current.id => Standing::Current,
            Some(id) if self.key(id).is_some() => Standing::Stale,
            _ => Standing::UnknownKey,
        }
    }
}

/// What `reencrypt` did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reencrypted {
    /// Secrets put under the current key (from clear or the previous key).
    pub changed: u64,
    /// Secrets under a key this process does not have (left as they are).
    pub unreadable: u64,
}

/// Puts every secret stored in clear or under the previous key under the current key. Each
/// row is written only if it still holds what was read, so several processes starting at
/// once (or with different keys during a rotation) never overwrite each other's work.
pub async fn reencrypt(db: &DatabaseConnection, keys: &SecretKeys) -> AppResult<Reencrypted> {
    let rows: Vec<(i64, String, String)> = endpoint::Entity::find()
        .select_only()
        .column(endpoint::Column::Id)
        .column(endpoint::Column::Uuid)
        .column(endpoint::Column::Secret)
        .into_tuple()
        .all(db)
        .await?;
    let mut done = Reencrypted::default();
    for (id, uuid, stored) in rows {
        match keys.standing(&stored) {
            Standing::Current => continue,
            Standing::UnknownKey => {
                done.unreadable += 1;
                continue;
            }
            Standing::Stale => {}
        }
        let Ok(clear) = keys.open(&stored, &uuid) else {
            done.unreadable += 1;
            continue;
        };
        let sealed = keys
            .seal(&clear, &uuid)
            .map_err(crate::error::AppError::Internal)?;
        let updated = endpoint::Entity::update_many()
            .col_expr(endpoint::Column::Secret, Expr::value(sealed))
            .filter(endpoint::Column::Id.eq(id))
            .filter(endpoint::Column::Secret.eq(stored))
            .exec(db)
            .await?;
        done.changed += updated.rows_affected;
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: [u8; 32] = [7; 32];
    const B: [u8; 32] = [9; 32];

    #[test]
    fn a_sealed_secret_opens_for_its_endpoint_only_and_fits_the_column() {
        let keys = SecretKeys::new(&A, None);
        let secret = crate::webhooks::signing::new_secret().unwrap();
        let uuid = "0b6c1a9e-5a51-4a39-9a3c-0d8e8c1f2b3a";
        let sealed = keys.seal(&secret, uuid).unwrap();
        assert!(
            sealed.starts_with(&format!("v1:{}:", keys.current_id())),
            "{sealed}"
        );
        assert_eq!(keys.current_id().len(), 16);
        assert!(!sealed.contains(&secret[6..]));
        // The column is VARCHAR(128).
        assert!(sealed.len() <= 128, "{} characters", sealed.len());
        assert_eq!(keys.open(&sealed, uuid).unwrap(), secret);
        assert_ne!(
            keys.seal(&secret, uuid).unwrap(),
            sealed,
            "a fresh nonce each time"
        );
        assert_eq!(keys.open(&sealed, "another-endpoint"), Err(Unreadable::Corrupt));
        let mut altered = sealed.clone().into_bytes();
        let last = altered.len() - 2;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            keys.open(&String::from_utf8(altered).unwrap(), uuid),
            Err(Unreadable::Corrupt)
        );
        // A legacy clear secret reads as it is, and is stale.
        assert_eq!(keys.open(&secret, uuid).unwrap(), secret);
        assert_eq!(keys.standing(&secret), Standing::Stale);
        assert_eq!(keys.standing(&sealed), Standing::Current);
    }

    #[test]
    fn the_previous_key_still_opens_and_another_key_does_not() {
        let old = SecretKeys::new(&A, None);
        let sealed = old.seal("whsec_c2VjcmV0", "u").unwrap();
        let rotated = SecretKeys::new(&B, Some(&A));
        assert_eq!(rotated.standing(&sealed), Standing::Stale);
        assert_eq!(rotated.open(&sealed, "u").unwrap(), "whsec_c2VjcmV0");
        let resealed = rotated.seal("whsec_c2VjcmV0", "u").unwrap();
        assert_eq!(rotated.standing(&resealed), Standing::Current);
        let only_b = SecretKeys::new(&B, None);
        assert_eq!(only_b.standing(&sealed), Standing::UnknownKey);
        assert_eq!(only_b.open(&sealed, "u"), Err(Unreadable::UnknownKey));
        assert_eq!(old.open(&resealed, "u"), Err(Unreadable::UnknownKey));
    }

    #[test]
    fn keys_are_32_bytes_of_base64_or_hex() {
        let hex = "07".repeat(32);
        assert_eq!(parse_key("K", &hex).unwrap(), A);
        assert_eq!(parse_key("K", &STANDARD.encode(A)).unwrap(), A);
        assert_eq!(parse_key("K", &URL_SAFE_NO_PAD.encode(B)).unwrap(), B);
        assert!(parse_key("K", &STANDARD.encode([1u8; 16])).is_err());
        assert!(parse_key("K", "not a key").is_err());
        assert!(parse_key("K", &"zz".repeat(32)).is_err());
    }

    #[test]
    fn production_needs_a_key_of_its_own() {
        let unset = WebhookSettings::default();
        let err = SecretKeys::from_settings(&unset, true).unwrap_err().to_string();
        assert!(err.contains("WEBHOOK_SECRET_KEY"), "{err}");
        let development = SecretKeys::from_settings(&unset, false).unwrap();
        assert_eq!(
            development.current_id(),
            SecretKeys::from_settings(&unset, false).unwrap().current_id(),
            "the development key is the same in every process"
        );
        let given = WebhookSettings {
            secret_key: Some(STANDARD.encode(A)),
            ..Default::default()
        };
        assert_eq!(
            SecretKeys::from_settings(&given, true).unwrap().current_id(),
            SecretKeys::new(&A, None).current_id()
        );
        let bad = WebhookSettings {
            secret_key: Some("short".to_owned()),
            ..Default::default()
        };
        assert!(SecretKeys::from_settings(&bad, true).is_err());
        let dev_in_prod = WebhookSettings {
            secret_key: Some(STANDARD.encode(Sha256::digest(DEVELOPMENT_KEY_SEED.as_bytes()))),
            ..Default::default()
        };
        assert!(SecretKeys::from_settings(&dev_in_prod, true).is_err());
    }
}
