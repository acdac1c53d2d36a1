//! `yiwang cases import FILE`: past cases from an old system, straight into storage beside a
//! running server, in batches of the API's size.

use anyhow::{Context, bail};
use yiwang_core::clock::Clock;
use yiwang_core::config::Config;
use yiwang_core::service::Services;
use yiwang_core::service::cases::{CaseImport, ImportOutcome, MAX_BATCH};

use crate::cli::CasesCommand;

pub async fn cases(config: Config, cmd: CasesCommand) -> anyhow::Result<()> {
    let CasesCommand::Import { file, user } = cmd;
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let all: CaseImport = serde_json::from_str(&text)
        .with_context(|| format!("{} is not an import file", file.display()))?;
    let services = Services::start(config, Clock::System).await?;
    let caller = services
        .resolve_trusted_user(&user)
        .await
        .with_context(|| format!("importing as {user}"))?;
    let (mut imported, mut existing, mut refused) = (0, 0, 0);
    for (n, chunk) in all.cases.chunks(MAX_BATCH).enumerate() {
        let batch = CaseImport {
            source: all.source.clone(),
            cases: chunk.to_vec(),
        };
        let result = services.import_cases(&caller, batch).await?;
        imported += result.imported;
        existing += result.existing;
        refused += result.refused;
        for (i, c) in result.cases.iter().enumerate() {
            if c.outcome == ImportOutcome::Refused {
                let fields: Vec<String> = c
                    .errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.reason))
                    .collect();
                eprintln!(
                    "case {} ({}): {}{}",
                    n * MAX_BATCH + i,
                    c.legacy_no,
                    c.problem.as_deref().unwrap_or("refused"),
                    if fields.is_empty() {
                        String::new()
                    } else {
                        format!(" [{}]", fields.join("; "))
                    }
                );
            }
        }
    }
    println!("{imported} imported, {existing} already imported, {refused} refused");
    if refused > 0 {
        bail!("{refused} cases were refused (listed above); fix them and import the file again");
    }
    Ok(())
}
