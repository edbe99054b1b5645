//! The collated reports through the real server: a scripted event, both reports in every
//! format, exact contents and counts, the personal-data guarantee of the policy briefing,
//! share links, campaigns, the archive round trip, and every file opened by a standard
//! reader (LibreOffice, poppler, vnu, calamine) where CI installs them.

use std::io::Read;

use anyhow::{Context, Result};
use serde_json::{Value, json};

use crate::{Fixture, cid};
use roundtable_tests::{Ws, client};

const FORMATS: [&str; 7] = ["html", "pdf", "docx", "xlsx", "csv", "md", "json"];

/// Markers in every personal field; none may reach the policy briefing.
const NAME: &str = "Nameqxmarker";
const FACILITATOR: &str = "Facilqxmarker";
const REASON: &str = "Reasonqxmarker";
const STORY: &str = "Storyqxmarker";
const CAPTION: &str = "Captionqxmarker";
const ORGANISER: &str = "Organiserqxmarker";
const HIDDEN: &str = "Hiddenqxmarker";
/// Contact details in a comment: replaced in every policy format.
const PHONE: &str = "07700 900123";
const MARKERS: [&str; 8] = [
    NAME,
    FACILITATOR,
    REASON,
    STORY,
    CAPTION,
    ORGANISER,
    HIDDEN,
    PHONE,
];

async fn act(ws: &mut Ws, mut cmd: Value) -> Result<Value> {
    let r = cid("ref");
    cmd["ref"] = json!(r);
    ws.send(cmd).await?;
    let v = ws
        .next_where("reply", |v| {
            (v["type"] == "ack" || v["type"] == "error") && v["ref"] == r.as_str()
        })
        .await?;
    anyhow::ensure!(v["type"] == "ack", "refused: {v}");
    Ok(v)
}

async fn post(ws: &mut Ws, text: &str, name: Option<&str>, reply_to: Option<i64>) -> Result<i64> {
    let client_id = cid("p");
    let mut cmd = json!({"type": "post", "client_id": client_id, "text": text});
    if let Some(n) = name {
        cmd["name"] = json!(n);
    }
    if let Some(r) = reply_to {
        cmd["reply_to"] = json!(r);
    }
    ws.send(cmd).await?;
    let ack = ws
        .next_where("ack", |v| {
            (v["type"] == "ack" && v["client_id"] == client_id.as_str()) || v["type"] == "error"
        })
        .await?;
    ack["comment_id"]
        .as_i64()
        .context(format!("post refused: {ack}"))
}

struct Scripted {
    f: Fixture,
    http: reqwest::Client,
    event_id: i64,
    /// Texts that must be in the local pack.
    shown: Vec<&'static str>,
}

