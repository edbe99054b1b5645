//! Counters for `/metrics` (Prometheus text format). Numbers only: never an event's name, a
//! table, or anything anyone wrote.

use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) of the database-latency histogram's buckets.
const DB_BUCKETS: [f64; 10] = [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

/// The hub's counters; one per server.
#[derive(Default)]
pub struct Metrics {
    phones: AtomicI64,
    consoles: AtomicI64,
    walls: AtomicI64,
    /// Attendees' and facilitators' comments stored.
    posts: AtomicU64,
    /// Changes and messages published to rooms.
    broadcasts: AtomicU64,
    /// Frames written to sockets.
    frames: AtomicU64,
    /// Sockets closed because they fell more than their queue behind.
    slow_dropped: AtomicU64,
    /// Write batches: count per bucket (not cumulative), total, sum in microseconds.
    db_buckets: [AtomicU64; DB_BUCKETS.len()],
    db_count: AtomicU64,
    db_sum_us: AtomicU64,
}

/// A socket's kind, for the open-sockets gauge.
#[derive(Clone, Copy)]
pub enum SocketKind {
    Phone,
    Console,
    Wall,
}

/// Counts a socket open while it lives.
pub struct OpenSocket<'a> {
    gauge: &'a AtomicI64,
}

impl Drop for OpenSocket<'_> {
    fn drop(&mut self) {
        self.gauge.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    fn gauge(&self, kind: SocketKind) -> &AtomicI64 {
        match kind {
            SocketKind::Phone => &self.phones,
            SocketKind::Console => &self.consoles,
            SocketKind::Wall => &self.walls,
        }
    }

    /// Counts a socket of `kind` open until the guard drops.
    pub fn open(&self, kind: SocketKind) -> OpenSocket<'_> {
        let gauge = self.gauge(kind);
        gauge.fetch_add(1, Ordering::Relaxed);
        OpenSocket { gauge }
    }

    pub fn posted(&self, n: u64) {
        self.posts.fetch_add(n, Ordering::Relaxed);
    }

    pub fn broadcast(&self) {
        self.broadcasts.fetch_add(1, Ordering::Relaxed);
    }

    pub fn frame(&self) {
        self.frames.fetch_add(1, Ordering::Relaxed);
    }

    pub fn slow_consumer_dropped(&self) {
        self.slow_dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// One write batch took `took`.
    pub fn write_took(&self, took: Duration) {
        let secs = took.as_secs_f64();
        if let Some(i) = DB_BUCKETS.iter().position(|&le| secs <= le) {
            self.db_buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.db_count.fetch_add(1, Ordering::Relaxed);
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.db_sum_us.fetch_add(us, Ordering::Relaxed);
    }

    /// The Prometheus text exposition (format 0.0.4), with the figures only the caller has:
    /// the fullest broadcast queue now and the rate-limit refusals so far.
    pub fn render(&self, queue_max: usize, refusals: u64) -> String {
        let mut out = String::with_capacity(2048);
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "# HELP roundtable_open_sockets Websockets open now, by role.\n\
             # TYPE roundtable_open_sockets gauge"
        );
        for (role, gauge) in [
            ("phone", &self.phones),
            ("console", &self.consoles),
            ("wall", &self.walls),
        ] {
            let n = gauge.load(Ordering::Relaxed).max(0);
            let _ = writeln!(out, "roundtable_open_sockets{{role=\"{role}\"}} {n}");
        }
        let counters = [
            (
                "roundtable_posts_total",
                "Comments stored (attendees' and facilitators').",
                get(&self.posts),
            ),
            (
                "roundtable_broadcasts_total",
                "Messages published to an event's sockets.",
                get(&self.broadcasts),
            ),
            (
                "roundtable_frames_sent_total",
                "Websocket frames written to clients.",
                get(&self.frames),
            ),
            (
                "roundtable_slow_consumers_dropped_total",
                "Sockets closed for falling more than their queue behind (they resume).",
                get(&self.slow_dropped),
            ),
            (
                "roundtable_rate_limit_refusals_total",
                "Actions and sockets refused by the abuse limits.",
                refusals,
            ),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP roundtable_broadcast_queue_max Messages waiting for the slowest socket of \
             the fullest queue.\n# TYPE roundtable_broadcast_queue_max gauge\n\
             roundtable_broadcast_queue_max {queue_max}"
        );
        let name = "roundtable_db_write_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Time to store one batch of changes (one transaction, one commit).\n\
             # TYPE {name} histogram"
        );
        let mut cumulative = 0;
        for (le, bucket) in DB_BUCKETS.iter().zip(&self.db_buckets) {
            cumulative += get(bucket);
            let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {cumulative}");
        }
        let count = get(&self.db_count);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let sum = get(&self.db_sum_us) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {count}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_histogram_is_cumulative_and_its_count_takes_the_slow_ones_too() {
        let m = Metrics::default();
        m.write_took(Duration::from_micros(500));
        m.write_took(Duration::from_millis(20));
        m.write_took(Duration::from_secs(3));
        let text = m.render(0, 0);
        assert!(text.contains("roundtable_db_write_seconds_bucket{le=\"0.001\"} 1\n"));
        assert!(text.contains("roundtable_db_write_seconds_bucket{le=\"0.025\"} 2\n"));
        assert!(text.contains("roundtable_db_write_seconds_bucket{le=\"1\"} 2\n"));
        assert!(text.contains("roundtable_db_write_seconds_bucket{le=\"+Inf\"} 3\n"));
        assert!(text.contains("roundtable_db_write_seconds_count 3\n"));
    }

    #[test]
    fn an_open_socket_counts_until_its_guard_drops() {
        let m = Metrics::default();
        let a = m.open(SocketKind::Phone);
        let _b = m.open(SocketKind::Wall);
        assert!(
            m.render(0, 0)
                .contains("roundtable_open_sockets{role=\"phone\"} 1\n")
        );
        drop(a);
        let text = m.render(7, 2);
        assert!(text.contains("roundtable_open_sockets{role=\"phone\"} 0\n"));
        assert!(text.contains("roundtable_open_sockets{role=\"wall\"} 1\n"));
        assert!(text.contains("roundtable_broadcast_queue_max 7\n"));
        assert!(text.contains("roundtable_rate_limit_refusals_total 2\n"));
    }
}
