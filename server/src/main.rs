//! The `roundtable` binary: a thin shell over the library.

use std::io::{IsTerminal, Write};

use roundtable::config::{
    Cli, Command, Config, EventCommand, LoadError, LogFormat, OrganiserCommand,
};

#[tokio::main]
async fn main() {
    let loaded = match roundtable::config::load(std::env::args_os().collect()) {
        Ok(l) => l,
        Err(LoadError::Clap(e)) => clap_exit(e),
        Err(LoadError::Setting(line)) => {
            eprintln!("roundtable: {line}");
            std::process::exit(2);
        }
    };
    let filter = roundtable::log_filter(&loaded.cli.log);
    match loaded.cli.log_format {
        LogFormat::Text => tracing_subscriber::fmt()
            .with_ansi(std::io::stderr().is_terminal())
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init(),
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_current_span(false)
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init(),
    }
    if let Some(Command::Settings) = loaded.cli.command {
        print!("{}", loaded.settings_text());
        return;
    }
    if let Err(e) = run(loaded.cli).await {
        eprintln!("roundtable: {e:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    if let (Some(Command::Backup { .. }), Some(path)) =
        (&cli.command, cli.database_url.strip_prefix("sqlite:"))
    {
        // Opening would create an empty database: a backup of nothing is a mistake.
        let path = path.split('?').next().unwrap_or(path);
        anyhow::ensure!(
            std::path::Path::new(path).exists(),
            "there is no database at {path} to back up (see --database-url)"
        );
    }
    let storage = roundtable::open_storage(&cli.database_url).await?;
    match cli.command {
        None | Some(Command::Serve) => serve(cli, storage).await,
        Some(Command::Settings) => Ok(()),
        Some(Command::Event {
            action:
                EventCommand::Create {
                    file,
                    closed,
                    organiser,
                },
        }) => {
            let config = Config::new(cli.public_url.as_deref(), cli.bind)?;
            let json = roundtable::cli::create_event(
                storage.as_ref(),
                &config.public_url,
                &file,
                closed,
                organiser.as_deref(),
            )
            .await?;
            println!("{json}");
            storage.close().await;
            Ok(())
        }
        Some(Command::Event {
            action: EventCommand::Export { event },
        }) => {
            let json = roundtable::cli::export_event(storage.as_ref(), event).await?;
            println!("{json}");
            storage.close().await;
            Ok(())
        }
        Some(Command::Event {
            action: EventCommand::Import { file, organiser },
        }) => {
            let config = Config::new(cli.public_url.as_deref(), cli.bind)?;
            let json = roundtable::cli::import_event(
                storage.as_ref(),
                &config.public_url,
                &file,
                organiser.as_deref(),
            )
            .await?;
            println!("{json}");
            storage.close().await;
            Ok(())
        }
        Some(Command::Backup { file }) => {
            let bytes = storage.backup(&file).await?;
            eprintln!(
                "Backed up to {} ({:.1} MB). Restore: stop the server, then run it with \
                 --database-url sqlite:{}.",
                file.display(),
                bytes as f64 / 1e6,
                file.display()
            );
            storage.close().await;
            Ok(())
        }
        Some(Command::Organiser {
            action: OrganiserCommand::Add { email, name },
        }) => {
            roundtable::cli::add_organiser(storage.as_ref(), &email, &name).await?;
            eprintln!("Organiser {email} added. Log in at /organiser/login.");
            storage.close().await;
            Ok(())
        }
        Some(Command::Organiser {
            action: OrganiserCommand::Token { email, name },
        }) => {
            let token = roundtable::cli::organiser_token(storage.as_ref(), &email, &name).await;
            storage.close().await;
            println!("{}", token?);
            Ok(())
        }
    }
}

async fn serve(
    cli: Cli,
    storage: std::sync::Arc<roundtable::storage::sql::SqlStorage>,
) -> anyhow::Result<()> {
    let listener = roundtable::bind(cli.bind).await.map_err(|e| {
        anyhow::anyhow!(
            "could not listen on {} ({e}); choose another with --bind",
            cli.bind
        )
    })?;
    let bound = listener.local_addr()?;
    let config = Config::new(cli.public_url.as_deref(), bound)?.with_limits(cli.limits());
    let state = roundtable::build_state(config.clone(), storage.clone()).await?;
    // Compress the assets (brotli 11: a fraction of a second of CPU, more on a busy laptop)
    // before the banner says the server runs: a link opened at once must not wait on it.
    tokio::task::spawn_blocking(|| {
        roundtable::assets::all();
    })
    .await?;
    // The banner is for the person at the laptop: on standard output, so that standard error
    // carries only logs (JSON ones, with --log-format json).
    let mut banner = String::from("\n  Roundtable is running.\n");
    banner.push_str(&format!(
        "  Open {}/organiser on this laptop to set up events.\n",
        config.public_url
    ));
    if let Some(token) = state.setup_token() {
        banner.push_str("  First run: create the organiser account at\n");
        banner.push_str(&format!("    {}/setup?token={token}\n", config.public_url));
    }
    let guessed = roundtable::config::guess_reachable(bound);
    if let Some(warning) = reach_warning(bound, cli.public_url.is_some(), guessed) {
        banner.push_str(&format!("  WARNING: {warning}\n"));
    } else {
        let (join, what) = join_link(storage.as_ref(), &config.public_url).await;
        banner.push_str(&format!("  Phones join at {join} ({what}).\n"));
        if let Some(qr) = roundtable::qr::terminal(&join) {
            banner.push_str("  Scan to join:\n");
            for line in qr.lines() {
                banner.push_str("  ");
                banner.push_str(line);
                banner.push('\n');
            }
        }
    }
    // Whoever reads standard output may have gone (`serve | head`): never fail over it.
    let _ = writeln!(std::io::stdout().lock(), "{banner}");
    tracing::info!(%bound, "listening");
    let shutdown = async {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(s) => s,
                    Err(_) => {
                        let _ = ctrl_c.await;
                        return;
                    }
                };
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = ctrl_c.await;
        }
        tracing::info!("shutting down");
    };
    roundtable::serve(listener, state, shutdown).await?;
    storage.close().await;
    Ok(())
}

