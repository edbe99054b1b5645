//! Settings: command-line flags, environment variables and an optional TOML config file, in
//! that order of precedence. Every flag is also an environment variable and a config key
//! (the flag's long name, with `-` or `_`).

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::limits::{Limits, Rate};

/// Roundtable: run participatory roundtable events from one laptop.
#[derive(Debug, Parser)]
#[command(
    name = "roundtable",
    version,
    about,
    after_help = "Every setting can also come from its environment variable (shown in brackets) or \
from a TOML config file named by --config, e.g.\n\n    bind = \"0.0.0.0:8080\"\n    \
public_url = \"https://events.example.org\"\n    limit_post = \"6,12\"\n\n\
A flag wins over its environment variable, which wins over the file, which wins over the \
default. `roundtable settings` prints the settings in effect and where each came from."
)]
pub struct Cli {
    /// A TOML file of settings (keys are the long flag names, e.g. `bind`, `database_url`).
    /// Flags and environment variables win over it.
    #[arg(long, env = "ROUNDTABLE_CONFIG", global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

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
    #[arg(long, env = "ROUNDTABLE_PUBLIC_URL", global = true, value_parser = parse_public_url)]
    pub public_url: Option<String>,

    /// What to log: a level (`error`, `warn`, `info`, `debug`) or per-module directives
    /// (`info,roundtable::hub=debug`). Logs never hold attendees' words or contact details.
    #[arg(long, env = "ROUNDTABLE_LOG", global = true, default_value = "info")]
    pub log: String,

    /// How logs are written to standard error: `text` for people, `json` (one object per
    /// line) for a log collector.
    #[arg(long, env = "ROUNDTABLE_LOG_FORMAT", global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

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

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Checks a public URL: http or https, no trailing slash kept.
fn parse_public_url(s: &str) -> Result<String, String> {
    let u = s.trim().trim_end_matches('/').to_string();
    if !(u.starts_with("http://") || u.starts_with("https://")) {
        return Err(format!(
            "it must start with http:// or https:// (e.g. https://events.example.org), got {u:?}"
        ));
    }
    let rest = u.split_once("://").map(|(_, r)| r).unwrap_or("");
    if rest.is_empty() || rest.starts_with('/') || u.contains(char::is_whitespace) {
        return Err(format!("{u:?} is not a web address"));
    }
    Ok(u)
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
    /// Print the settings in effect and where each came from (flag, environment, config file
    /// or default), then exit.
    Settings,
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
    /// Make an API token for an existing organiser and print it (only it, on one line) to
    /// standard output. It is shown this once; revoke it in the console (API and webhooks).
    Token {
        /// The organiser's log-in email.
        #[arg(long)]
        email: String,
        /// What the token is for, as listed in the console (1 to 80 characters).
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
    /// How often each node looks for webhook calls that are due.
    pub webhook_poll: std::time::Duration,
    /// The wait after a webhook call's first failure; it doubles with each further one.
    pub webhook_retry: std::time::Duration,
    /// Whether webhooks may call this machine itself (tests and local experiments only).
    pub webhooks_to_loopback: bool,
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
            webhook_poll: std::time::Duration::from_secs(1),
            webhook_retry: std::time::Duration::from_secs(30),
            webhooks_to_loopback: false,
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

    /// The same config with other webhook timings, and webhooks to this machine allowed or
    /// not.
    pub fn with_webhooks(
        mut self,
        poll: std::time::Duration,
        retry: std::time::Duration,
        to_loopback: bool,
    ) -> Self {
        self.webhook_poll = poll;
        self.webhook_retry = retry;
        self.webhooks_to_loopback = to_loopback;
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

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Flag,
    Environment,
    File,
    Default,
}

impl Source {
    fn describe(self) -> &'static str {
        match self {
            Source::Flag => "command line",
            Source::Environment => "environment",
            Source::File => "config file",
            Source::Default => "default",
        }
    }
}

/// The command line, read with the environment and the config file.
pub struct Loaded {
    pub cli: Cli,
    /// Every setting in `--help` order: its long name, its value (a database password
    /// masked) and where it came from.
    pub settings: Vec<(String, String, Source)>,
}

impl Loaded {
    /// The settings as lines for `roundtable settings`.
    pub fn settings_text(&self) -> String {
        let width = self.settings.iter().map(|s| s.0.len()).max().unwrap_or(0);
        let mut out = String::new();
        for (name, value, source) in &self.settings {
            out.push_str(&format!(
                "{name:<width$}  {value}  ({})\n",
                source.describe()
            ));
        }
        out
    }
}

/// Why start-up stopped.
#[derive(Debug)]
pub enum LoadError {
    /// clap's own answer: `--help`, `--version`, or a bad flag (it prints and exits).
    Clap(clap::Error),
    /// One line naming the setting that is wrong and where it was set.
    Setting(String),
}

/// Settings that a config file may hold: every long flag but `--config` itself.
fn settable(cmd: &clap::Command) -> Vec<(String, String, Option<String>)> {
    cmd.get_arguments()
        .filter_map(|a| {
            let long = a.get_long()?;
            if matches!(long, "config" | "help" | "version") {
                return None;
            }
            let env = a.get_env().map(|e| e.to_string_lossy().into_owned());
            Some((a.get_id().to_string(), long.to_string(), env))
        })
        .collect()
}

/// The `--config` file named on the command line (before any `--`), else by
/// `ROUNDTABLE_CONFIG`.
fn config_path(args: &[OsString]) -> Option<PathBuf> {
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        let a = a.to_string_lossy();
        if a == "--" {
            break;
        }
        if a == "--config" {
            return it.next().map(PathBuf::from);
        }
        if let Some(p) = a.strip_prefix("--config=") {
            return Some(PathBuf::from(p));
        }
    }
    std::env::var_os("ROUNDTABLE_CONFIG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Why clap refused a value for the flag `--long`, if that is what it refused.
fn value_refusal(e: &clap::Error, long: &str) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if !matches!(
        e.kind(),
        ErrorKind::ValueValidation | ErrorKind::InvalidValue
    ) {
        return None;
    }
    let arg = match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(s)) => s.clone(),
        _ => return None,
    };
    let named = arg
        .strip_prefix("--")
        .and_then(|rest| rest.split([' ', '=']).next())
        .is_some_and(|n| n == long);
    if !named {
        return None;
    }
    if let Some(source) = std::error::Error::source(e) {
        return Some(source.to_string());
    }
    match e.get(ContextKind::ValidValue) {
        Some(ContextValue::Strings(v)) => Some(format!("it must be one of {}", v.join(", "))),
        _ => Some("it is not a valid value".into()),
    }
}

