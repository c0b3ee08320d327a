//! The offline console: GraphiQL served from the binary. `GET /graphql` without a `query`
//! answers the page, which loads React, GraphiQL and its stylesheet from `/graphiql/*`,
//! embedded at build time from `api/assets/graphiql/` (pinned, unmodified npm builds; their
//! versions, checksums and licences are in that folder). Nothing is fetched from elsewhere,
//! and the Content-Security-Policy allows nothing external.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

/// The page and every asset it loads allow only this server. `font-src data:`: the fonts
/// are inside the stylesheet. The style hash is the one `<style>` GraphiQL 3.9.0 inserts
/// when a dialog opens (its scroll lock); `assets/graphiql/README.md` says how to recompute it.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'sha256-Y/huXlwoYkVyQlxwSVcCi1RCDGDCSVBzDt0hYP9qlTc='; img-src 'self' data:; \
     font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const INDEX: &str = include_str!("../assets/graphiql/index.html");

/// The assets under `/graphiql/`: name, content type, bytes.
const ASSETS: [(&str, &str, &[u8]); 5] = [
    (
        "init.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/graphiql/init.js"),
    ),
    (
        "react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/graphiql/react-dom.production.min.js"),
    ),
    (
        "graphiql.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/graphiql/graphiql.min.js"),
    ),
    (
        "graphiql.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/graphiql/graphiql.min.css"),
    ),
];

fn secured(mut builder: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    builder
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"));
    builder
}

/// The console page.
pub fn page() -> HttpResponse {
    secured(HttpResponse::Ok())
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(INDEX)
}

/// `GET /graphiql/{name}`: an embedded asset, or 404.
pub async fn asset(name: web::Path<String>, enabled: web::Data<ConsoleEnabled>) -> HttpResponse {
    let found = ASSETS.iter().find(|(n, _, _)| *n == name.as_str());
    match found {
        Some((_, content_type, bytes)) if enabled.0 => secured(HttpResponse::Ok())
            .content_type(*content_type)
            // Versions change only with the binary; an hour keeps reloads cheap.
            .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
            .body(*bytes),
        _ => HttpResponse::NotFound().finish(),
    }
}

/// Whether the console is served (`GRAPHIQL`, off in production).
#[derive(Clone, Copy)]
pub struct ConsoleEnabled(pub bool);
