//! Token verification and issuing.
//!
//! Keys are chosen by `kid` among the configured ones only, each pinned to one algorithm:
//! the local HS256 secret (`kid` `local`, also used for tokens without a `kid`), public
//! keys from PEM files, a JWKS file, and a JWKS URL fetched, cached and refreshed. An
//! unknown `kid` triggers at most one fetch per `JWKS_MIN_REFETCH`, so it cannot cause a
//! fetch storm. `none` never verifies; `exp`, `iss` and `aud` are required, `nbf` is
//! honoured, and both must be numbers.

use anyhow::Context as _;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, RwLock};

use crate::config::Settings;
use crate::error::{AppError, AppResult};

/// The `kid` of tokens this server issues.
pub const LOCAL_KID: &str = "local";
/// An unknown `kid` refetches the JWKS at most this often.
const JWKS_MIN_REFETCH: Duration = Duration::from_secs(60);
/// A fetched JWKS is refreshed after this long.
const JWKS_MAX_AGE: Duration = Duration::from_secs(600);

/// The claims the platform reads. `iss` and `aud` are checked by the library against the
/// configured values; typed `exp`/`nbf` make a string value a decoding error.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    /// Every role the holder may act in.
    pub roles: Vec<String>,
    /// The default role.
    pub role: String,
    /// Root of the holder's region scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    /// Built-in account id, on tokens this server issues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<i64>,
    /// Version of the account when the token was issued: a change of roles, scope or
    /// status raises it and so ends the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uver: Option<i32>,
    pub iss: String,
    pub aud: String,
}

#[derive(Clone)]
struct Key {
    alg: Algorithm,
    key: DecodingKey,
}

struct RemoteJwks {
    url: String,
    client: reqwest::Client,
    keys: RwLock<HashMap<String, Key>>,
    /// When the last fetch started (successful or not).
    last_fetch: Mutex<Option<Instant>>,
    fetches: std::sync::atomic::AtomicU64,
}

/// Every key the server accepts, and the local signing key.
pub struct KeyStore {
    keys: HashMap<String, Key>,
    remote: Option<RemoteJwks>,
    signing: EncodingKey,
    pub issuer: String,
    pub audience: String,
    pub leeway: u64,
    pub access_ttl: u64,
}

fn unauthenticated(msg: &str) -> AppError {
    AppError::Unauthenticated(msg.to_owned())
}

/// Reads keys of a JWKS; keys without `kid` or of an unsupported type are skipped.
fn keys_of_jwks(set: &JwkSet) -> HashMap<String, Key> {
    let mut out = HashMap::new();
    for jwk in &set.keys {
        let Some(kid) = jwk.common.key_id.clone() else {
            continue;
        };
        let alg = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => Algorithm::RS256,
            AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => Algorithm::ES256,
            AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P384 => Algorithm::ES384,
            _ => continue,
        };
        // A JWK that names its algorithm is pinned to it, if it agrees with the key type.
        if let Some(named) = jwk.common.key_algorithm
            && format!("{named:?}") != format!("{alg:?}")
        {
            continue;
        }
        if let Ok(key) = DecodingKey::from_jwk(jwk) {
            out.insert(kid, Key { alg, key });
        }
    }
    out
}

impl KeyStore {
    /// Builds the key store; refuses a local secret shorter than 32 bytes.
    pub fn from_settings(s: &Settings) -> anyhow::Result<Self> {
        let secret: Vec<u8> = match &s.jwt_secret {
            Some(secret) if secret.len() < 32 => {
                anyhow::bail!("JWT_SECRET must be at least 32 bytes; refusing to start")
            }
            Some(secret) => secret.as_bytes().to_vec(),
            None if s.production => {
                anyhow::bail!("APP_ENV=production needs JWT_SECRET (at least 32 bytes); refusing to start")
            }
            None => {
                tracing::warn!(
                    "JWT_SECRET is not set: using a random secret; issued tokens end with this process"
                );
                let mut bytes = vec![0u8; 32];
                getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("random secret: {e}"))?;
                bytes
            }
        };
        let mut keys = HashMap::new();
        keys.insert(
            LOCAL_KID.to_owned(),
            Key {
                alg: Algorithm::HS256,
                key: DecodingKey::from_secret(&secret),
            },
        );
        if let Some(spec) = &s.jwt_public_keys {
            for item in spec.split([';', ',']).map(str::trim).filter(|i| !i.is_empty()) {
                let (kid, rest) = item
                    .split_once('=')
                    .with_context(|| format!("JWT_PUBLIC_KEYS entry {item:?} is not kid=ALG:path"))?;
                let (alg, path) = rest
                    .split_once(':')
                    .with_context(|| format!("JWT_PUBLIC_KEYS entry {item:?} is not kid=ALG:path"))?;
                let pem = std::fs::read(path).with_context(|| format!("reading public key {path}"))?;
                let (alg, key) = match alg {
                    "RS256" => (Algorithm::RS256, DecodingKey::from_rsa_pem(&pem)?),
                    "ES256" => (Algorithm::ES256, DecodingKey::from_ec_pem(&pem)?),
                    other => anyhow::bail!("JWT_PUBLIC_KEYS: unsupported algorithm {other} (RS256 or ES256)"),
                };
                anyhow::ensure!(
                    kid != LOCAL_KID,
                    "kid {LOCAL_KID:?} is reserved for the local secret"
                );
                keys.insert(kid.to_owned(), Key { alg, key });
            }
        }
        if let Some(path) = &s.jwt_jwks_file {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading JWKS file {path}"))?;
            let set: JwkSet =
                serde_json::from_str(&text).with_context(|| format!("parsing JWKS file {path}"))?;
            for (kid, key) in keys_of_jwks(&set) {
                if kid != LOCAL_KID {
                    keys.insert(kid, key);
                }
            }
        }
        let remote = s.jwt_jwks_url.as_ref().map(|url| RemoteJwks {
            url: url.clone(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap_or_default(),
            keys: RwLock::new(HashMap::new()),
            last_fetch: Mutex::new(None),
            fetches: Default::default(),
        });
        Ok(KeyStore {
            keys,
            remote,
            signing: EncodingKey::from_secret(&secret),
            issuer: s.jwt_issuer.clone(),
            audience: s.jwt_audience.clone(),
            leeway: s.jwt_leeway_secs,
            access_ttl: s.access_token_ttl_secs,
        })
    }

