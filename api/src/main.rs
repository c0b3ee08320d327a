//! `api [serve|migrate|seed|export-schema|persisted-manifest|...]`: the platform's one binary.

use anyhow::Context as _;
use api::config::Settings;
use api::startup::{self, Application};

const USAGE: &str = "usage: api [serve|migrate|seed|export-schema|create-admin USERNAME]
  serve                  migrate, seed an empty database, then serve (default)
  migrate                apply pending migrations
  seed [--scale N]       load the reports' data (idempotent); --scale N loads the
                         records N times over (N = 20: about a million cases)
  export-schema          print the GraphQL SDL
  persisted-manifest FILE...
                         print the persisted operation manifest of a client's .graphql
                         documents (for PERSISTED_OPERATIONS_ONLY): one entry per named
                         operation with the fragments it uses, validated against the schema
  create-admin USERNAME  create the first administrator; the password comes from
                         ADMIN_PASSWORD or, when that is unset, the first line of stdin
  issue-token SUBJECT ROLE [REGION] [TTL_SECONDS]
                         print a token signed with JWT_SECRET (for service accounts such
                         as a partner agency's system; TTL 3600 by default)";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let command = std::env::args().nth(1).unwrap_or_else(|| "serve".to_owned());
    if command == "export-schema" {
        print!("{}", api::schema::sdl());
        return Ok(());
    }
    if command == "persisted-manifest" {
        let files: Vec<String> = std::env::args().skip(2).collect();
        anyhow::ensure!(!files.is_empty(), "persisted-manifest needs FILE...\n{USAGE}");
        let mut documents = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {file}"))?;
            documents.push((file, text));
        }
        let manifest = api::persisted::manifest::build(&documents).await?;
        println!("{}", serde_json::to_string_pretty(&manifest)?);
        return Ok(());
    }
    let _telemetry = api::telemetry::init("info,sqlx=warn,sea_orm=warn")?;
    let settings = Settings::from_env()?;
    match command.as_str() {
        "serve" => {
            tracing::info!(?settings, "starting");
            let app = Application::build(settings).await?;
            tracing::info!(port = app.port(), "listening");
            app.run_until_stopped().await.context("server failed")
        }
        "migrate" => {
            let db = startup::connect(&settings).await?;
            startup::migrate(&db).await
        }
        "seed" => {
            let scale = match (std::env::args().nth(2).as_deref(), std::env::args().nth(3)) {
                (None, _) => 1,
                (Some("--scale"), Some(n)) => n
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .context("--scale takes a number from 1 to 1000")?,
                _ => anyhow::bail!("seed takes `--scale N` or nothing\n{USAGE}"),
            };
            let db = startup::connect(&settings).await?;
            startup::migrate(&db).await?;
            api::seed::run_scaled(&db, scale)
                .await
                .map_err(|e| anyhow::anyhow!("seeding failed: {e:?}"))
        }
        "create-admin" => {
            let username = std::env::args().nth(2).context("create-admin needs a USERNAME")?;
            let password = match std::env::var("ADMIN_PASSWORD") {
                Ok(p) if !p.is_empty() => p,
                _ => {
                    let mut line = String::new();
                    std::io::stdin()
                        .read_line(&mut line)
                        .context("reading the password from stdin")?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let db = startup::connect(&settings).await?;
            startup::migrate(&db).await?;
            let user = api::auth::service::create_admin(&db, &username, &password)
                .await
                .map_err(|e| anyhow::anyhow!("{}: {}", e.code(), e.message()))?;
            println!("created administrator {} (id {})", user.username, user.id);
            Ok(())
        }
        "issue-token" => {
            let args: Vec<String> = std::env::args().skip(2).collect();
            let (Some(subject), Some(role)) = (args.first(), args.get(1)) else {
                anyhow::bail!("issue-token needs SUBJECT and ROLE\n{USAGE}");
            };
            let role = api::access::Role::parse(role).with_context(|| format!("unknown role {role}"))?;
            let region = args.get(2).filter(|r| !r.is_empty());
            anyhow::ensure!(
                region.is_some() || !role.is_scoped(),
                "role {} needs a REGION",
                role.as_str()
            );
            let ttl: u64 = args
                .get(3)
                .map(|t| t.parse())
                .transpose()
                .context("TTL_SECONDS")?
                .unwrap_or(3600);
            anyhow::ensure!(
                settings.jwt_secret.is_some(),
                "set JWT_SECRET: the server must know the key"
            );
            let keys = api::auth::jwt::KeyStore::from_settings(&settings)?;
            let token = keys
                .issue(
                    subject,
                    None,
                    &[role.as_str().to_owned()],
                    role.as_str(),
                    region.map(String::as_str),
                    ttl,
                )
                .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
            println!("{token}");
            Ok(())
        }
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => anyhow::bail!("unknown command {other:?}\n{USAGE}"),
    }
}
