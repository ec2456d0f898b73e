//! The cognito-guard binary: `serve` (the default) or, for dev mode, `token`
//! and `jwks`. Everything else lives in the library.

use std::process::ExitCode;

use cognito_guard::cli::{parse_args, Command, USAGE};
use cognito_guard::config::load_env_file;
use cognito_guard::dev::{print_jwks, print_tokens};
use cognito_guard::{Application, Settings};

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
        Command::Policy(command, config) => {
            cognito_guard::logging::init();
            cognito_guard::startup::policy_command(&command, config.as_deref())
        }
    }
}

fn serve() -> ExitCode {
    cognito_guard::logging::init();

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
                return ExitCode::from(e.exit_code());
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