    /// How many times the JWKS URL was fetched (for tests and metrics).
    pub fn jwks_fetches(&self) -> u64 {
        self.remote
            .as_ref()
            .map_or(0, |r| r.fetches.load(std::sync::atomic::Ordering::SeqCst))
    }

    async fn remote_key(&self, kid: &str) -> Option<Key> {
        let remote = self.remote.as_ref()?;
        let fresh = |last: &Option<Instant>| last.is_some_and(|t| t.elapsed() <= JWKS_MAX_AGE);
        if fresh(&*remote.last_fetch.lock().await)
            && let Some(k) = remote.keys.read().await.get(kid)
        {
            return Some(k.clone());
        }
        {
            // One fetch at a time; whoever waited re-reads the state the fetch left.
            let mut last = remote.last_fetch.lock().await;
            let known = remote.keys.read().await.contains_key(kid);
            let recent = last.is_some_and(|t| t.elapsed() <= JWKS_MIN_REFETCH);
            // Refresh a stale set, or look for an unknown kid at most once per JWKS_MIN_REFETCH.
            if !fresh(&last) || (!known && !recent) {
                *last = Some(Instant::now());
                remote.fetches.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                match remote.client.get(&remote.url).send().await {
                    Ok(resp) => match resp.json::<JwkSet>().await {
                        Ok(set) => *remote.keys.write().await = keys_of_jwks(&set),
                        Err(e) => tracing::warn!(error = %e, "JWKS response is not a key set"),
                    },
                    Err(e) => tracing::warn!(error = %e, "fetching JWKS failed"),
                }
            }
        }
        remote.keys.read().await.get(kid).cloned()
    }

    /// Verifies a bearer token and returns its claims.
    pub async fn verify(&self, token: &str) -> AppResult<Claims> {
        let header = decode_header(token).map_err(|_| unauthenticated("malformed token"))?;
        let kid = header.kid.clone().unwrap_or_else(|| LOCAL_KID.to_owned());
        let key = match self.keys.get(&kid) {
            Some(k) => k.clone(),
            None => self
                .remote_key(&kid)
                .await
                .ok_or_else(|| unauthenticated("token signed with an unknown key"))?,
        };
        if header.alg != key.alg {
            return Err(unauthenticated("token algorithm does not match its key"));
        }
        let mut validation = Validation::new(key.alg);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = self.leeway;
        let data = decode::<Claims>(token, &key.key, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            let msg = match e.kind() {
                ErrorKind::ExpiredSignature => "token expired",
                ErrorKind::ImmatureSignature => "token not yet valid",
                ErrorKind::InvalidIssuer => "token issuer not accepted",
                ErrorKind::InvalidAudience => "token audience not accepted",
                ErrorKind::InvalidSignature => "token signature invalid",
                ErrorKind::MissingRequiredClaim(_) => "token lacks a required claim",
                _ => "invalid token",
            };
            unauthenticated(msg)
        })?;
        Ok(data.claims)
    }

    /// Issues a local HS256 token; `account` (id, version) for built-in accounts, checked on
    /// every request.
    pub fn issue(
        &self,
        sub: &str,
        account: Option<(i64, i32)>,
        roles: &[String],
        role: &str,
        region: Option<&str>,
        ttl: u64,
    ) -> AppResult<String> {
        let now = chrono::Utc::now().timestamp().max(0) as u64;
        let claims = Claims {
            sub: sub.to_owned(),
            roles: roles.to_vec(),
            role: role.to_owned(),
            region: region.map(str::to_owned),
            exp: now + ttl,
            nbf: Some(now),
            iat: Some(now),
            uid: account.map(|a| a.0),
            uver: account.map(|a| a.1),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(LOCAL_KID.to_owned());
        encode(&header, &claims, &self.signing).map_err(|e| AppError::Internal(e.into()))
    }
}
