//! The `roundtable` binary: a thin shell over the library.

use roundtable::config::{
    Cli, Command, Config, EventCommand, LoadError, LogFormat, OrganiserCommand,
};

#[tokio::main]
async fn main() {
    let loaded = match roundtable::config::load(std::env::args_os().collect()) {
        Ok(l) => l,
        Err(LoadError::Clap(e)) => e.exit(),
        Err(LoadError::Setting(line)) => {
            eprintln!("roundtable: {line}");
            std::process::exit(2);
        }
    };
    let filter = roundtable::log_filter(&loaded.cli.log);
    match loaded.cli.log_format {
        LogFormat::Text => tracing_subscriber::fmt()
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
    let local_only = bound.ip().is_loopback() && cli.public_url.is_none();
    if local_only {
        banner.push_str(&format!(
            "  WARNING: only this laptop can reach it (bound to {bound}). For phones, use --bind 0.0.0.0:{}.\n",
            bound.port()
        ));
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
    println!("{banner}");
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
