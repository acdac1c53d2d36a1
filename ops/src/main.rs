//! `yiwang`: the one command of the platform (serve, demo, migrate, user, token, audit, …).

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = yiwang::cli::Cli::parse();
    match yiwang::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("yiwang: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
