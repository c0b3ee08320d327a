//! Authentication: token verification (good and deliberately bad tokens), roles from
//! `X-Role`, external keys (PEM, JWKS file, JWKS URL), and the built-in accounts.

use crate::helpers::{Seed, TestApp, claims, now, sign_hs, spawn_app, spawn_app_configured, token};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

const ME: &str = "{ me { subject role roles regionCode userId } }";
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures");

fn fixture(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

fn sign(alg: Algorithm, kid: &str, claims: &Value, private_pem: &str) -> String {
    let pem = std::fs::read(fixture(private_pem)).expect("fixture key");
    let key = match alg {
        Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem).expect("rsa key"),
        _ => EncodingKey::from_ec_pem(&pem).expect("ec key"),
    };
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_owned());
    encode(&header, claims, &key).expect("sign")
}

async fn status_and_code(app: &TestApp, token: &str) -> (u16, String) {
    let (status, body) = app.send(Some(token), &[], ME, json!({})).await;
    let code = body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    (status, code)
}

async fn with_keys() -> TestApp {
    spawn_app_configured(Seed::Reference, |s| {
        s.jwt_public_keys = Some(format!(
            "rs1=RS256:{};es1=ES256:{}",
            fixture("rs256_public.pem"),
            fixture("es256_public.pem")
        ));
        s.jwt_jwks_file = Some(fixture("jwks.json"));
    })
    .await
}

