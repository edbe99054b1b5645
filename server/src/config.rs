//! Command line and environment settings. Every flag is also an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Roundtable: run participatory roundtable events from one laptop.
#[derive(Debug, Parser)]
#[command(name = "roundtable", version, about)]
pub struct Cli {
    /// Database to use. `sqlite:PATH` (created if missing) is the default.
    #[arg(
        long,
        env = "DATABASE_URL",
        global = true,
        default_value = "sqlite:roundtable.db"
    )]
    pub database_url: String,

    /// Address and port to listen on.
    #[arg(
        long,
        env = "ROUNDTABLE_BIND",
        global = true,
        default_value = "0.0.0.0:8080"
    )]
    pub bind: SocketAddr,

    /// The address people use to reach this server, used in QR codes and links
    /// (e.g. `https://events.example.org`). Default: this machine's local network address.
    #[arg(long, env = "ROUNDTABLE_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do (default: `serve`).
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Manage events.
    Event {
        #[command(subcommand)]
        action: EventCommand,
    },
    /// Manage organiser accounts.
    Organiser {
        #[command(subcommand)]
        action: OrganiserCommand,
    },
}

/// `roundtable event ...`
#[derive(Debug, Subcommand)]
pub enum EventCommand {
    /// Create an event from a TOML file (see examples/event.toml); prints its links as JSON.
    Create {
        /// The event file.
        file: PathBuf,
        /// Create it closed: phones can't post until it is opened from the console.
        #[arg(long)]
        closed: bool,
        /// Email of the organiser who will own it (they see it in their event list).
        #[arg(long)]
        organiser: Option<String>,
    },
}

/// `roundtable organiser ...`
#[derive(Debug, Subcommand)]
pub enum OrganiserCommand {
    /// Add an organiser account. The password is read from standard input.
    Add {
        /// Log-in email.
        #[arg(long)]
        email: String,
        /// Name shown in the console.
        #[arg(long)]
        name: String,
    },
}

/// Settings the running app needs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Base URL for links and QR codes, without a trailing slash.
    pub public_url: String,
    /// Set `Secure` on cookies (when the public URL is https).
    pub secure_cookies: bool,
}

impl Config {
    /// Builds the config for a server bound to `bound`.
    pub fn new(public_url: Option<&str>, bound: SocketAddr) -> anyhow::Result<Self> {
        let public_url = match public_url {
            Some(u) => {
                let u = u.trim().trim_end_matches('/').to_string();
                anyhow::ensure!(
                    u.starts_with("http://") || u.starts_with("https://"),
                    "--public-url must start with http:// or https:// (got {u:?})"
                );
                u
            }
            None => format!("http://{}", guess_reachable(bound)),
        };
        Ok(Config {
            secure_cookies: public_url.starts_with("https://"),
            public_url,
        })
    }
}

/// The address phones on the same network should use: the bound address, or when bound to
/// all interfaces, the address of the interface that holds the default route.
pub fn guess_reachable(bound: SocketAddr) -> SocketAddr {
    if !bound.ip().is_unspecified() {
        return bound;
    }
    // Connecting a UDP socket sends nothing; it only asks the kernel which local address
    // it would use. Works without internet as long as there is a route.
    let local = std::net::UdpSocket::bind("0.0.0.0:0")
        .and_then(|s| s.connect("192.0.2.1:9").map(|_| s))
        .and_then(|s| s.local_addr());
    match local {
        Ok(addr) if !addr.ip().is_unspecified() => SocketAddr::new(addr.ip(), bound.port()),
        _ => SocketAddr::from(([127, 0, 0, 1], bound.port())),
    }
}
