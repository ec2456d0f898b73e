//! The cognito-guard binary: `serve` (the default) or, for dev mode, `token`.

use std::path::PathBuf;
use std::process::ExitCode;

use std::io::Write as _;

use cognito_guard::config::load_env_file;
use cognito_guard::dev::{DevIssuer, DevIssuerError, TokenRequest, DEFAULT_DEV_SIGNING_KEY_FILE};
use cognito_guard::{Application, Settings};

const USAGE: &str = "\
usage: cognito-guard [--env-file FILE] [serve]
       cognito-guard [--env-file FILE] jwks
       cognito-guard [--env-file FILE] token [--sub ID] [--username NAME] [--email ADDR | --no-email]
                                          [--group NAME]... [--ttl SECS] [--access] [--count N]
                                          [--issuer URL]

serve   run the server (settings from the environment, a .env file, or --env-file)
token   print a token signed by the dev issuer (AUTH_MODE=dev), for trying the API with curl;
        --count N prints N distinct tokens (sub and username get a -<i> suffix), one per line;
        --issuer URL sets `iss` (for a cognito-mode server trusting DEV_SIGNING_KEY_FILE's key)
jwks    print the JWKS of the dev signing key (DEV_SIGNING_KEY_FILE; a cognito-mode server
        refuses the committed dev key, so benchmarks serve one of their own)";

/// Most tokens one `token --count` may print; enough for any load test.
const MAX_TOKEN_COUNT: usize = 1_000_000;

enum Command {
    Serve,
    Token(TokenRequest, usize),
    Jwks,
}

fn main() -> ExitCode {
    let (env_file, command) = match parse_args(std::env::args().skip(1)) {
        Ok(parsed) => parsed,
        Err(message) if message == "help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("cognito-guard: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = load_env_file(env_file.as_deref()) {
        eprintln!("cognito-guard: {e}");
        return ExitCode::from(2);
    }
    match command {
        Command::Serve => serve(),
        Command::Token(request, count) => print_tokens(&request, count),
        Command::Jwks => print_jwks(),
    }
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<(Option<PathBuf>, Command), String> {
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
        Some("-h" | "--help" | "help") => Err("help".to_owned()),
        Some(other) => Err(format!("unknown command `{other}`")),
    }
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
    Ok((request, count))
}

fn dev_issuer() -> Result<DevIssuer, DevIssuerError> {
    // A path need not be UTF-8, so it is read as an OS string.
    let key_file = std::env::var_os("DEV_SIGNING_KEY_FILE")
        .filter(|f| !f.is_empty())
        .map_or_else(
            || PathBuf::from(DEFAULT_DEV_SIGNING_KEY_FILE),
            PathBuf::from,
        );
    DevIssuer::load(&key_file)
}

fn print_jwks() -> ExitCode {
    match dev_issuer() {
        Ok(issuer) => {
            println!("{}", issuer.jwks());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cognito-guard: {e}");
            ExitCode::from(1)
        }
    }
}

fn print_tokens(request: &TokenRequest, count: usize) -> ExitCode {
    let issuer = match dev_issuer() {
        Ok(issuer) => issuer,
        Err(e) => {
            eprintln!("cognito-guard: {e}");
            return ExitCode::from(1);
        }
    };
    let minted = if count == 1 {
        issuer.mint(request).map(|token| vec![token])
    } else {
        mint_many(&issuer, request, count)
    };
    match minted {
        Ok(tokens) => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for token in tokens {
                if writeln!(out, "{token}").is_err() {
                    return ExitCode::from(1);
                }
            }
            if out.flush().is_err() {
                return ExitCode::from(1);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cognito-guard: {e}");
            ExitCode::from(1)
        }
    }
}

/// Distinct tokens for load tests, signed on every core (RSA signing is the
/// slow part).
fn mint_many(
    issuer: &DevIssuer,
    request: &TokenRequest,
    count: usize,
) -> Result<Vec<String>, DevIssuerError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = count.div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    (t * chunk..((t + 1) * chunk).min(count))
                        .map(|i| {
                            let mut one = request.clone();
                            one.sub = format!("{}-{i}", request.sub);
                            one.username = format!("{}-{i}", request.username);
                            issuer.mint(&one)
                        })
                        .collect::<Result<Vec<_>, _>>()
                })
            })
            .collect();
        let mut tokens = Vec::with_capacity(count);
        for worker in workers {
            let minted = worker
                .join()
                .map_err(|_| DevIssuerError::Sign("a signing thread failed".to_owned()))??;
            tokens.extend(minted);
        }
        Ok(tokens)
    })
}

fn serve() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();

    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("cognito-guard: configuration error: {e}");
            return ExitCode::from(2);
        }
    };

    actix_rt::System::new().block_on(async move {
        let app = match Application::build(settings).await {
            Ok(app) => app,
            Err(e) => {
                eprintln!("cognito-guard: {e}");
                return ExitCode::from(1);
            }
        };
        match app.run_until_stopped().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("cognito-guard: server error: {e}");
                ExitCode::from(1)
            }
        }
    })
}
