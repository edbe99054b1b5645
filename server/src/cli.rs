//! Command-line actions besides `serve`: creating events from a TOML file and adding
//! organiser accounts.

use std::io::BufRead;
use std::path::Path;

use anyhow::Context;

use crate::events::{self, EventLinks};
use crate::model::EventDraft;
use crate::storage::Storage;

/// `roundtable event create FILE`: prints the event's links as JSON.
pub async fn create_event(
    storage: &dyn Storage,
    base_url: &str,
    file: &Path,
    closed: bool,
    organiser: Option<&str>,
) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("could not read {}", file.display()))?;
    let draft: EventDraft = toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{} is not a valid event file: {e}", file.display()))?;
    let event = draft
        .parse(!closed)
        .map_err(|e| anyhow::anyhow!("{}: {}", file.display(), e.message))?;
    let organiser_id = match organiser {
        Some(email) => Some(
            storage
                .organiser_by_email(&email.trim().to_lowercase())
                .await?
                .with_context(|| format!("no organiser account has the email {email}"))?
                .id,
        ),
        None => None,
    };
    let id = events::create(storage, organiser_id, &event).await?;
    let es = storage
        .event_state(id)
        .await?
        .context("the event vanished after it was created")?;
    Ok(serde_json::to_string_pretty(&EventLinks::new(
        base_url, &es,
    ))?)
}

/// `roundtable organiser add`: reads the password from the first line of standard input.
pub async fn add_organiser(storage: &dyn Storage, email: &str, name: &str) -> anyhow::Result<()> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("could not read the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']);
    anyhow::ensure!(
        password.chars().count() >= 10,
        "the password must be at least 10 characters long"
    );
    let email = email.trim().to_lowercase();
    anyhow::ensure!(email.contains('@'), "{email:?} is not an email address");
    let hash = crate::security::hash_password(password)?;
    storage
        .create_organiser(&email, name.trim(), &hash)
        .await
        .map_err(|e| anyhow::anyhow!("could not add the organiser: {e}"))?;
    Ok(())
}