/// An evening at two tables: posts from five devices, a reply, agreements, a merge, a hidden
/// comment, tags, a star, a point typed in by a facilitator, an image, personal data.
async fn scripted() -> Result<Scripted> {
    let f = Fixture::unthrottled().await?;
    let http = f.organiser("org@example.org", ORGANISER).await?;
    let event_id = f.links["event_id"].as_i64().context("event id")?;
    let mut console = f
        .server
        .ws(&format!("{}/ws?name={FACILITATOR}", f.console_path()))
        .await?;
    let snap = console.next().await?;
    let t2 = Fixture::table_id(&snap, 1);
    let phone_url = |i: usize| f.server.ws_url(&format!("{}/ws", f.table_path(i)));
    let mut a = Ws::connect_as(&phone_url(0), "aaaaaaaaaaaaaaaaaaaaaaaaaa").await?;
    let mut b = Ws::connect_as(&phone_url(0), "bbbbbbbbbbbbbbbbbbbbbbbbbb").await?;
    let mut c = Ws::connect_as(&phone_url(0), "cccccccccccccccccccccccccc").await?;
    let mut d = Ws::connect_as(&phone_url(1), "dddddddddddddddddddddddddd").await?;
    for ws in [&mut a, &mut b, &mut c, &mut d] {
        ws.next().await?;
    }
    let last_bus = post(
        &mut a,
        "The last bus leaves at six, so night workers can't get home",
        Some(NAME),
        None,
    )
    .await?;
    let dup = post(
        &mut b,
        "The last bus goes at six so night shift workers can't get home",
        None,
        None,
    )
    .await?;
    let fares = post(
        &mut c,
        "Bus fares went up again, a return to town is £6",
        None,
        None,
    )
    .await?;
    let _reply = post(
        &mut b,
        "Same for the hospital shift, no bus after six",
        None,
        Some(last_bus),
    )
    .await?;
    let hidden = post(&mut c, &format!("{HIDDEN} rude words"), None, None).await?;
    let story = post(
        &mut a,
        &format!("{STORY}: my mum waited two hours in the rain for the 99"),
        None,
        None,
    )
    .await?;
    let pii = post(
        &mut c,
        &format!("Ring me about the bus campaign on {PHONE}"),
        None,
        None,
    )
    .await?;
    let gp = post(
        &mut d,
        "Three weeks to see a GP, people give up and go to A&E",
        None,
        None,
    )
    .await?;
    for (ws, id) in [(&mut b, last_bus), (&mut c, last_bus), (&mut d, gp)] {
        ws.send(json!({"type": "agree", "comment_id": id})).await?;
    }
    // Agreements arrive on three sockets: wait until the console has seen them all.
    let (mut bus_agreed, mut gp_agreed) = (false, false);
    while !(bus_agreed && gp_agreed) {
        let v = console
            .next_where("agreements", |v| v["type"] == "comment")
            .await?;
        bus_agreed |= v["comment"]["id"] == last_bus && v["comment"]["agrees"] == 2;
        gp_agreed |= v["comment"]["id"] == gp && v["comment"]["agrees"] == 1;
    }
    act(
        &mut console,
        json!({"type": "merge", "comment_id": dup, "into": last_bus}),
    )
    .await?;
    act(
        &mut console,
        json!({"type": "hide", "comment_id": hidden, "on": true, "reason": REASON}),
    )
    .await?;
    act(
        &mut console,
        json!({"type": "star", "comment_id": last_bus, "on": true}),
    )
    .await?;
    act(
        &mut console,
        json!({"type": "highlight", "comment_id": fares, "on": true}),
    )
    .await?;
    act(
        &mut console,
        json!({"type": "tag", "comment_id": last_bus, "label": "local campaign idea", "on": true}),
    )
    .await?;
    act(
        &mut console,
        json!({"type": "tag", "comment_id": story, "label": "personal story", "on": true}),
    )
    .await?;
    act(
        &mut console,
        json!({"type": "tag", "comment_id": gp, "label": "policy proposal", "on": true}),
    )
    .await?;
    act(
        &mut console,
        json!({"type": "tag", "comment_id": pii, "label": "policy proposal", "on": true}),
    )
    .await?;
    act(&mut console, json!({"type": "post", "client_id": cid("f"), "text": "Said aloud: the surgery needs evening hours", "table_id": t2})).await?;
    let photo = roundtable::images::jpeg_with_gps(48, 24, 6);
    let res = http
        .post(
            f.server
                .url(&format!("{}/images?caption={CAPTION}", f.console_path())),
        )
        .body(photo)
        .send()
        .await?;
    anyhow::ensure!(res.status() == 201, "upload: {}", res.status());
    Ok(Scripted {
        f,
        http,
        event_id,
        shown: vec![
            "The last bus leaves at six",
            "Bus fares went up again",
            "Same for the hospital shift, no bus after six",
            "Three weeks to see a GP",
            "Said aloud: the surgery needs evening hours",
        ],
    })
}

