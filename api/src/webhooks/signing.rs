//! Standard Webhooks signing (https://www.standardwebhooks.com): a secret `whsec_` + base64
//! of random bytes, and `webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`
//! where the key is the base64-decoded part of the secret after `whsec_`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Prefix of every secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// Random bytes in a new secret (the specification asks for 24 to 64).
const SECRET_BYTES: usize = 32;

/// A new random secret, `whsec_` + base64 of 32 random bytes.
pub fn new_secret() -> anyhow::Result<String> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no random bytes for a secret: {e}"))?;
    Ok(format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes)))
}

/// The signing key of a secret: the bytes its base64 part decodes to.
pub fn key(secret: &str) -> anyhow::Result<Vec<u8>> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    STANDARD
        .decode(encoded)
        .map_err(|_| anyhow::anyhow!("the endpoint's secret is not base64"))
}

/// The `webhook-signature` header value for message `id` sent at `timestamp` (unix seconds).
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> anyhow::Result<String> {
    let key = key(secret)?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(&key).map_err(|_| anyhow::anyhow!("unusable signing key"))?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    Ok(format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_standard_webhooks_reference_vector() {
        // The example of the Standard Webhooks reference libraries.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            signature(secret, id, 1614265330, body).unwrap(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn new_secrets_are_random_and_decode_to_32_bytes() {
        let a = new_secret().unwrap();
        assert!(a.starts_with("whsec_"));
        assert_eq!(key(&a).unwrap().len(), 32);
        assert_ne!(a, new_secret().unwrap());
    }
}
