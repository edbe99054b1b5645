//! Command-line actions besides `serve`: creating events from a TOML file, adding organiser
//! accounts and making their API tokens.

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
    let owner = organiser_id(storage, organiser).await?;
    let id = events::create(storage, owner, &event).await?;
    let es = storage
        .event_state(id)
        .await?
        .context("the event vanished after it was created")?;
    Ok(serde_json::to_string_pretty(&EventLinks::new(
        base_url, &es,
    ))?)
}

/// The id of the organiser with this email, if one was named.
async fn organiser_id(
    storage: &dyn Storage,
    organiser: Option<&str>,
) -> anyhow::Result<Option<i64>> {
    Ok(match organiser {
        Some(email) => Some(
            storage
                .organiser_by_email(&email.trim().to_lowercase())
                .await?
                .with_context(|| format!("no organiser account has the email {email}"))?
                .id,
        ),
        None => None,
    })
}

/// `roundtable event export N`: the event's archive as JSON.
pub async fn export_event(storage: &dyn Storage, event_id: i64) -> anyhow::Result<String> {
    let es = storage
        .event_state(event_id)
        .await?
        .with_context(|| format!("there is no event {event_id}"))?;
    let archive = crate::report::http::archive_of(storage, &es)
        .await
        .map_err(|e| anyhow::anyhow!("could not export the event: {}", e.parts().1))?;
    Ok(serde_json::to_string_pretty(&archive)?)
}

/// `roundtable event import FILE`: a new closed event from an archive; prints its links.
pub async fn import_event(
    storage: &dyn Storage,
    base_url: &str,
    file: &Path,
    organiser: Option<&str>,
) -> anyhow::Result<String> {
    let bytes =
        std::fs::read(file).with_context(|| format!("could not read {}", file.display()))?;
    let checked = crate::report::archive::parse(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: {}", file.display(), e.message))?;
    let owner = organiser_id(storage, organiser).await?;
    let id = crate::report::http::import_checked(storage, owner, &checked)
        .await
        .map_err(|e| anyhow::anyhow!("could not import the event: {}", e.parts().1))?;
    let es = storage
        .event_state(id)
        .await?
        .context("the event vanished after it was imported")?;
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

/// `roundtable organiser token`: a new API token for an existing organiser, with the console
/// form's checks on its name ([`crate::api::make_token`]).
pub async fn organiser_token(
    storage: &dyn Storage,
    email: &str,
    name: &str,
) -> anyhow::Result<String> {
    let id = organiser_id(storage, Some(email))
        .await?
        .context("no organiser was named")?;
    match crate::api::make_token(storage, id, name).await {
        Ok((_, token)) => Ok(token),
        Err(crate::error::AppError::Internal(e)) => Err(e.context("could not make the token")),
        Err(e) => Err(anyhow::anyhow!("{}", e.parts().1)),
    }
}
