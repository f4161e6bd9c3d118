//! `stats2`: parses the command line, sets up logging on stderr, runs the command.

use std::io::IsTerminal;

use clap::Parser;

/// mimalloc gives freed memory back to the system; glibc kept the garbage of the index
/// build (gigabytes of parsed JSON) resident.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let cli = server::config::Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().with_writer(std::io::stderr).with_env_filter(filter);
    match cli.log_format {
        // One JSON object a line, for log collectors.
        server::config::LogFormat::Json => logs.json().with_current_span(false).init(),
        // Colour codes only where a person reads a terminal: not in a container's log, not
        // under journald.
        server::config::LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
    }
    let code = match server::commands::run(cli).await {
        Ok(code) => code,
        Err(e) => {
            tracing::error!("{e:#}");
            1
        }
    };
    std::process::exit(code);
}