/// The link the terminal's QR code holds: straight into the event when exactly one is open,
/// else the page where phones type the code from their table card.
async fn join_link(storage: &dyn roundtable::storage::Storage, base: &str) -> (String, String) {
    match storage.open_events().await {
        Ok(open) if open.len() == 1 => (
            format!("{base}/join?code={}", open[0].code),
            format!("same Wi-Fi network; event: {}", open[0].title),
        ),
        _ => (
            format!("{base}/"),
            "same Wi-Fi network; they type the code on their table card".into(),
        ),
    }
}

/// Why phones can't reach the server, when they can't: bound to a loopback address, or bound
/// to every address while the laptop has no network (so the best address is loopback).
/// None with `--public-url` (the operator said where it is reached).
fn reach_warning(
    bound: std::net::SocketAddr,
    public_url_given: bool,
    guessed: std::net::SocketAddr,
) -> Option<String> {
    if public_url_given {
        return None;
    }
    if bound.ip().is_loopback() {
        return Some(format!(
            "only this laptop can reach it (bound to {bound}). For phones, use --bind 0.0.0.0:{}.",
            bound.port()
        ));
    }
    if guessed.ip().is_loopback() {
        return Some(
            "this laptop has no network address (no Wi-Fi or cable?), so phones can't reach \
             it. Join the venue's Wi-Fi or a phone's hotspot, then restart Roundtable."
                .into(),
        );
    }
    None
}

/// Help and version print and exit 0; a bad flag or value is one line naming it, exit 2.
fn clap_exit(e: clap::Error) -> ! {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit()
    }
    let text = e.to_string();
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("bad command line");
    eprintln!("roundtable: {}", line.trim_start_matches("error: "));
    std::process::exit(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_that_cannot_reach_the_laptop_are_warned_about() {
        let addr = |s: &str| s.parse::<std::net::SocketAddr>().expect("an address");
        let lan = addr("192.168.1.20:8080");
        let warning = reach_warning(addr("127.0.0.1:8080"), false, addr("127.0.0.1:8080"));
        assert!(warning.is_some_and(|w| w.contains("only this laptop")));
        let warning = reach_warning(addr("0.0.0.0:8080"), false, addr("127.0.0.1:8080"));
        assert!(warning.is_some_and(|w| w.contains("no network address")));
        assert_eq!(reach_warning(addr("0.0.0.0:8080"), false, lan), None);
        assert_eq!(reach_warning(addr("127.0.0.1:8080"), true, lan), None);
    }
}
