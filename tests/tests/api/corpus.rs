//! A bad-input corpus against every way in: each item is either refused with a clear 4xx /
//! error code (and nothing stored) or stored and shown byte-for-byte as text everywhere.
//! Never a 5xx, never a panic.

use serde_json::json;

use crate::{Fixture, cid};
use roundtable_tests::client;

/// (text, must be accepted)
fn corpus() -> Vec<(String, bool)> {
    let mut c: Vec<(String, bool)> = vec![
        ("<script>alert(1)</script>".into(), true),
        ("<img src=x onerror=alert(1)>".into(), true),
        ("\"><svg onload=alert(1)>".into(), true),
        ("javascript:alert(1)".into(), true),
        ("=HYPERLINK(\"http://evil\",\"click\")".into(), true),
        ("+1 and -1 and @sum".into(), true),
        ("'; DROP TABLE comments; --".into(), true),
        ("Robert'); DELETE FROM events WHERE ('1'='1".into(), true),
        ("مرحبا بالعالم".into(), true),
        ("שלום עולם".into(), true),
        ("Croeso i Gymru! Mae'r bws olaf am chwech. ŵŷ".into(), true),
        ("👩‍👩‍👧‍👦 family 🏳️‍🌈".into(), true),
        ("zero\u{200B}width\u{200D}joiner\u{FEFF}".into(), true),
        (format!("Z{}", "\u{0301}".repeat(500)), true),
        ("line one\nline two\n\nline four".into(), true),
        ("tab\tseparated".into(), true),
        ("%00 %s %n {0} ${x} {{x}}".into(), true),
        ("null \\u0000 literal".into(), true),
        ("a".repeat(1000), true),
        ("😀".repeat(1000), true),
        ("".into(), false),
        ("   \n\t  ".into(), false),
        ("a".repeat(1001), false),
        ("😀".repeat(1001), false),
        ("nul\u{0}byte".into(), false),
        ("bell\u{7}".into(), false),
        ("escape\u{1b}[31mred".into(), false),
        ("c1\u{85}control".into(), false),
        ("del\u{7f}".into(), false),
        ("rlo\u{202E}txet".into(), false),
        ("lri\u{2066}isolate\u{2069}".into(), false),
        ("x".repeat(10_000), false),
    ];
    for cp in [
        0x01u32, 0x08, 0x0b, 0x0c, 0x1f, 0x9f, 0x202a, 0x202b, 0x202c, 0x202d, 0x2067, 0x2068,
    ] {
        if let Some(ch) = char::from_u32(cp) {
            c.push((format!("before{ch}after"), false));
        }
    }
    c
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[tokio::test]
async fn every_item_is_refused_clearly_or_stored_exactly() -> anyhow::Result<()> {
    let f = Fixture::unthrottled().await?;
    let (mut phone, _) = f.phone(0).await?;
    let http = client();
    let page = f.server.url(&f.table_path(1));
    http.get(&page).send().await?;
    let mut accepted = Vec::new();
    for (i, (text, ok)) in corpus().into_iter().enumerate() {
        // Over the websocket.
        phone
            .send(json!({"type": "post", "client_id": cid("corpus"), "text": text, "ref": format!("r{i}")}))
            .await?;
        let reply = phone
            .next_where("reply", |v| {
                (v["type"] == "ack" || v["type"] == "error") && v["ref"] == format!("r{i}").as_str()
            })
            .await?;
        if ok {
            assert_eq!(reply["type"], "ack", "should accept {text:?}: {reply}");
        } else {
            assert_eq!(reply["type"], "error", "should refuse {text:?}");
            assert!(!reply["message"].as_str().unwrap_or_default().is_empty());
        }
        // Over the plain form.
        let res = http
            .post(&page)
            .form(&[
                ("text", text.as_str()),
                ("client_id", cid("corpus-form").as_str()),
                ("name", text.chars().take(40).collect::<String>().as_str()),
            ])
            .send()
            .await?;
        let status = res.status().as_u16();
        assert!(status < 500, "5xx for {text:?}");
        if ok && !text.contains('\n') && text.trim() == text && text.chars().count() <= 40 {
            assert_eq!(status, 303, "form should accept {text:?}");
        } else if !ok {
            assert!(
                (400..500).contains(&status),
                "form should refuse {text:?}: {status}"
            );
            let html = res.text().await?;
            assert!(
                html.contains("role=\"alert\""),
                "refusal explained for {text:?}"
            );
        }
        if ok {
            accepted.push(text);
        }
    }
    // Names: too long or multi-line are refused.
    for name in ["n".repeat(41), "two\nlines".to_string()] {
        phone.send(json!({"type": "post", "client_id": cid("n"), "text": "hello", "name": name, "ref": "name"})).await?;
        let reply = phone.next_where("reply", |v| v["ref"] == "name").await?;
        assert_eq!(reply["type"], "error");
    }
    // Every accepted text is stored exactly as sent and shown as text in the report.
    let (_, snap) = f.console().await?;
    let stored: Vec<String> = snap["state"]["comments"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|c| c["text"].as_str().unwrap_or_default().to_string())
        .collect();
    let report = client()
        .get(f.links["report_url"].as_str().unwrap_or_default())
        .send()
        .await?
        .text()
        .await?;
    for text in &accepted {
        assert!(stored.contains(text), "round trip of {text:?}");
        let shown = escape(text);
        assert!(report.contains(&shown), "report shows {text:?} as text");
    }
    assert!(
        !report.contains("<script>alert"),
        "no markup from attendees in the report"
    );
    assert!(!report.contains("<img src=x"));
    Ok(())
}

#[tokio::test]
async fn malformed_socket_messages_close_with_a_reason() -> anyhow::Result<()> {
    let f = Fixture::new().await?;
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    let cases: Vec<String> = vec![
        deep,
        "null".into(),
        "[]".into(),
        "{}".into(),
        r#"{"type":"post"}"#.into(),
        r#"{"type":"post","client_id":12,"text":"x"}"#.into(),
        r#"{"type":"agree","comment_id":"one"}"#.into(),
        r#"{"type":"delete_everything"}"#.into(),
        r#"{"type":"post","client_id":"abcdefgh12","text":"ok""#.into(),
    ];
    for raw in cases {
        let (mut ws, _) = f.phone(0).await?;
        ws.send_raw(&raw).await?;
        let closed = ws.closed().await?;
        assert_eq!(closed.code, Some(1007), "{raw:.40}");
        assert!(!closed.reason.is_empty(), "a reason is given");
    }
    // The server is fine afterwards.
    let (mut ws, _) = f.phone(0).await?;
    ws.post(&cid("after"), "still here").await?;
    Ok(())
}