/// Reads the config file: its settings as (arg id, long name, value), checked one by one
/// with the same parsers as the flags.
fn read_config_file(
    path: &std::path::Path,
    known: &[(String, String, Option<String>)],
) -> Result<Vec<(String, String, String)>, LoadError> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| LoadError::Setting(format!("could not read the config file {shown} ({e})")))?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| {
        // toml's message spans several lines around the place; keep the place and the cause.
        let msg = e.to_string();
        let mut lines = msg.lines().map(str::trim).filter(|l| !l.is_empty());
        let first = lines.next().unwrap_or("not valid TOML");
        let last = msg.lines().map(str::trim).rfind(|l| !l.is_empty());
        let cause = last.filter(|l| *l != first).map(|l| format!(": {l}"));
        LoadError::Setting(format!(
            "the config file {shown} is not valid TOML ({first}{})",
            cause.unwrap_or_default()
        ))
    })?;
    let mut out = Vec::new();
    for (key, value) in &table {
        let long = key.replace('_', "-");
        let Some((id, long, _)) = known.iter().find(|(_, l, _)| *l == long) else {
            let names: Vec<&str> = known.iter().map(|(id, _, _)| id.as_str()).collect();
            return Err(LoadError::Setting(format!(
                "the config file {shown} has an unknown setting `{key}` (settings: {})",
                names.join(", ")
            )));
        };
        let value = match value {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            _ => {
                return Err(LoadError::Setting(format!(
                    "the config file {shown}: `{key}` must be a string or a number"
                )));
            }
        };
        let probe = [
            OsString::from("roundtable"),
            OsString::from(format!("--{long}={value}")),
        ];
        if let Err(e) = Cli::command().try_get_matches_from(probe)
            && let Some(why) = value_refusal(&e, long)
        {
            return Err(LoadError::Setting(format!(
                "the config file {shown}: `{key}` = {value:?} is not valid: {why}"
            )));
        }
        out.push((id.clone(), long.clone(), value));
    }
    Ok(out)
}

