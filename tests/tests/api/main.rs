//! Black-box tests of the server over HTTP and websockets (one test binary).
#![allow(clippy::unwrap_used)] // tests fail loudly by design

mod abuse;
mod access;
mod access_matrix;
mod bad_input;
mod batch;
mod corpus;
mod disk;
mod facilitation;
mod headers;
mod integrations;
mod journey;
mod logs;
mod nodes;
mod nojs;
mod ops;
mod pledges;
mod privacy;
mod reports;
mod resume;
mod walls;

use anyhow::Result;
use roundtable_tests::{TestServer, Ws, path_of};
use serde_json::Value;

/// An event with its sockets' paths, for tests.
pub struct Fixture {
    pub server: TestServer,
    pub links: Value,
}

impl Fixture {
    pub async fn new() -> Result<Self> {
        Self::with_limits(roundtable::limits::Limits::default()).await
    }
    /// An event on a server with other abuse limits.
    pub async fn with_limits(limits: roundtable::limits::Limits) -> Result<Self> {
        let server = TestServer::start_with(limits).await?;
        let links = server.create_event(roundtable_tests::SMALL_EVENT).await?;
        Ok(Fixture { server, links })
    }
    /// An event on a server that never rate-limits posts (for tests that post a lot).
    pub async fn unthrottled() -> Result<Self> {
        use roundtable::limits::{Limits, Rate};
        Self::with_limits(Limits {
            post: Rate::new(100_000, 1_000_000),
            address: Rate::new(100_000, 1_000_000),
            ..Limits::default()
        })
        .await
    }
    pub fn console_path(&self) -> String {
        path_of(self.links["console_url"].as_str().unwrap_or_default())
    }
    pub fn wall_path(&self) -> String {
        path_of(self.links["wall_url"].as_str().unwrap_or_default())
    }
    pub fn table_path(&self, i: usize) -> String {
        path_of(
            self.links["tables"][i]["join_url"]
                .as_str()
                .unwrap_or_default(),
        )
    }
    pub async fn console(&self) -> Result<(Ws, Value)> {
        let mut ws = self
            .server
            .ws(&format!("{}/ws", self.console_path()))
            .await?;
        let snap = ws.next().await?;
        assert_eq!(snap["type"], "snapshot", "console starts with a snapshot");
        Ok((ws, snap))
    }
    pub async fn wall(&self) -> Result<(Ws, Value)> {
        let mut ws = self.server.ws(&format!("{}/ws", self.wall_path())).await?;
        let snap = ws.next().await?;
        assert_eq!(snap["type"], "snapshot");
        Ok((ws, snap))
    }
    pub async fn phone(&self, table: usize) -> Result<(Ws, Value)> {
        let mut ws = self
            .server
            .ws(&format!("{}/ws", self.table_path(table)))
            .await?;
        let snap = ws.next().await?;
        assert_eq!(snap["type"], "snapshot");
        Ok((ws, snap))
    }
    /// An HTTP client logged in as a new organiser (events made on the command line belong
    /// to every organiser of the installation).
    pub async fn organiser(&self, email: &str, name: &str) -> Result<reqwest::Client> {
        let hash = roundtable::security::hash_password("a long enough secret")?;
        self.server
            .state
            .storage
            .create_organiser(email, name, &hash)
            .await?;
        let http = roundtable_tests::client();
        let res = http
            .post(self.server.url("/organiser/login"))
            .form(&[("email", email), ("password", "a long enough secret")])
            .send()
            .await?;
        assert_eq!(res.status(), 303, "log-in works");
        Ok(http)
    }
    /// Table id of the i-th table, read from a snapshot.
    pub fn table_id(snap: &Value, i: usize) -> i64 {
        snap["state"]["tables"][i]["id"]
            .as_i64()
            .unwrap_or_default()
    }
}

/// A fresh client id.
pub fn cid(tag: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!("test-{tag}-{:08}", N.fetch_add(1, Ordering::Relaxed))
}