impl Scripted {
    fn url(&self, query: &str) -> String {
        self.f.server.url(&format!(
            "/organiser/events/{}/report?{query}",
            self.event_id
        ))
    }
    async fn get(&self, query: &str) -> Result<reqwest::Response> {
        Ok(self.http.get(self.url(query)).send().await?)
    }
    async fn bytes(&self, query: &str) -> Result<Vec<u8>> {
        let res = self.get(query).await?;
        anyhow::ensure!(res.status() == 200, "{query}: {}", res.status());
        Ok(res.bytes().await?.to_vec())
    }
}

/// Every text entry of a zip (DOCX, XLSX), joined.
fn zip_text(bytes: &[u8]) -> Result<String> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
    let mut out = String::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i)?;
        let mut buf = Vec::new();
        f.read_to_end(&mut buf)?;
        out.push_str(&String::from_utf8_lossy(&buf));
    }
    Ok(out)
}

/// Whether a tool is on PATH; under CI a missing tool is a failure.
fn tool(name: &str) -> Result<bool> {
    let found = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found && std::env::var("CI").is_ok_and(|v| v == "true") {
        anyhow::bail!("{name} is needed under CI=true (.ci/run installs it)");
    }
    if !found {
        eprintln!("SKIPPED part: {name} is not installed");
    }
    Ok(found)
}

/// The text of a PDF, by poppler's pdftotext.
fn pdf_text(bytes: &[u8]) -> Result<Option<String>> {
    if !tool("pdftotext")? {
        return Ok(None);
    }
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, bytes)?;
    let out = std::process::Command::new("pdftotext")
        .arg("-enc")
        .arg("UTF-8")
        .arg(&path)
        .arg("-")
        .output()?;
    anyhow::ensure!(out.status.success(), "pdftotext failed");
    Ok(Some(String::from_utf8_lossy(&out.stdout).into_owned()))
}

/// The text of a report in any format, for searching.
fn text_of(format: &str, bytes: &[u8]) -> Result<String> {
    Ok(match format {
        "docx" | "xlsx" => zip_text(bytes)?,
        "pdf" => pdf_text(bytes)?.unwrap_or_default(),
        _ => String::from_utf8(bytes.to_vec())?,
    })
}

