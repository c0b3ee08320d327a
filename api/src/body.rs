//! Bodies: requests read under a limit that holds after decompression, and which responses
//! the compression middleware leaves alone.
//!
//! actix-web's own extractors (`web::Bytes`, `web::Json`) inflate a `Content-Encoding: gzip`
//! or `br` body one network chunk at a time, each chunk whole, before they count its bytes: a
//! few kilobytes of a compression bomb become hundreds of megabytes in memory before the
//! limit is seen. Here the encoded body is read first (at most the limit: a compressed body is
//! never larger than what it inflates to, give or take a header), then inflated through a
//! reader that stops one byte past the limit. Either way over the limit is 413
//! `PAYLOAD_TOO_LARGE`; an encoding other than gzip, deflate, br or identity is 415.

use actix_web::http::header;
use actix_web::{HttpRequest, web};
use futures_util::StreamExt as _;
use std::io::Read as _;

/// Why a body could not be read.
#[derive(Debug)]
pub enum BodyError {
    /// Larger than the limit, encoded or decoded.
    TooLarge(usize),
    /// A `Content-Encoding` this server does not decode.
    UnsupportedEncoding(String),
    /// The encoded bytes do not decode.
    Corrupt(&'static str),
    /// The client went away or broke the stream.
    Interrupted,
}

impl BodyError {
    /// The stable code of `extensions.code`.
    pub fn code(&self) -> &'static str {
        match self {
            BodyError::TooLarge(_) => "PAYLOAD_TOO_LARGE",
            BodyError::UnsupportedEncoding(_) => "UNSUPPORTED_CONTENT_ENCODING",
            BodyError::Corrupt(_) | BodyError::Interrupted => "BAD_REQUEST",
        }
    }

    /// A message a person can act on.
    pub fn message(&self) -> String {
        match self {
            BodyError::TooLarge(limit) => format!("the body is larger than {limit} bytes (decompressed)"),
            BodyError::UnsupportedEncoding(e) => {
                format!("Content-Encoding {e:?} is not supported; use gzip, deflate, br or none")
            }
            BodyError::Corrupt(encoding) => format!("the body is not valid {encoding}"),
            BodyError::Interrupted => "the upload was interrupted".to_owned(),
        }
    }

    /// The HTTP status it answers with.
    pub fn status(&self) -> actix_web::http::StatusCode {
        use actix_web::http::StatusCode;
        match self {
            BodyError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::UnsupportedEncoding(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            BodyError::Corrupt(_) | BodyError::Interrupted => StatusCode::BAD_REQUEST,
        }
    }
}

#[derive(Clone, Copy)]
enum Encoding {
    Identity,
    Gzip,
    Deflate,
    Brotli,
}

fn encoding(http: &HttpRequest) -> Result<Encoding, BodyError> {
    let Some(value) = http.headers().get(header::CONTENT_ENCODING) else {
        return Ok(Encoding::Identity);
    };
    let value = value
        .to_str()
        .map_err(|_| BodyError::UnsupportedEncoding("<unreadable>".to_owned()))?
        .trim()
        .to_ascii_lowercase();
    match value.as_str() {
        "" | "identity" => Ok(Encoding::Identity),
        "gzip" | "x-gzip" => Ok(Encoding::Gzip),
        "deflate" => Ok(Encoding::Deflate),
        "br" => Ok(Encoding::Brotli),
        _ => Err(BodyError::UnsupportedEncoding(value)),
    }
}

/// Reads a request's body, decoded, of at most `limit` bytes both before and after decoding.
pub async fn read(
    http: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::Bytes, BodyError> {
    let encoding = encoding(http)?;
    if let Some(length) = http
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        && length > limit
    {
        return Err(BodyError::TooLarge(limit));
    }
    let mut raw = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| BodyError::Interrupted)?;
        if raw.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge(limit));
        }
        raw.extend_from_slice(&chunk);
    }
    let raw = raw.freeze();
    let decoded = match encoding {
        Encoding::Identity => return Ok(raw),
        Encoding::Gzip => inflate(flate2::read::MultiGzDecoder::new(&raw[..]), limit, "gzip")?,
        Encoding::Deflate => inflate(flate2::read::ZlibDecoder::new(&raw[..]), limit, "deflate")?,
        Encoding::Brotli => inflate(brotli::Decompressor::new(&raw[..], 4096), limit, "br")?,
    };
    Ok(web::Bytes::from(decoded))
}

/// Reads a decoder to its end, or to one byte past the limit.
fn inflate(decoder: impl std::io::Read, limit: usize, name: &'static str) -> Result<Vec<u8>, BodyError> {
    let mut out = Vec::new();
    decoder
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|_| BodyError::Corrupt(name))?;
    if out.len() > limit {
        return Err(BodyError::TooLarge(limit));
    }
    Ok(out)
}

/// Answers smaller than this go uncompressed: gzip's header and trailer would outweigh the gain.
pub const MIN_COMPRESSED_BYTES: u64 = 1024;

/// Middleware inside actix-web's `Compress`: marks small answers, and files that are
/// compressed already (xlsx workbooks are zip archives), `Content-Encoding: identity`, which
/// `Compress` leaves as they are (it has no size threshold of its own).
pub async fn small_uncompressed(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use actix_web::body::BodySize;
    let mut res = next.call(req).await?;
    let small = matches!(res.response().body().size(), BodySize::Sized(n) if n < MIN_COMPRESSED_BYTES);
    let zipped = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("spreadsheetml") || v.starts_with("application/zip"));
    if (small || zipped) && !res.headers().contains_key(header::CONTENT_ENCODING) {
        res.headers_mut().insert(
            header::CONTENT_ENCODING,
            header::HeaderValue::from_static("identity"),
        );
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn a_bomb_stops_at_the_limit() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&vec![b' '; 50 * 1024 * 1024]).unwrap();
        let bomb = gz.finish().unwrap();
        assert!(bomb.len() < 100 * 1024);
        let r = inflate(flate2::read::MultiGzDecoder::new(&bomb[..]), 1024, "gzip");
        assert!(matches!(r, Err(BodyError::TooLarge(1024))));
        let ok = inflate(
            flate2::read::MultiGzDecoder::new(&bomb[..]),
            60 * 1024 * 1024,
            "gzip",
        );
        assert_eq!(ok.unwrap().len(), 50 * 1024 * 1024);
    }
}
