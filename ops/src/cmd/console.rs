//! `yiwang console`: the operations console against a running server.

use std::path::PathBuf;

use anyhow::Context;
use yiwang_console::i18n::Lang;
use yiwang_console::{Login, Options};

use crate::cli::ConsoleArgs;

/// Where the console logs unless told otherwise.
pub fn default_log_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(name)
}

pub async fn console(args: ConsoleArgs) -> anyhow::Result<()> {
    let login = match (args.token, args.user) {
        (Some(token), _) => Login::Token(token),
        (None, Some(username)) => {
            let prompt = format!("{username}@{} password: ", args.server);
            let password =
                tokio::task::spawn_blocking(move || yiwang_console::prompt::password(&prompt))
                    .await
                    .context("reading the password")?
                    .context("reading the password")?
                    .context("no password given")?;
            Login::Password { username, password }
        }
        (None, None) => {
            anyhow::bail!("say who you are: --user NAME (asks for the password) or --token TOKEN")
        }
    };
    yiwang_console::run(Options {
        server: args.server,
        login,
        lang: Lang::parse(&args.lang),
    })
    .await
}