#[tokio::test]
async fn reports_hold_exactly_the_visible_comments_with_the_right_counts() -> Result<()> {
    let s = scripted().await?;
    let html = String::from_utf8(s.bytes("for=local").await?)?;
    for t in &s.shown {
        assert!(html.contains(t), "local pack shows {t:?}");
    }
    assert!(!html.contains(HIDDEN), "never a hidden comment");
    assert!(
        !html.contains("night shift workers"),
        "the merged duplicate appears once, inside its comment"
    );
    assert!(html.contains("+1 similar"));
    assert!(html.contains("★ Starred"));
    assert!(html.contains("Local campaign ideas"));
    assert!(
        html.contains(NAME),
        "the local pack keeps the name people chose to give"
    );
    assert!(
        html.contains(STORY),
        "personal stories are in the local pack"
    );
    assert!(
        html.contains("data:image/jpeg;base64,"),
        "images are embedded"
    );
    assert!(
        html.contains("Download this report"),
        "the browser view links every format"
    );
    assert!(!html.contains("<script"));

    // CSV: one row per shown comment and reply, parsed back.
    let csv = String::from_utf8(s.bytes("for=local&format=csv").await?)?;
    let rows = parse_csv(csv.trim_start_matches('\u{feff}'));
    let head = &rows[0];
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let body: Vec<&Vec<String>> = rows.iter().skip(1).collect();
    assert_eq!(body.len(), 7, "6 comments and 1 reply: {body:?}");
    let bus = body
        .iter()
        .find(|r| r[col("text")].starts_with("The last bus"))
        .unwrap();
    assert_eq!(bus[col("similar merged")], "1");
    assert_eq!(
        bus[col("agreement")],
        "2",
        "two devices agreed (the merged one had none)"
    );
    assert_eq!(bus[col("starred")], "yes");
    assert_eq!(bus[col("tags")], "local campaign idea");
    assert_eq!(bus[col("name")], NAME);
    let said = body
        .iter()
        .find(|r| r[col("text")].starts_with("Said aloud"))
        .unwrap();
    assert_eq!(said[col("transcribed or written")], "transcribed");
    assert!(!csv.contains(HIDDEN));

    // XLSX read back by a spreadsheet library.
    use calamine::Reader;
    let xlsx = s.bytes("for=local&format=xlsx").await?;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(xlsx))?;
    assert_eq!(
        book.sheet_names(),
        vec![
            "Comments",
            "Tables",
            "Key terms",
            "Pledges",
            "Pledge contacts"
        ]
    );
    let comments = book.worksheet_range("Comments")?;
    assert_eq!(comments.height(), 8, "header and 7 rows");
    let tables = book.worksheet_range("Tables")?;
    assert_eq!(tables.height(), 3);

    // Markdown, DOCX, PDF carry the same comments.
    for format in ["md", "docx", "pdf"] {
        let text = text_of(
            format,
            &s.bytes(&format!("for=local&format={format}")).await?,
        )?;
        if text.is_empty() {
            continue; // pdftotext missing outside CI
        }
        assert!(
            text.contains("Three weeks to see a GP"),
            "{format} has the comments"
        );
        assert!(
            !text.contains(HIDDEN),
            "{format} leaves hidden comments out"
        );
    }

    // Policy briefing: representative quotes, small counts suppressed, personal data flagged.
    let policy = String::from_utf8(s.bytes("for=policy").await?)?;
    assert!(policy.contains("Policy briefing"));
    assert!(
        policy.contains("fewer than 5"),
        "people counts under 5 are suppressed"
    );
    assert!(
        policy.contains("This comment held what looks like a phone number"),
        "{policy}"
    );
    assert!(policy.contains("Ring me about the bus campaign on [removed]"));
    assert!(
        policy.contains("Three weeks to see a GP"),
        "proposals are quoted"
    );

    // The same input always gives the same report (apart from when it was made).
    let again = String::from_utf8(s.bytes("for=policy").await?)?;
    let strip = |s: &str| {
        s.lines()
            .filter(|l| !l.contains("by Roundtable"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&policy), strip(&again));
    // A new comment is in the next download (collations are reused only while nothing changed).
    let (mut phone, _) = s.f.phone(1).await?;
    phone
        .post(&cid("late"), "A late thought about the surgery car park")
        .await?;
    let later = String::from_utf8(s.bytes("for=local&format=md").await?)?;
    assert!(later.contains("A late thought about the surgery car park"));

    // Bad requests say what to do, and nothing changes.
    let res = s.get("format=exe").await?;
    assert_eq!(res.status(), 400);
    assert!(res.text().await?.contains("Choose a report format"));
    let res = s.get("for=everyone").await?;
    assert_eq!(res.status(), 400);
    assert!(
        res.text()
            .await?
            .contains("local (the local campaign pack)")
    );
    // Downloads need organiser or lead rights.
    assert_eq!(
        client()
            .get(s.url("for=local"))
            .send()
            .await?
            .status()
            .as_u16()
            / 100,
        3
    );
    let lead = s.f.server.url(&format!(
        "{}/report?for=policy&format=md",
        s.f.console_path()
    ));
    assert_eq!(client().get(&lead).send().await?.status(), 200);
    Ok(())
}

