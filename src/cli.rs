//! The command line: `serve` (the default), and dev mode's `token` and
//! `jwks`. Parsing only; `main.rs` runs what it says.

use std::path::PathBuf;

use crate::dev::TokenRequest;

/// The usage text, printed for `--help` and after a usage error.
pub const USAGE: &str = "\
usage: cognito-guard [--env-file FILE] [serve]
       cognito-guard [--env-file FILE] jwks
       cognito-guard [--env-file FILE] policy check|explain|schema [options]
       cognito-guard [--env-file FILE] token [--sub ID] [--username NAME] [--email ADDR | --no-email]
                                          [--group NAME]... [--ttl SECS] [--access] [--count N]
                                          [--issuer URL] [--client-credentials] [--scope SCOPES]
                                          [--attribute custom:NAME=VALUE]...

serve   run the server (settings from the environment, a .env file, or --env-file)
token   print a token signed by the dev issuer (AUTH_MODE=dev), for trying the API with curl;
        --count N prints N distinct tokens (sub and username get a -<i> suffix), one per line;
        --issuer URL sets `iss` (for a cognito-mode server trusting DEV_SIGNING_KEY_FILE's key);
        --client-credentials --scope S prints a machine's access token (client-credentials grant);
        --attribute custom:tenant_id=acme adds a custom attribute to an ID token
policy check [--config FILE]
        validate GUARD_CONFIG (rules, pools, policies, schema) offline; exit 2 with the start's message
policy explain --token T --method M --path P [--unverified] [--config FILE]
        the rule a request meets, the Cedar request the policies see, and what decided;
        --unverified skips the signature (a token whose keys cannot be fetched), and says so
policy schema [--config FILE]
        print a Cedar schema for the configured policy rules, to start from
jwks    print the JWKS of the dev signing key (DEV_SIGNING_KEY_FILE; a cognito-mode server
        refuses the committed dev key, so benchmarks serve one of their own)";

/// Most tokens one `token --count` may print; enough for any load test.
const MAX_TOKEN_COUNT: usize = 1_000_000;

/// What the command line asks for.
pub enum Command {
    /// Run the server.
    Serve,
    /// Print this many dev tokens for this request.
    Token(TokenRequest, usize),
    /// Print the dev signing key's JWKS.
    Jwks,
    /// A `policy` command, with the `--config` file that overrides
    /// `GUARD_CONFIG`.
    Policy(PolicyCommand, Option<PathBuf>),
}

/// What `cognito-guard policy` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyCommand {
    /// Validate the configuration offline.
    Check,
    /// Explain the decision on one request.
    Explain(ExplainRequest),
    /// Print a schema to start from.
    Schema,
}

/// The request `policy explain` explains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainRequest {
    /// The bearer token (without `Bearer `).
    pub token: String,
    /// The original method.
    pub method: String,
    /// The original path (a query is dropped, as at `/auth`).
    pub path: String,
    /// Skip the signature check.
    pub unverified: bool,
}

/// The `--env-file` path and the command, or a usage error (`"help"` for
/// `--help`).
pub fn parse_args(
    args: impl Iterator<Item = String>,
) -> Result<(Option<PathBuf>, Command), String> {
    let mut args = args.peekable();
    let mut env_file = None;
    if args.peek().map(String::as_str) == Some("--env-file") {
        args.next();
        env_file = Some(args.next().ok_or("--env-file needs a path")?.into());
    }
    match args.next().as_deref() {
        None | Some("serve") => match args.next() {
            None => Ok((env_file, Command::Serve)),
            Some(extra) => Err(format!("unexpected argument `{extra}`")),
        },
        Some("token") => {
            parse_token_args(args).map(|(r, count)| (env_file, Command::Token(r, count)))
        }
        Some("jwks") => Ok((env_file, Command::Jwks)),
        Some("policy") => {
            parse_policy_args(args).map(|(c, config)| (env_file, Command::Policy(c, config)))
        }
        Some("-h" | "--help" | "help") => Err("help".to_owned()),
        Some(other) => Err(format!("unknown command `{other}`")),
    }
}

fn parse_policy_args(
    mut args: impl Iterator<Item = String>,
) -> Result<(PolicyCommand, Option<PathBuf>), String> {
    let which = args
        .next()
        .ok_or("policy needs a command: check, explain or schema")?;
    let mut config = None;
    let (mut token, mut method, mut path, mut unverified) = (None, None, None, false);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match (which.as_str(), flag.as_str()) {
            (_, "--config") => config = Some(PathBuf::from(value()?)),
            ("explain", "--token") => token = Some(value()?),
            ("explain", "--method") => method = Some(value()?),
            ("explain", "--path") => path = Some(value()?),
            ("explain", "--unverified") => unverified = true,
            _ => return Err(format!("unknown policy {which} option `{flag}`")),
        }
    }
    let command = match which.as_str() {
        "check" => PolicyCommand::Check,
        "schema" => PolicyCommand::Schema,
        "explain" => {
            let token = token.ok_or("policy explain needs --token")?;
            let token = token
                .strip_prefix("Bearer ")
                .unwrap_or(&token)
                .trim()
                .to_owned();
            PolicyCommand::Explain(ExplainRequest {
                token,
                method: method.ok_or("policy explain needs --method")?,
                path: path.ok_or("policy explain needs --path")?,
                unverified,
            })
        }
        other => {
            return Err(format!(
                "unknown policy command `{other}` (check, explain or schema)"
            ))
        }
    };
    Ok((command, config))
}

fn parse_token_args(
    mut args: impl Iterator<Item = String>,
) -> Result<(TokenRequest, usize), String> {
    let mut request = TokenRequest::default();
    let mut count = 1;
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--sub" => request.sub = value()?,
            "--username" => request.username = value()?,
            "--email" => request.email = Some(value()?),
            "--no-email" => request.email = None,
            "--group" => request.groups.push(value()?),
            "--ttl" => {
                let ttl = value()?;
                request.ttl_secs = ttl
                    .parse()
                    .map_err(|_| format!("--ttl takes seconds, not `{ttl}`"))?;
            }
            "--access" => request.access = true,
            "--client-credentials" => request.client_credentials = true,
            "--scope" => request.scope = Some(value()?),
            "--attribute" => {
                let pair = value()?;
                let attribute = pair
                    .split_once('=')
                    .filter(|(name, _)| name.len() > "custom:".len() && name.starts_with("custom:"))
                    .ok_or(format!("--attribute takes custom:NAME=VALUE, not `{pair}`"))?;
                request
                    .attributes
                    .push((attribute.0.to_owned(), attribute.1.to_owned()));
            }
            "--issuer" => request.issuer = value()?,
            "--count" => {
                let n = value()?;
                count = n
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_TOKEN_COUNT).contains(n))
                    .ok_or(format!("--count takes 1 to {MAX_TOKEN_COUNT}, not `{n}`"))?;
            }
            other => return Err(format!("unknown token option `{other}`")),
        }
    }
    if request.client_credentials && request.scope.is_none() {
        return Err("--client-credentials needs --scope".to_owned());
    }
    Ok((request, count))
}
