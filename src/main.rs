//! The cognito-guard server binary: load configuration, then serve.

use std::process::ExitCode;

use cognito_guard::{Application, Settings};

fn main() -> ExitCode {
    if let Err(e) = dotenvy::dotenv() {
        if !e.not_found() {
            eprintln!("cognito-guard: cannot read .env: {e}");
            return ExitCode::from(2);
        }
    }
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