#[tokio::test]
async fn no_personal_data_reaches_any_policy_briefing() -> Result<()> {
    let s = scripted().await?;
    // A campaign with this event, and share links for both briefings.
    let res = s
        .http
        .post(s.f.server.url("/organiser/campaigns"))
        .form(&[("name", "Coastal towns tour")])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    let campaign = res.headers()["location"].to_str()?.to_string();
    let res = s
        .http
        .post(s.f.server.url("/organiser/campaigns"))
        .form(&[("name", "coastal towns TOUR")])
        .send()
        .await?;
    assert_eq!(res.status(), 422, "one name, one campaign");
    assert!(
        res.text()
            .await?
            .contains("You already have a campaign called")
    );
    let cid_ = campaign.rsplit('/').next().unwrap().to_string();
    let res = s
        .http
        .post(
            s.f.server
                .url(&format!("/organiser/events/{}/campaign", s.event_id)),
        )
        .form(&[("campaign", cid_.as_str())])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    let expires = "2099-01-01";
    let res = s
        .http
        .post(
            s.f.server
                .url(&format!("/organiser/events/{}/shares", s.event_id)),
        )
        .form(&[("expires", expires)])
        .send()
        .await?;
    assert_eq!(res.status(), 400, "a year at most");
    let soon = roundtable::report::format_utc(roundtable::model::now_ms() + 7 * 86_400_000)[..10]
        .to_string();
    let share_page = s
        .http
        .post(
            s.f.server
                .url(&format!("/organiser/events/{}/shares", s.event_id)),
        )
        .form(&[("expires", soon.as_str())])
        .send()
        .await?
        .text()
        .await?;
    let share = share_page
        .split("id=\"share-link\" href=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .context("the share link is shown")?
        .to_string();
    let campaign_share_page = s
        .http
        .post(s.f.server.url(&format!("{campaign}/shares")))
        .form(&[("expires", soon.as_str())])
        .send()
        .await?
        .text()
        .await?;
    let campaign_share = campaign_share_page
        .split("id=\"share-link\" href=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .context("the campaign share link is shown")?
        .to_string();

    let mut checked = 0;
    for format in FORMATS {
        let sources = [
            s.url(&format!("for=policy&format={format}")),
            format!("{share}?format={format}"),
            // A share link never gives the local pack, whatever is asked.
            format!("{share}?for=local&format={format}"),
            s.f.server
                .url(&format!("{campaign}/report?format={format}")),
            format!("{campaign_share}?format={format}"),
        ];
        for url in sources {
            let res = if url.contains("/share/") {
                client().get(&url).send().await?
            } else {
                s.http.get(&url).send().await?
            };
            assert_eq!(res.status(), 200, "{url}");
            if url.contains("/share/") {
                assert_eq!(res.headers()["referrer-policy"], "no-referrer");
            }
            let text = text_of(format, &res.bytes().await?)?;
            if text.is_empty() {
                continue;
            }
            for m in MARKERS {
                assert!(!text.contains(m), "{m} leaked into {url}");
            }
            assert!(!text.contains("org@example.org"));
            checked += 1;
        }
    }
    assert!(checked >= 25, "checked {checked} files");

    // Revoked: the link stops at once.
    let event_page = s
        .http
        .get(s.f.server.url(&format!("/organiser/events/{}", s.event_id)))
        .send()
        .await?
        .text()
        .await?;
    let revoke = event_page
        .split("action=\"")
        .find_map(|p| p.split('"').next().filter(|u| u.contains("/revoke")))
        .context("a revoke button")?
        .to_string();
    let res = s.http.post(s.f.server.url(&revoke)).send().await?;
    assert_eq!(res.status(), 303);
    let res = client().get(&share).send().await?;
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["referrer-policy"], "no-referrer");
    let page = res.text().await?;
    assert!(page.contains("expired or been revoked"));
    assert!(
        !page.contains("Your events"),
        "no organiser links for outsiders: {page}"
    );
    Ok(())
}

#[tokio::test]
async fn the_archive_imports_back_as_the_same_event() -> Result<()> {
    let s = scripted().await?;
    let first = s.bytes("for=local&format=json").await?;
    let a: Value = serde_json::from_slice(&first)?;
    assert_eq!(a["format"], "roundtable-archive");
    assert_eq!(a["version"], 1);
    assert_eq!(a["comments"].as_array().map(Vec::len), Some(9));
    // Upload it as a form would. The same title and date is already here: asked first.
    let form = reqwest::multipart::Form::new().part(
        "archive",
        reqwest::multipart::Part::bytes(first.clone()).file_name("event.json"),
    );
    let res = s
        .http
        .post(s.f.server.url("/organiser/import"))
        .multipart(form)
        .send()
        .await?;
    assert_eq!(res.status(), 409);
    assert!(res.text().await?.contains("Import it again"));
    let form = reqwest::multipart::Form::new()
        .part(
            "archive",
            reqwest::multipart::Part::bytes(first.clone()).file_name("event.json"),
        )
        .text("again", "1");
    let res = s
        .http
        .post(s.f.server.url("/organiser/import"))
        .multipart(form)
        .send()
        .await?;
    assert_eq!(res.status(), 303, "imported");
    let new_page = res.headers()["location"].to_str()?.to_string();
    let new_id: i64 = new_page.rsplit('/').next().unwrap().parse()?;
    assert_ne!(new_id, s.event_id);
    let second = s
        .http
        .get(
            s.f.server
                .url(&format!("/organiser/events/{new_id}/report?format=json")),
        )
        .send()
        .await?
        .bytes()
        .await?;
    let b: Value = serde_json::from_slice(&second)?;
    // Same content; only the comments' numbers, the export time, and who imported it differ.
    let norm = |v: &Value| {
        let mut v = v.clone();
        v["exported_at"] = json!(null);
        v["event"]["open"] = json!(null);
        let ids: Vec<i64> = v["comments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect();
        let map = |id: &Value| {
            id.as_i64()
                .and_then(|i| ids.iter().position(|x| *x == i))
                .map(|p| json!(p))
                .unwrap_or(Value::Null)
        };
        for c in v["comments"].as_array_mut().unwrap() {
            c["id"] = map(&c["id"]);
            c["reply_to"] = map(&c["reply_to"]);
            c["merged_into"] = map(&c["merged_into"]);
        }
        for g in v["agreements"].as_array_mut().unwrap() {
            g["comment"] = map(&g["comment"]);
        }
        for act in v["activity"].as_array_mut().unwrap() {
            act["comment"] = map(&act["comment"]);
        }
        v
    };
    assert_eq!(norm(&a), norm(&b), "round trip");
    // The imported event's report says the same.
    let html = String::from_utf8(
        s.http
            .get(
                s.f.server
                    .url(&format!("/organiser/events/{new_id}/report")),
            )
            .send()
            .await?
            .bytes()
            .await?
            .to_vec(),
    )?;
    for t in &s.shown {
        assert!(html.contains(t));
    }
    // A broken archive is refused with a sentence on the import page, and nothing is made.
    let events_before = s.f.server.state.storage.events_of(1).await?.len();
    for (body, says) in [
        (b"{not json".to_vec(), "not JSON"),
        (
            br#"{"format":"roundtable-archive","version":7}"#.to_vec(),
            "version 7",
        ),
        (
            String::from_utf8(first.clone())?
                .replacen("\"table\": 1", "\"table\": 9", 1)
                .into_bytes(),
            "table 9",
        ),
    ] {
        let form = reqwest::multipart::Form::new().part(
            "archive",
            reqwest::multipart::Part::bytes(body).file_name("x.json"),
        );
        let res = s
            .http
            .post(s.f.server.url("/organiser/import"))
            .multipart(form)
            .send()
            .await?;
        assert_eq!(res.status(), 422);
        let page = res.text().await?;
        assert!(page.contains(says), "{says}: {page}");
        assert!(page.contains("role=\"alert\""));
    }
    assert_eq!(
        s.f.server.state.storage.events_of(1).await?.len(),
        events_before
    );
    Ok(())
}

#[tokio::test]
async fn every_file_opens_in_a_standard_reader() -> Result<()> {
    let s = scripted().await?;
    let dir = tempfile::tempdir()?;
    for audience in ["local", "policy"] {
        for format in FORMATS {
            let bytes = s.bytes(&format!("for={audience}&format={format}")).await?;
            let path = dir.path().join(format!("{audience}.{format}"));
            std::fs::write(&path, &bytes)?;
            match format {
                "json" => {
                    serde_json::from_slice::<Value>(&bytes)?;
                }
                "csv" => {
                    let rows =
                        parse_csv(std::str::from_utf8(&bytes)?.trim_start_matches('\u{feff}'));
                    assert!(rows.len() > 1 && rows.iter().all(|r| r.len() == rows[0].len()));
                }
                "docx" | "xlsx" => {
                    #[allow(clippy::collapsible_match)] // a guard with `?` reads worse
                    if tool("soffice")? {
                        let out = std::process::Command::new("soffice")
                            .args([
                                "--headless",
                                "--norestore",
                                "--convert-to",
                                "pdf",
                                "--outdir",
                            ])
                            .arg(dir.path().join("lo"))
                            .arg(&path)
                            .env("HOME", dir.path())
                            .output()?;
                        let pdf = dir.path().join("lo").join(format!("{audience}.pdf"));
                        assert!(
                            out.status.success() && pdf.exists(),
                            "LibreOffice opened {audience}.{format}: {}",
                            String::from_utf8_lossy(&out.stderr)
                        );
                        std::fs::remove_file(pdf)?;
                    }
                }
                "pdf" => {
                    assert!(bytes.starts_with(b"%PDF-"));
                    if tool("pdftoppm")? {
                        let out = std::process::Command::new("pdftoppm")
                            .args(["-png", "-r", "30", "-f", "1", "-l", "2"])
                            .arg(&path)
                            .arg(dir.path().join(format!("{audience}-page")))
                            .output()?;
                        assert!(
                            out.status.success(),
                            "pdftoppm rendered it: {}",
                            String::from_utf8_lossy(&out.stderr)
                        );
                        assert!(
                            out.stderr.is_empty(),
                            "no warnings: {}",
                            String::from_utf8_lossy(&out.stderr)
                        );
                    }
                }
                "html" => {
                    let jar = std::env::var("VNU_JAR").unwrap_or_default();
                    if jar.is_empty() || !std::path::Path::new(&jar).exists() {
                        if std::env::var("CI").is_ok_and(|v| v == "true") {
                            anyhow::bail!("VNU_JAR must point at vnu.jar under CI=true");
                        }
                        eprintln!("SKIPPED part: set VNU_JAR to validate the HTML");
                    } else {
                        let out = std::process::Command::new("java")
                            .args(["-jar", &jar, "--errors-only", "--format", "gnu"])
                            .arg(&path)
                            .output()?;
                        assert!(
                            out.status.success(),
                            "vnu: {}",
                            String::from_utf8_lossy(&out.stderr)
                        );
                    }
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// RFC 4180 CSV, parsed back (quotes, commas and line breaks inside fields).
fn parse_csv(s: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// Attendee text built to break out of each format: markup, spreadsheet formulas, XML,
/// Markdown links and tables, literal entities.
const HOSTILE: [&str; 8] = [
    "<script>alert('x')</script>",
    "=HYPERLINK(\"http://evil.example\",\"click\")",
    "+SUM(1,2)",
    "-2+3",
    "@cmd",
    "]]></w:t><w:t>injected",
    "[click](javascript:alert(1)) | pipe | # not a heading",
    "&amp; &lt;b&gt; literal entities",
];

/// Whether a spreadsheet would read this cell as a formula.
fn formula_like(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

#[tokio::test]
async fn hostile_text_is_inert_in_every_format() -> Result<()> {
    let f = Fixture::unthrottled().await?;
    let http = f.organiser("escape@example.org", "Esc").await?;
    let (mut phone, _) = f.phone(0).await?;
    let (mut console, _) = f.console().await?;
    let mut first = 0;
    for (i, text) in HOSTILE.iter().enumerate() {
        let name = (i == 0).then_some("<b>Bold</b>");
        let id = post(&mut phone, text, name, None).await?;
        if i == 0 {
            first = id;
        }
        // Starred, so it leads the local pack and can be quoted.
        act(
            &mut console,
            json!({"type": "star", "comment_id": id, "on": true}),
        )
        .await?;
    }
    let get = |query: String| {
        let http = http.clone();
        let url = f.server.url(&format!("/organiser/events/1/report?{query}"));
        async move {
            let res = http.get(url).send().await?;
            anyhow::ensure!(res.status() == 200, "{query}: {}", res.status());
            Ok::<_, anyhow::Error>(res.bytes().await?.to_vec())
        }
    };

    // One agreement: the policy briefing must not count it (it would count people).
    let (mut other, _) = f.phone(0).await?;
    act(&mut other, json!({"type": "agree", "comment_id": first})).await?;
    let policy_md = String::from_utf8(get("for=policy&format=md".into()).await?)?;
    assert!(
        policy_md.contains("- Agreements: **fewer than 5**"),
        "{policy_md}"
    );

    let html = String::from_utf8(get("for=local&format=html".into()).await?)?;
    assert!(!html.contains("<script>alert") && !html.contains("<b>Bold</b>"));
    assert!(
        html.contains("&lt;script&gt;alert('x')&lt;/script&gt;"),
        "shown as text"
    );
    assert!(html.contains("&lt;b&gt;Bold&lt;/b&gt;"));
    assert!(html.contains("&amp;amp; &amp;lt;b&amp;gt; literal entities"));

    let md = String::from_utf8(get("for=local&format=md".into()).await?)?;
    assert!(
        !md.contains("<script>") && md.contains("&lt;script>alert"),
        "{md}"
    );
    assert!(
        md.contains("\\[click\\](javascript:alert(1)) \\| pipe \\|"),
        "no live link or table"
    );
    assert!(
        md.contains("&amp;amp; &amp;lt;b&amp;gt;"),
        "entities stay literal"
    );

    let docx = zip_text(&get("for=local&format=docx".into()).await?)?;
    assert!(!docx.contains("<w:t>injected") && !docx.contains("<script>"));
    assert!(docx.contains("]]&gt;&lt;/w:t&gt;&lt;w:t&gt;injected"));

    for audience in ["local", "policy"] {
        let csv = String::from_utf8(get(format!("for={audience}&format=csv")).await?)?;
        let rows = parse_csv(csv.trim_start_matches('\u{feff}'));
        let cells: Vec<&String> = rows.iter().flatten().collect();
        assert!(
            !cells.iter().any(|c| formula_like(c)),
            "{audience} CSV: a cell would run as a formula"
        );
        if audience == "local" {
            for text in &HOSTILE[1..5] {
                assert!(
                    cells.iter().any(|c| **c == format!("'{text}")),
                    "{text} kept, neutralised"
                );
            }
        }
        use calamine::Reader;
        let xlsx = get(format!("for={audience}&format=xlsx")).await?;
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(xlsx))?;
        for sheet in book.sheet_names() {
            let formulas = book.worksheet_formula(&sheet)?;
            assert!(
                formulas.used_cells().all(|(_, _, f)| f.is_empty()),
                "{audience} XLSX {sheet}: no formulas"
            );
            let values = book.worksheet_range(&sheet)?;
            for (_, _, v) in values.used_cells() {
                if let calamine::Data::String(s) = v {
                    assert!(!formula_like(s), "{audience} XLSX {sheet}: {s}");
                }
            }
        }
    }

    let json: Value = serde_json::from_slice(&get("for=local&format=json".into()).await?)?;
    let texts: Vec<&str> = json["comments"]
        .as_array()
        .context("archive comments")?
        .iter()
        .filter_map(|c| c["text"].as_str())
        .collect();
    for text in HOSTILE {
        assert!(texts.contains(&text), "JSON keeps {text:?} exactly");
    }
    if let Some(pdf) = pdf_text(&get("for=local&format=pdf".into()).await?)? {
        assert!(pdf.contains("alert('x')"), "the PDF shows it as text");
    }
    Ok(())
}
