//! Dev mode's commands: `token` mints tokens with the dev signing key, `jwks`
//! prints its JWKS. Both print to stdout and return the process exit code.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::dev::{DevIssuer, DevIssuerError, TokenRequest, DEFAULT_DEV_SIGNING_KEY_FILE};

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

/// `cognito-guard jwks`.
pub fn print_jwks() -> ExitCode {
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

/// `cognito-guard token`: `count` distinct tokens, one a line.
pub fn print_tokens(request: &TokenRequest, count: usize) -> ExitCode {
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
