//! Creating events (from the web form and the command line) and the links that go with them.

use serde::Serialize;

use crate::model::{EventState, NewEvent};
use crate::security;
use crate::storage::{EventSecrets, Storage, StorageError};

/// Links of one table, as printed by `roundtable event create`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TableLinks {
    pub number: i64,
    pub theme: String,
    pub join_url: String,
    pub qr_svg_url: String,
    /// The table facilitator's console (their table only).
    pub console_url: String,
}

/// Every link of an event.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventLinks {
    pub event_id: i64,
    pub title: String,
    pub open: bool,
    /// As shown to people, e.g. `K7QD-2M9X`.
    pub code: String,
    pub landing_url: String,
    pub console_url: String,
    pub wall_url: String,
    pub report_url: String,
    pub cards_url: String,
    pub tables: Vec<TableLinks>,
}

impl EventLinks {
    /// Builds the links of an event on a server reachable at `base`.
    pub fn new(base: &str, es: &EventState) -> Self {
        let e = &es.event;
        let console = format!("{base}/console/{}", e.facilitator_token);
        EventLinks {
            event_id: e.id,
            title: e.title.clone(),
            open: e.open,
            code: security::display_code(&e.code),
            landing_url: format!("{base}/"),
            wall_url: format!("{base}/wall/{}", e.wall_token),
            report_url: format!("{console}/report"),
            cards_url: format!("{console}/cards"),
            console_url: console,
            tables: es
                .tables
                .iter()
                .map(|t| TableLinks {
                    number: t.number,
                    theme: t.theme.clone(),
                    join_url: format!("{base}/t/{}", t.join_token),
                    qr_svg_url: format!("{base}/t/{}/qr.svg", t.join_token),
                    console_url: format!("{base}/console/{}", t.facilitator_token),
                })
                .collect(),
        }
    }
}

/// Creates an event with fresh secrets, retrying if a short code happens to be taken.
pub async fn create(
    storage: &dyn Storage,
    organiser_id: Option<i64>,
    event: &NewEvent,
) -> anyhow::Result<i64> {
    for _ in 0..5 {
        let secrets = EventSecrets {
            code: security::new_code()?,
            facilitator_token: security::new_token()?,
            wall_token: security::new_token()?,
            table_tokens: event
                .tables
                .iter()
                .map(|_| security::new_token())
                .collect::<anyhow::Result<_>>()?,
            table_facilitator_tokens: event
                .tables
                .iter()
                .map(|_| security::new_token())
                .collect::<anyhow::Result<_>>()?,
        };
        match storage.create_event(organiser_id, event, &secrets).await {
            Ok(id) => return Ok(id),
            Err(StorageError::Conflict(_)) => continue,
            Err(e) => return Err(anyhow::anyhow!("could not create the event: {e}")),
        }
    }
    anyhow::bail!("could not find a free event code")
}