#[tokio::test]
async fn no_token_is_anonymous_and_roles_come_from_the_token() {
    let app = spawn_app().await;
    let (status, body) = app.send(None, &[], ME, json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["me"]["role"], "ANONYMOUS");
    // A token with two roles acts in its default role, or the one X-Role picks.
    let t = token("analyst", &["analyst", "court_officer"], Some("361126"));
    let (_, body) = app.send(Some(&t), &[], ME, json!({})).await;
    assert_eq!(body["data"]["me"]["role"], "ANALYST");
    assert_eq!(body["data"]["me"]["regionCode"], "361126");
    let (_, body) = app
        .send(Some(&t), &[("x-role", "court_officer")], ME, json!({}))
        .await;
    assert_eq!(body["data"]["me"]["role"], "COURT_OFFICER");
    // A role outside the token's roles is FORBIDDEN, not a silent fall-back.
    let (status, body) = app.send(Some(&t), &[("x-role", "admin")], ME, json!({})).await;
    assert_eq!(status, 403);
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let (status, _) = app.send(Some(&t), &[("x-role", "emperor")], ME, json!({})).await;
    assert_eq!(status, 403);
    let (status, _) = app.send(None, &[("x-role", "admin")], ME, json!({})).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn deliberately_bad_tokens_are_401() {
    let app = with_keys().await;
    let secret = api::config::TEST_JWT_SECRET.as_bytes();
    let good = claims("analyst", &["analyst"], None);
    assert_eq!(
        status_and_code(&app, &sign_hs(&good, secret, Some("local"))).await,
        (200, String::new())
    );

    let mut cases: Vec<(&str, String)> = Vec::new();
    // alg none, unsigned.
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(good.to_string());
    cases.push(("alg none", format!("{header}.{body}.")));
    cases.push((
        "wrong signature",
        sign_hs(&good, b"another-secret-another-secret-another-1", Some("local")),
    ));
    // HS/RS confusion: HS256 keyed with the RSA public key, claiming the RSA key's kid.
    let public_pem = std::fs::read(fixture("rs256_public.pem")).unwrap();
    cases.push((
        "HS256 with the RS256 key",
        sign_hs(&good, &public_pem, Some("rs1")),
    ));
    // RS256 token claiming the local HS256 key.
    cases.push((
        "RS256 claiming the local kid",
        sign(Algorithm::RS256, "local", &good, "rs256_private.pem"),
    ));
    let mut c = good.clone();
    c["exp"] = json!(now() - 120);
    cases.push(("expired beyond leeway", sign_hs(&c, secret, Some("local"))));
    let mut c = good.clone();
    c["nbf"] = json!(now() + 300);
    cases.push(("not yet valid", sign_hs(&c, secret, Some("local"))));
    let mut c = good.clone();
    c["iss"] = json!("someone-else");
    cases.push(("wrong iss", sign_hs(&c, secret, Some("local"))));
    let mut c = good.clone();
    c.as_object_mut().unwrap().remove("iss");
    cases.push(("missing iss", sign_hs(&c, secret, Some("local"))));
    let mut c = good.clone();
    c["aud"] = json!("another-api");
    cases.push(("wrong aud", sign_hs(&c, secret, Some("local"))));
    let mut c = good.clone();
    c.as_object_mut().unwrap().remove("aud");
    cases.push(("missing aud", sign_hs(&c, secret, Some("local"))));
    let mut c = good.clone();
    c["exp"] = json!((now() + 600).to_string());
    cases.push(("string exp", sign_hs(&c, secret, Some("local"))));
    let mut c = good.clone();
    c["nbf"] = json!(now().to_string());
    cases.push(("string nbf", sign_hs(&c, secret, Some("local"))));
    let mut c = good.clone();
    c.as_object_mut().unwrap().remove("exp");
    cases.push(("missing exp", sign_hs(&c, secret, Some("local"))));
    cases.push(("unknown kid", sign_hs(&good, secret, Some("nobody"))));
    let mut c = good.clone();
    c["role"] = json!("admin");
    cases.push(("role outside roles", sign_hs(&c, secret, Some("local"))));
    cases.push((
        "scoped role without region",
        token("court_officer", &["court_officer"], None),
    ));
    cases.push((
        "unknown region",
        token("court_officer", &["court_officer"], Some("999999")),
    ));
    cases.push(("garbage", "not.a.token".to_owned()));
    for (what, t) in cases {
        assert_eq!(
            status_and_code(&app, &t).await,
            (401, "UNAUTHENTICATED".to_owned()),
            "{what}"
        );
    }
    let (status, _) = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("authorization", "Basic dXNlcjpwYXNz")
        .json(&json!({"query": ME}))
        .send()
        .await
        .map(|r| (r.status().as_u16(), ()))
        .unwrap();
    assert_eq!(status, 401, "a non-Bearer scheme");

    // Within the leeway (30 s) an expired token still passes.
    let mut c = good.clone();
    c["exp"] = json!(now() - 10);
    assert_eq!(
        status_and_code(&app, &sign_hs(&c, secret, Some("local"))).await.0,
        200
    );
    // No kid means the local key.
    assert_eq!(status_and_code(&app, &sign_hs(&good, secret, None)).await.0, 200);
}

#[tokio::test]
async fn external_keys_verify_by_kid() {
    let app = with_keys().await;
    let mut c = claims("supervisor", &["supervisor"], Some("361100"));
    c["sub"] = json!("idp|alice");
    let rs = sign(Algorithm::RS256, "rs1", &c, "rs256_private.pem");
    let (status, body) = app.send(Some(&rs), &[], ME, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["me"]["subject"], "idp|alice");
    let es = sign(Algorithm::ES256, "es1", &c, "es256_private.pem");
    assert_eq!(status_and_code(&app, &es).await.0, 200);
    let jwks = sign(Algorithm::RS256, "rs-jwks", &c, "rs256_private.pem");
    assert_eq!(status_and_code(&app, &jwks).await.0, 200);
    // Keys are pinned: the ES key's kid on an RS256 token fails.
    let crossed = sign(Algorithm::RS256, "es1", &c, "rs256_private.pem");
    assert_eq!(status_and_code(&app, &crossed).await.0, 401);
}

#[tokio::test]
async fn a_short_secret_refuses_to_start() {
    let mut settings = api::config::Settings::for_tests("sqlite::memory:");
    settings.jwt_secret = Some("too-short".into());
    assert!(api::auth::jwt::KeyStore::from_settings(&settings).is_err());
    // Production never runs on a random secret.
    settings.jwt_secret = None;
    settings.production = true;
    assert!(api::auth::jwt::KeyStore::from_settings(&settings).is_err());
    settings.production = false;
    assert!(api::auth::jwt::KeyStore::from_settings(&settings).is_ok());
}

#[tokio::test]
async fn jwks_url_is_cached_and_unknown_kids_cannot_storm_it() {
    use actix_web::{App, HttpResponse, HttpServer, web};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let hits = Arc::new(AtomicUsize::new(0));
    let served = hits.clone();
    let jwks = std::fs::read_to_string(fixture("jwks.json")).unwrap();
    let server = HttpServer::new(move || {
        let (served, jwks) = (served.clone(), jwks.clone());
        App::new().route(
            "/jwks.json",
            web::get().to(move || {
                served.fetch_add(1, Ordering::SeqCst);
                let body = jwks.clone();
                async move { HttpResponse::Ok().content_type("application/json").body(body) }
            }),
        )
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    let app = spawn_app_configured(Seed::Reference, |s| {
        s.jwt_jwks_url = Some(format!("http://127.0.0.1:{port}/jwks.json"));
    })
    .await;
    let c = claims("analyst", &["analyst"], None);
    let good = sign(Algorithm::RS256, "rs-jwks", &c, "rs256_private.pem");
    for _ in 0..5 {
        assert_eq!(status_and_code(&app, &good).await.0, 200);
    }
    assert_eq!(hits.load(Ordering::SeqCst), 1, "the key set is cached");
    let unknown = sign(Algorithm::RS256, "rotated-away", &c, "rs256_private.pem");
    for _ in 0..20 {
        assert_eq!(status_and_code(&app, &unknown).await.0, 401);
    }
    assert!(
        hits.load(Ordering::SeqCst) <= 2,
        "unknown kids fetched {} times",
        hits.load(Ordering::SeqCst)
    );
}

const LOGIN: &str = r#"mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
    accessToken tokenType expiresIn refreshToken user { username roles regionCode } } }"#;
const REFRESH: &str =
    r#"mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }"#;

#[tokio::test]
async fn built_in_accounts_login_refresh_rotation_and_logout() {
    let app = spawn_app().await;
    api::auth::service::create_admin(&app.db, "root", "correct horse battery")
        .await
        .expect("create admin");
    app.act_anonymously();
    let d = app
        .data(LOGIN, json!({"u": "root", "p": "correct horse battery"}))
        .await["login"]
        .clone();
    assert_eq!(d["tokenType"], "Bearer");
    assert_eq!(d["expiresIn"], 900);
    assert_eq!(d["user"]["roles"], json!(["ADMIN"]));
    let access = d["accessToken"].as_str().unwrap().to_owned();
    let (status, me) = app.send(Some(&access), &[], ME, json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(me["data"]["me"]["subject"], "root");
    assert_eq!(me["data"]["me"]["role"], "ADMIN");

    // Refresh rotates; the old refresh token used again revokes the whole family.
    let first = d["refreshToken"].as_str().unwrap().to_owned();
    let r = app.data(REFRESH, json!({"t": first})).await["refreshToken"].clone();
    let second = r["refreshToken"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    assert_eq!(
        app.error_code(REFRESH, json!({"t": first})).await,
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.error_code(REFRESH, json!({"t": second})).await,
        "UNAUTHENTICATED",
        "family revoked"
    );
    assert_eq!(
        app.error_code(REFRESH, json!({"t": "made-up"})).await,
        "UNAUTHENTICATED"
    );

    // Logout ends the session.
    let d = app
        .data(LOGIN, json!({"u": "root", "p": "correct horse battery"}))
        .await["login"]
        .clone();
    let t = d["refreshToken"].as_str().unwrap().to_owned();
    assert_eq!(
        app.data(
            r#"mutation($t: String!) { logout(refreshToken: $t) }"#,
            json!({"t": t})
        )
        .await["logout"],
        true
    );
    assert_eq!(app.error_code(REFRESH, json!({"t": t})).await, "UNAUTHENTICATED");

    // Administration: create a scoped officer, who signs in with that scope.
    app.act_with(&access);
    const CREATE: &str =
        r#"mutation($i: CreateUserInput!) { createUser(input: $i) { id username roles regionCode } }"#;
    let input = |name: &str, password: &str, region: Value| {
        json!({"i": {"username": name, "password": password, "displayName": "弋阳执行干警",
                     "roles": ["COURT_OFFICER"], "defaultRole": "COURT_OFFICER", "regionCode": region}})
    };
    let u = app
        .data(
            CREATE,
            input("officer.yy", "a long enough password", json!("361126")),
        )
        .await["createUser"]
        .clone();
    assert_eq!(
        app.error_code(
            CREATE,
            input("officer.yy", "a long enough password", json!("361126"))
        )
        .await,
        "CONFLICT"
    );
    let err = app
        .error(CREATE, input("officer2", "short", json!("361126")))
        .await;
    assert_eq!(err["extensions"]["field"], "password");
    let err = app
        .error(CREATE, input("officer3", "a long enough password", Value::Null))
        .await;
    assert_eq!(
        err["extensions"]["field"], "regionCode",
        "a court officer needs a scope"
    );
    let err = app
        .error(
            CREATE,
            input("no spaces", "a long enough password", json!("361126")),
        )
        .await;
    assert_eq!(err["extensions"]["field"], "username");

    app.act_anonymously();
    let d = app
        .data(LOGIN, json!({"u": "officer.yy", "p": "a long enough password"}))
        .await["login"]
        .clone();
    let officer = d["accessToken"].as_str().unwrap().to_owned();
    let (_, me) = app.send(Some(&officer), &[], ME, json!({})).await;
    assert_eq!(me["data"]["me"]["regionCode"], "361126");
    assert_eq!(me["data"]["me"]["role"], "COURT_OFFICER");
    // Officers cannot manage users.
    let (_, body) = app
        .send(
            Some(&officer),
            &[],
            CREATE,
            input("x1234", "a long enough password", json!("361126")),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");

    // Disabling locks the account out at once, tokens included.
    app.act_with(&access);
    app.data(
        r#"mutation($id: ID!) { disableUser(id: $id, expectedVersion: 1) { disabled } }"#,
        json!({"id": u["id"]}),
    )
    .await;
    let (status, _) = app.send(Some(&officer), &[], ME, json!({})).await;
    assert_eq!(status, 401);
    app.act_anonymously();
    assert_eq!(
        app.error_code(LOGIN, json!({"u": "officer.yy", "p": "a long enough password"}))
            .await,
        "UNAUTHENTICATED"
    );
    // Roles and scope changes.
    app.act_with(&access);
    let d = app
        .data(
            r#"mutation { createUser(input: {username: "analyst1", password: "another long password", displayName: "分析员",
                roles: [ANALYST], defaultRole: ANALYST}) { id } }"#,
            json!({}),
        )
        .await;
    let id = d["createUser"]["id"].clone();
    const ROLES: &str = r#"mutation($id: ID!, $r: [RoleName!]!, $d: RoleName!, $v: Int!) { setUserRoles(id: $id, roles: $r, defaultRole: $d, expectedVersion: $v) { roles defaultRole } }"#;
    let err = app
        .error(
            ROLES,
            json!({"id": id, "r": ["ANALYST", "SUPERVISOR"], "d": "ANALYST", "v": 1}),
        )
        .await;
    assert_eq!(
        err["extensions"]["field"], "regionCode",
        "a supervisor needs a scope"
    );
    let err = app
        .error(
            ROLES,
            json!({"id": id, "r": ["SUPERVISOR"], "d": "ANALYST", "v": 1}),
        )
        .await;
    assert_eq!(err["extensions"]["field"], "defaultRole");
    // A signed-in user whose scope changes must sign in again.
    app.act_anonymously();
    let d = app
        .data(LOGIN, json!({"u": "analyst1", "p": "another long password"}))
        .await;
    let analyst_token = d["login"]["accessToken"].as_str().unwrap().to_owned();
    assert_eq!(app.send(Some(&analyst_token), &[], ME, json!({})).await.0, 200);
    app.act_with(&access);
    let d = app
        .data(
            r#"mutation($id: ID!) { setUserScope(id: $id, regionCode: "361100", expectedVersion: 1) { regionCode version } }"#,
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        app.send(Some(&analyst_token), &[], ME, json!({})).await.0,
        401,
        "the old token ended"
    );
    assert_eq!(d["setUserScope"], json!({"regionCode": "361100", "version": 2}));
    let d = app
        .data(
            ROLES,
            json!({"id": id, "r": ["ANALYST", "SUPERVISOR"], "d": "SUPERVISOR", "v": 2}),
        )
        .await;
    assert_eq!(
        d["setUserRoles"],
        json!({"roles": ["ANALYST", "SUPERVISOR"], "defaultRole": "SUPERVISOR"})
    );
    let err = app
        .error(
            r#"mutation($id: ID!) { disableUser(id: $id, expectedVersion: 1) { id } }"#,
            json!({"id": api::ids::global("User", 9999)}),
        )
        .await;
    assert_eq!(err["extensions"]["code"], "NOT_FOUND");
    let d = app
        .data("{ users { totalCount nodes { username disabled } } }", json!({}))
        .await;
    assert_eq!(d["users"]["totalCount"], 3);
    // Sessions are audited: logins, refreshes, reuse and logouts.
    let d = app
        .data(
            "{ auditLog(first: 100) { nodes { operation actor } } }",
            json!({}),
        )
        .await;
    let ops: Vec<&str> = d["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["operation"].as_str().unwrap())
        .collect();
    for op in [
        "login",
        "refreshToken",
        "refreshTokenReuse",
        "logout",
        "createUser",
        "disableUser",
        "setUserScope",
        "setUserRoles",
    ] {
        assert!(ops.contains(&op), "{op} not audited: {ops:?}");
    }
}

#[tokio::test]
async fn parallel_guesses_cannot_pass_the_login_limit() {
    let app = spawn_app().await;
    api::auth::service::create_admin(&app.db, "root", "correct horse battery")
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..12 {
        let (client, url) = (app.client.clone(), format!("{}/graphql", app.base));
        tasks.push(tokio::spawn(async move {
            let q = format!(
                r#"mutation {{ login(username: "root", password: "wrong guess {i:02}") {{ accessToken }} }}"#
            );
            let body: Value = client
                .post(url)
                .json(&json!({"query": q}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            body["errors"][0]["extensions"]["code"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        }));
    }
    let mut checked = 0;
    for t in tasks {
        match t.await.unwrap().as_str() {
            "UNAUTHENTICATED" => checked += 1,
            "RATE_LIMITED" => {}
            other => panic!("{other}"),
        }
    }
    assert!(checked <= 5, "{checked} passwords were checked; at most 5 may be");
}

#[tokio::test]
async fn failed_logins_are_throttled() {
    let app = spawn_app().await;
    api::auth::service::create_admin(&app.db, "root", "correct horse battery")
        .await
        .unwrap();
    app.act_anonymously();
    for _ in 0..5 {
        assert_eq!(
            app.error_code(LOGIN, json!({"u": "root", "p": "wrong password!"}))
                .await,
            "UNAUTHENTICATED"
        );
    }
    let err = app
        .error(LOGIN, json!({"u": "root", "p": "correct horse battery"}))
        .await;
    assert_eq!(err["extensions"]["code"], "RATE_LIMITED");
    assert!(err["extensions"]["retryAfter"].as_u64().unwrap() > 0);
    // An unknown user reads the same as a wrong password.
    let err = app
        .error(LOGIN, json!({"u": "nobody", "p": "whatever it is"}))
        .await;
    assert_eq!(err["message"], "invalid username or password");
}

#[tokio::test]
async fn operator_issued_tokens_verify() {
    let app = spawn_app().await;
    let settings = api::config::Settings::for_tests("sqlite::memory:");
    let keys = api::auth::jwt::KeyStore::from_settings(&settings).unwrap();
    let t = keys
        .issue(
            "partner-system",
            None,
            &["partner_agency".to_owned()],
            "partner_agency",
            None,
            60,
        )
        .unwrap();
    let (status, body) = app.send(Some(&t), &[], ME, json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["me"]["role"], "PARTNER_AGENCY");
    assert_eq!(body["data"]["me"]["subject"], "partner-system");
}
