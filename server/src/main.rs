//! The `roundtable` binary: a thin shell over the library.

use clap::Parser;
use roundtable::config::{Cli, Command, Config, EventCommand, OrganiserCommand};

#[tokio::main]
async fn main() {
    let spec = std::env::var("ROUNDTABLE_LOG").unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt()
        .with_env_filter(roundtable::log_filter(&spec))
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = run(Cli::parse()).await {
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
    eprintln!();
    eprintln!("  Roundtable is running.");
    eprintln!(
        "  Open {}/organiser on this laptop to set up events.",
        config.public_url
    );
    if let Some(token) = state.setup_token() {
        eprintln!("  First run: create the organiser account at");
        eprintln!("    {}/setup?token={token}", config.public_url);
    }
    if bound.ip().is_loopback() && cli.public_url.is_none() {
        eprintln!(
            "  Only this laptop can reach it (bound to {bound}). For phones, use --bind 0.0.0.0:{}.",
            bound.port()
        );
    } else {
        eprintln!(
            "  Phones join at {}/ (same Wi-Fi network).",
            config.public_url
        );
    }
    eprintln!();
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
