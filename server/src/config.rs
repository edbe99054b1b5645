//! Command line and environment settings. Every flag is also an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::limits::{Limits, Rate};

/// Roundtable: run participatory roundtable events from one laptop.
#[derive(Debug, Parser)]
#[command(name = "roundtable", version, about)]
pub struct Cli {
    /// Database to use: `sqlite:PATH` (created if missing; the default) or
    /// `postgres://USER@HOST/DB`, which several server nodes may share.
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

    /// Comments per attendee: a burst, then so many per minute ("BURST,PER_MINUTE").
    #[arg(long, env = "ROUNDTABLE_LIMIT_POST", global = true, default_value = "6,12", value_parser = parse_rate)]
    pub limit_post: Rate,

    /// Agreements per attendee ("BURST,PER_MINUTE").
    #[arg(long, env = "ROUNDTABLE_LIMIT_AGREE", global = true, default_value = "30,120", value_parser = parse_rate)]
    pub limit_agree: Rate,

    /// Comments and agreements from one network address, everyone together
    /// ("BURST,PER_MINUTE"). A venue behind one NAT address shares this.
    #[arg(long, env = "ROUNDTABLE_LIMIT_ADDRESS", global = true, default_value = "600,3000", value_parser = parse_rate)]
    pub limit_address: Rate,

    /// New attendees from one network address ("BURST,PER_MINUTE").
    #[arg(long, env = "ROUNDTABLE_LIMIT_JOIN", global = true, default_value = "600,1200", value_parser = parse_rate)]
    pub limit_join: Rate,

    /// Wrong event codes typed from one network address ("BURST,PER_MINUTE"). A venue shares
    /// one address; with 40-bit codes even 30 a minute for four hours finds a code with odds
    /// below one in 10 million.
    #[arg(long, env = "ROUNDTABLE_LIMIT_CODE_FAILURES", global = true, default_value = "30,30", value_parser = parse_rate)]
    pub limit_code_failures: Rate,

    /// Failed organiser log-ins from one network address ("BURST,PER_MINUTE").
    #[arg(long, env = "ROUNDTABLE_LIMIT_LOGIN_FAILURES", global = true, default_value = "10,10", value_parser = parse_rate)]
    pub limit_login_failures: Rate,

    /// Most open live connections from one network address.
    #[arg(
        long,
        env = "ROUNDTABLE_MAX_SOCKETS_PER_ADDRESS",
        global = true,
        default_value_t = 1000
    )]
    pub max_sockets_per_address: usize,

    /// Most open live connections in total (the machine allows about 20,000 open files).
    #[arg(
        long,
        env = "ROUNDTABLE_MAX_SOCKETS",
        global = true,
        default_value_t = 15_000
    )]
    pub max_sockets: usize,

    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// The abuse limits chosen on the command line.
    pub fn limits(&self) -> Limits {
        Limits {
            post: self.limit_post,
            agree: self.limit_agree,
            address: self.limit_address,
            join: self.limit_join,
            code_failures: self.limit_code_failures,
            login_failures: self.limit_login_failures,
            sockets_per_address: self.max_sockets_per_address,
            sockets_total: self.max_sockets,
        }
    }
}

/// Parses "BURST,PER_MINUTE".
fn parse_rate(s: &str) -> Result<Rate, String> {
    let (b, m) = s
        .split_once(',')
        .ok_or_else(|| format!("expected BURST,PER_MINUTE (e.g. 6,12), got {s:?}"))?;
    let b: u32 = b
        .trim()
        .parse()
        .map_err(|_| format!("burst {b:?} is not a whole number"))?;
    let m: u32 = m
        .trim()
        .parse()
        .map_err(|_| format!("per-minute {m:?} is not a whole number"))?;
    if b == 0 {
        return Err("the burst must be at least 1".into());
    }
    Ok(Rate::new(b, m))
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
    /// Copy the SQLite database to a new FILE, consistently, even while the server runs.
    Backup {
        /// The copy to write (must not exist yet).
        file: PathBuf,
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
    /// Print an event's archive (JSON, docs/reports.md) to standard output.
    Export {
        /// The event's number (as in /organiser/events/N).
        event: i64,
    },
    /// Import an event archive as a new, closed event; prints its links as JSON.
    Import {
        /// The archive file (the local campaign pack's JSON).
        file: PathBuf,
        /// Email of the organiser who will own it.
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
    /// The public URL is https: cookies get `Secure`, responses HSTS.
    pub secure_cookies: bool,
    /// Abuse limits.
    pub limits: Limits,
    /// A socket whose frame can't be written within this long (it stopped reading) is
    /// dropped; it resumes with `since` when it comes back.
    pub send_timeout: std::time::Duration,
    /// How often the retention sweep looks for data whose time is up.
    pub retention_every: std::time::Duration,
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
            limits: Limits::default(),
            send_timeout: std::time::Duration::from_secs(10),
            retention_every: std::time::Duration::from_secs(3600),
        })
    }
}

impl Config {
    /// The same config with another send timeout.
    pub fn with_send_timeout(mut self, t: std::time::Duration) -> Self {
        self.send_timeout = t;
        self
    }

    /// The same config with another retention sweep interval.
    pub fn with_retention_every(mut self, every: std::time::Duration) -> Self {
        self.retention_every = every;
        self
    }

    /// The same config with other limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
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