/// A database URL with any password replaced by `***`.
fn mask_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((auth, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// Reads the command line `args`, the environment and the config file, in that order of
/// precedence. A bad value anywhere stops with one line naming the setting.
pub fn load(args: Vec<OsString>) -> Result<Loaded, LoadError> {
    let mut cmd = Cli::command();
    let known = settable(&cmd);
    let from_file = match config_path(&args) {
        Some(path) => read_config_file(&path, &known)?,
        None => Vec::new(),
    };
    for (id, _, value) in &from_file {
        // clap keeps defaults as 'static; this runs once, at start-up.
        let value: &'static str = Box::leak(value.clone().into_boxed_str());
        cmd = cmd.mut_arg(id.as_str(), |a| a.default_value(value));
    }
    let matches = cmd.try_get_matches_from(&args).map_err(|e| {
        // A bad value from the environment: say which variable, not which flag.
        for (_, long, env) in &known {
            let (Some(why), Some(env)) = (value_refusal(&e, long), env) else {
                continue;
            };
            let on_line = args.iter().any(|a| {
                let a = a.to_string_lossy();
                a == format!("--{long}") || a.starts_with(&format!("--{long}="))
            });
            if !on_line && let Ok(value) = std::env::var(env) {
                return LoadError::Setting(format!(
                    "the environment variable {env} = {value:?} is not valid: {why}"
                ));
            }
        }
        LoadError::Clap(e)
    })?;
    let mut settings = Vec::new();
    for (id, long, _) in &known {
        let source = match matches.value_source(id) {
            Some(clap::parser::ValueSource::CommandLine) => Source::Flag,
            Some(clap::parser::ValueSource::EnvVariable) => Source::Environment,
            Some(_) if from_file.iter().any(|(f, _, _)| f == id) => Source::File,
            _ => Source::Default,
        };
        let value = matches
            .get_raw(id)
            .map(|v| {
                v.map(|s| s.to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_else(|| "(not set)".into());
        let value = if id == "database_url" {
            mask_password(&value)
        } else {
            value
        };
        settings.push((long.clone(), value, source));
    }
    let cli = Cli::from_arg_matches(&matches).map_err(LoadError::Clap)?;
    Ok(Loaded { cli, settings })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_database_urls_are_masked() {
        assert_eq!(
            mask_password("postgres://app:secret@db.example.org/rt"),
            "postgres://app:***@db.example.org/rt"
        );
        assert_eq!(
            mask_password("postgres://postgres@127.0.0.1:5432/test"),
            "postgres://postgres@127.0.0.1:5432/test"
        );
        assert_eq!(
            mask_password("sqlite:roundtable.db"),
            "sqlite:roundtable.db"
        );
    }

    #[test]
    fn public_urls_need_a_scheme_and_a_host() {
        assert_eq!(parse_public_url("http://x/").as_deref(), Ok("http://x"));
        assert_eq!(
            parse_public_url("https://events.example.org").as_deref(),
            Ok("https://events.example.org")
        );
        assert!(parse_public_url("events.example.org").is_err());
        assert!(parse_public_url("https://").is_err());
        assert!(parse_public_url("http:///path").is_err());
        assert!(parse_public_url("http://a b").is_err());
    }

    #[test]
    fn the_config_flag_is_found_before_a_double_dash_only() {
        let args = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            config_path(&args(&["rt", "--config", "a.toml", "serve"])),
            Some(PathBuf::from("a.toml"))
        );
        assert_eq!(
            config_path(&args(&["rt", "--config=b.toml"])),
            Some(PathBuf::from("b.toml"))
        );
        if std::env::var_os("ROUNDTABLE_CONFIG").is_none() {
            assert_eq!(config_path(&args(&["rt", "--", "--config", "c"])), None);
        }
    }
}
