//! The phone page works with JavaScript off: plain HTML forms to post and agree.

use crate::Fixture;

fn client_id_in(html: &str) -> String {
    let marker = "name=\"client_id\" value=\"";
    html.find(marker)
        .map(|i| {
            html[i + marker.len()..]
                .chars()
                .take_while(|c| *c != '"')
                .collect()
        })
        .unwrap_or_default()
}

fn first_agree_action(html: &str) -> Option<String> {
    let i = html.find("/agree\"")?;
    let start = html[..i].rfind("action=\"")? + "action=\"".len();
    Some(html[start..i + "/agree".len()].to_string())
}

#[tokio::test]
async fn post_and_agree_with_plain_forms() -> anyhow::Result<()> {
    let f = Fixture::new().await?;
    let page = f.server.url(&f.table_path(0));
    let http = roundtable_tests::client();

    let html = http.get(&page).send().await?.text().await?;
    assert!(
        html.contains("Buses and transport"),
        "the table's theme is shown"
    );
    assert!(
        html.contains("Why does this matter here?"),
        "the open round's prompt is shown"
    );
    let client_id = client_id_in(&html);
    assert!(client_id.len() >= 16, "the form carries a client id");

    let text = "Bring back the Sunday service <script>alert(1)</script>";
    let res = http
        .post(&page)
        .form(&[
            ("text", text),
            ("name", "Jo"),
            ("client_id", client_id.as_str()),
        ])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str()?.to_string();
    let html = http
        .get(f.server.url(&location))
        .send()
        .await?
        .text()
        .await?;
    assert!(
        html.contains("Bring back the Sunday service &lt;script&gt;"),
        "text shown, escaped"
    );
    assert!(!html.contains("<script>alert"), "user text is never markup");
    assert!(html.contains("Sent"), "the attendee is told it was sent");

    let action = first_agree_action(&html).expect("an agree form");
    for _ in 0..2 {
        let res = http.post(f.server.url(&action)).send().await?;
        assert_eq!(res.status(), 303);
    }
    // Agreed once, however often the button is pressed.
    let (_, snap) = f.console().await?;
    assert_eq!(snap["state"]["comments"][0]["agrees"], 1);
    assert_eq!(snap["state"]["comments"][0]["name"], "Jo");
    // A second device can agree too.
    let other = roundtable_tests::client();
    other.get(&page).send().await?;
    other.post(f.server.url(&action)).send().await?;
    let (_, snap) = f.console().await?;
    assert_eq!(snap["state"]["comments"][0]["agrees"], 2);
    Ok(())
}

#[tokio::test]
async fn join_by_short_code() -> anyhow::Result<()> {
    let f = Fixture::new().await?;
    let http = roundtable_tests::client();
    let code = f.links["code"].as_str().unwrap_or_default().to_lowercase();
    assert_eq!(code.len(), 9, "8 characters shown as XXXX-XXXX");
    let res = http
        .get(f.server.url(&format!("/join?code={code}")))
        .send()
        .await?;
    assert_eq!(res.status(), 200);
    let html = res.text().await?;
    assert!(
        html.contains(&f.table_path(1)),
        "the chooser links to each table"
    );
    let res = http
        .get(f.server.url("/join?code=AAAA-AAAA"))
        .send()
        .await?;
    assert_eq!(res.status(), 404);
    assert!(
        res.text()
            .await?
            .contains("No event is running with that code")
    );
    let res = http.get(f.server.url("/join?code=12")).send().await?;
    assert_eq!(res.status(), 400);
    Ok(())
}
