//! The console's "API and webhooks" page in Chromium, at phone width and on a laptop: an
//! organiser makes a token from the dashboard's link, uses it, mistypes a webhook address
//! and is told why on the form, adds one, and revokes the token. axe finds nothing and
//! nothing scrolls sideways.

use anyhow::{Context, Result, ensure};
use fantoccini::{Client, Locator};
use roundtable_tests::browser::{Browser, axe, eval, wait_for};
use roundtable_tests::{TestServer, client};
use serde_json::Value;

const NO_SIDEWAYS: &str = "return document.documentElement.scrollWidth <= window.innerWidth";

async fn fill(c: &Client, css: &str, text: &str) -> Result<()> {
    let field = c.find(Locator::Css(css)).await?;
    field.clear().await?;
    field.send_keys(text).await?;
    Ok(())
}

async fn press(c: &Client, css: &str) -> Result<()> {
    c.find(Locator::Css(css)).await?.click().await?;
    Ok(())
}

async fn fits(c: &Client, what: &str) -> Result<()> {
    ensure!(
        eval(c, NO_SIDEWAYS).await? == Value::Bool(true),
        "{what}: the page scrolls sideways"
    );
    Ok(())
}

#[tokio::test]
async fn an_organiser_makes_uses_and_revokes_a_token_and_adds_a_webhook_in_the_console()
-> Result<()> {
    let Some(browser) = Browser::start().await? else {
        return Ok(());
    };
    let server = TestServer::start().await?;
    let hash = roundtable::security::hash_password("a long enough secret")?;
    server
        .state
        .storage
        .create_organiser("ana@example.org", "Ana", &hash)
        .await?;

    for (width, height) in [(360, 740), (1280, 900)] {
        let c = browser.window(width, height).await?;
        c.goto(&server.url("/organiser/login")).await?;
        fill(&c, "input[name=email]", "ana@example.org").await?;
        fill(&c, "input[name=password]", "a long enough secret").await?;
        press(&c, "form button[type=submit]").await?;
        wait_for(&c, "dashboard", "!!document.querySelector('#link-api')").await?;
        press(&c, "#link-api").await?;
        wait_for(
            &c,
            "the API page",
            "!!document.querySelector('#token-form')",
        )
        .await?;
        axe(&c, &format!("API page at {width} px")).await?;
        fits(&c, "the API page").await?;

        // A token: shown once, in full, and it works.
        let name = format!("Members CRM {width}");
        fill(&c, "#token-name", &name).await?;
        press(&c, "#token-make").await?;
        wait_for(
            &c,
            "the new token",
            "!!document.querySelector('#new-token-value')",
        )
        .await?;
        let token = eval(
            &c,
            "return document.querySelector('#new-token-value').textContent",
        )
        .await?
        .as_str()
        .context("token text")?
        .to_string();
        ensure!(token.starts_with("rt_"), "{token}");
        axe(&c, &format!("API page with a new token at {width} px")).await?;
        fits(&c, "the page showing a token").await?;
        let res = client()
            .get(server.url("/api/v1/events"))
            .bearer_auth(&token)
            .send()
            .await?;
        ensure!(res.status() == 200, "the token works: {}", res.status());

        // A webhook to a link-local address: refused on the form, what was typed kept.
        let bad = "http://169.254.169.254/latest/meta-data/iam/security-credentials/a-very-long-role-name";
        fill(&c, "#webhook-url", bad).await?;
        press(&c, "#webhook-add").await?;
        wait_for(
            &c,
            "the webhook error",
            "/link-local/.test(document.querySelector('#webhooks [role=alert]').textContent) && document.querySelector('#webhook-url').getAttribute('aria-invalid') === 'true'",
        )
        .await?;
        let kept = eval(&c, "return document.querySelector('#webhook-url').value").await?;
        ensure!(
            kept == Value::String(bad.into()),
            "the typed address is kept: {kept}"
        );
        axe(&c, &format!("API page with a webhook error at {width} px")).await?;
        fits(&c, "the page with a webhook error").await?;

        let good = format!("https://crm.example.org/hooks/roundtable/events-closed-{width}");
        fill(&c, "#webhook-url", &good).await?;
        press(&c, "#webhook-add").await?;
        wait_for(
            &c,
            "the webhook secret",
            "!!document.querySelector('#new-secret-value')",
        )
        .await?;
        let listed = eval(
            &c,
            "return document.querySelector('#webhook-list').textContent",
        )
        .await?;
        ensure!(
            listed.as_str().unwrap_or_default().contains(&good),
            "the webhook is listed: {listed}"
        );
        fits(&c, "the page with a long webhook address").await?;

        // Revoke: the notice says so, and the token stops working.
        let revoke = format!("button[aria-label='Revoke the token {name}']");
        press(&c, &revoke).await?;
        wait_for(
            &c,
            "the revoked notice",
            "/The token was revoked/.test(document.body.textContent)",
        )
        .await?;
        axe(&c, &format!("API page after revoking at {width} px")).await?;
        let res = client()
            .get(server.url("/api/v1/events"))
            .bearer_auth(&token)
            .send()
            .await?;
        ensure!(res.status() == 401, "a revoked token is refused");
        c.close().await?;
    }
    Ok(())
}
