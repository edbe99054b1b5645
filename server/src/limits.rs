//! Abuse limits, kept in memory only (nothing about attendees is stored for them).
//!
//! Token buckets keyed first by attendee (the anonymous device cookie, or the socket) and
//! second by network address. Per-address limits are generous on purpose: in a hosted
//! deployment a whole venue shares one NAT address, and 400 people joining in a minute from
//! it must not be refused. Short-code guesses are limited per address on failures only.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One limit: a burst of `burst` actions, refilled at `per_minute`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub burst: f64,
    pub per_minute: f64,
}

impl Rate {
    pub const fn new(burst: u32, per_minute: u32) -> Self {
        Rate {
            burst: burst as f64,
            per_minute: per_minute as f64,
        }
    }
}

/// All limits, configurable from the command line (see `config.rs`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Comments per attendee.
    pub post: Rate,
    /// Agreements per attendee.
    pub agree: Rate,
    /// Comments and agreements from one address, all attendees together.
    pub address: Rate,
    /// New attendees (first visit to a table page) from one address.
    pub join: Rate,
    /// Wrong short codes from one address.
    pub code_failures: Rate,
    /// Failed organiser log-ins from one address.
    pub login_failures: Rate,
    /// Open sockets from one address.
    pub sockets_per_address: usize,
    /// Open sockets in total.
    pub sockets_total: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            post: Rate::new(6, 12),
            agree: Rate::new(30, 120),
            address: Rate::new(600, 3000),
            join: Rate::new(600, 1200),
            code_failures: Rate::new(30, 30),
            login_failures: Rate::new(10, 10),
            sockets_per_address: 1000,
            sockets_total: 15_000,
        }
    }
}

impl Limits {
    /// No limits at all (benches).
    pub fn unlimited() -> Self {
        let big = Rate::new(1_000_000_000, 1_000_000_000);
        Limits {
            post: big,
            agree: big,
            address: big,
            join: big,
            code_failures: big,
            login_failures: big,
            sockets_per_address: usize::MAX,
            sockets_total: usize::MAX,
        }
    }
}

/// What is being limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Post,
    Agree,
    Address,
    Join,
    CodeFailure,
    LoginFailure,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Refused: try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slow(pub Duration);

impl Slow {
    /// Whole seconds to wait, at least 1.
    pub fn seconds(&self) -> u64 {
        self.0.as_secs_f64().ceil().max(1.0) as u64
    }
}

/// The limiter; one per server.
#[derive(Debug)]
pub struct Limiter {
    pub limits: Limits,
    buckets: Mutex<HashMap<(Kind, String), Bucket>>,
    sockets: Mutex<HashMap<IpAddr, usize>>,
    /// Refusals so far (for `/metrics`).
    refused: std::sync::atomic::AtomicU64,
}

impl Limiter {
    pub fn new(limits: Limits) -> Self {
        Limiter {
            limits,
            buckets: Mutex::new(HashMap::new()),
            sockets: Mutex::new(HashMap::new()),
            refused: Default::default(),
        }
    }

    /// Actions and sockets refused so far.
    pub fn refusals(&self) -> u64 {
        self.refused.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn refuse(&self) {
        self.refused
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    fn rate(&self, kind: Kind) -> Rate {
        match kind {
            Kind::Post => self.limits.post,
            Kind::Agree => self.limits.agree,
            Kind::Address => self.limits.address,
            Kind::Join => self.limits.join,
            Kind::CodeFailure => self.limits.code_failures,
            Kind::LoginFailure => self.limits.login_failures,
        }
    }

    /// Would one more action be allowed? Does not take a token.
    pub fn check(&self, kind: Kind, key: &str) -> Result<(), Slow> {
        self.take_n(kind, key, 0.0)
    }

    /// Takes one token, or says how long to wait.
    pub fn take(&self, kind: Kind, key: &str) -> Result<(), Slow> {
        self.take_n(kind, key, 1.0)
    }

    fn take_n(&self, kind: Kind, key: &str, n: f64) -> Result<(), Slow> {
        let rate = self.rate(kind);
        let now = Instant::now();
        let per_sec = rate.per_minute / 60.0;
        // A std mutex: held for a few arithmetic operations, never across an await.
        let mut map = match self.buckets.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if map.len() > 100_000 {
            // Forget buckets that have refilled completely: they hold no information.
            map.retain(|(k, _), b| {
                let r = self.rate(*k);
                b.tokens + now.duration_since(b.at).as_secs_f64() * r.per_minute / 60.0 < r.burst
            });
        }
        let bucket = map.entry((kind, key.to_string())).or_insert(Bucket {
            tokens: rate.burst,
            at: now,
        });
        let elapsed = now.duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_sec).min(rate.burst);
        bucket.at = now;
        let need = n.max(1.0);
        if bucket.tokens >= need {
            bucket.tokens -= n;
            Ok(())
        } else {
            let wait = if per_sec > 0.0 {
                (need - bucket.tokens) / per_sec
            } else {
                3600.0
            };
            self.refuse();
            Err(Slow(Duration::from_secs_f64(wait)))
        }
    }

    /// Takes a per-attendee token and a per-address token (attendee first, so a single
    /// flooder is stopped before it drains the address's shared allowance).
    pub fn take_action(&self, kind: Kind, attendee: &str, addr: IpAddr) -> Result<(), Slow> {
        self.take(kind, attendee)?;
        self.take(Kind::Address, &addr.to_string())
    }

    /// Counts a socket from `addr`, if the caps allow; the guard gives it back.
    pub fn open_socket(self: &std::sync::Arc<Self>, addr: IpAddr) -> Option<SocketPermit> {
        let mut map = match self.sockets.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let total: usize = map.values().sum();
        let mine = map.get(&addr).copied().unwrap_or(0);
        if total >= self.limits.sockets_total || mine >= self.limits.sockets_per_address {
            self.refuse();
            return None;
        }
        *map.entry(addr).or_insert(0) += 1;
        Some(SocketPermit {
            limiter: self.clone(),
            addr,
        })
    }
}

/// Held by an open socket; frees its place when dropped.
#[derive(Debug)]
pub struct SocketPermit {
    limiter: std::sync::Arc<Limiter>,
    addr: IpAddr,
}

impl Drop for SocketPermit {
    fn drop(&mut self) {
        let mut map = match self.limiter.sockets.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if let Some(n) = map.get_mut(&self.addr) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.addr);
            }
        }
    }
}

/// "Slow down" in plain words.
pub fn slow_down_message(slow: Slow) -> String {
    let s = slow.seconds();
    format!(
        "You're going a bit fast. Please wait {s} second{} and try again.",
        if s == 1 { "" } else { "s" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn buckets_refuse_after_burst_and_say_how_long() {
        let l = Limiter::new(Limits {
            post: Rate::new(3, 6),
            ..Limits::default()
        });
        for _ in 0..3 {
            assert!(l.take(Kind::Post, "a").is_ok());
        }
        let slow = l.take(Kind::Post, "a").unwrap_err();
        assert!((9..=10).contains(&slow.seconds()), "{slow:?}");
        assert!(l.take(Kind::Post, "b").is_ok(), "others are not affected");
        assert!(slow_down_message(slow).contains("seconds"));
    }

    #[test]
    fn a_venue_behind_one_address_can_join() {
        let l = Limiter::new(Limits::default());
        let venue: IpAddr = "203.0.113.7".parse().unwrap();
        for i in 0..400 {
            assert!(l.take(Kind::Join, &venue.to_string()).is_ok(), "join {i}");
            assert!(
                l.take_action(Kind::Post, &format!("person-{i}"), venue)
                    .is_ok()
            );
        }
    }

    #[test]
    fn socket_caps() {
        let l = Arc::new(Limiter::new(Limits {
            sockets_per_address: 2,
            sockets_total: 3,
            ..Limits::default()
        }));
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let p1 = l.open_socket(a).unwrap();
        let _p2 = l.open_socket(a).unwrap();
        assert!(l.open_socket(a).is_none(), "per address");
        let _p3 = l.open_socket(b).unwrap();
        assert!(l.open_socket(b).is_none(), "in total");
        drop(p1);
        assert!(l.open_socket(b).is_some());
    }
}
