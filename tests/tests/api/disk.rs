//! Disk trouble: when the database can't be written, posts get a clear "not saved" (never an
//! ack), nothing is half-stored, and the server recovers on its own once writing works.

use serde_json::json;

use crate::Fixture;
use roundtable_tests::client;

#[tokio::test]
async fn a_full_disk_refuses_clearly_and_recovers() -> anyhow::Result<()> {
    let f = Fixture::unthrottled().await?;
    if f.server.on_postgres() {
        // The fault is injected through SQLite's page limit; the SQLite run covers this.
        eprintln!("a full disk is simulated on SQLite only: not run on PostgreSQL");
        return Ok(());
    }
    let (mut phone, _) = f.phone(0).await?;
    let (mut console, _) = f.console().await?;

    f.server.sql.set_disk_full(true).await?;
    let text = "A long point about the water company. ".repeat(25);
    let mut failed = None;
    let mut last_seq = 0;
    for i in 0..500 {
        let id = format!("disk-{i:05}");
        phone
            .send(json!({"type": "post", "client_id": id, "text": text, "ref": id}))
            .await?;
        let reply = phone
            .next_where("reply", |v| {
                (v["type"] == "ack" || v["type"] == "error") && v["ref"] == id.as_str()
            })
            .await?;
        if reply["type"] == "error" {
            assert_eq!(reply["code"], "unavailable");
            assert!(
                reply["message"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with("Not saved")
            );
            failed = Some(id);
            break;
        }
        let seen = console
            .next_where("comment", |v| v["type"] == "comment")
            .await?;
        last_seq = seen["seq"].as_i64().unwrap_or_default();
    }
    let failed = failed.expect("the full disk refused a write");
    // The plain form says so too, and keeps the words.
    let res = client()
        .post(f.server.url(&f.table_path(0)))
        .form(&[("text", text.as_str()), ("client_id", "disk-form-000001")])
        .send()
        .await?;
    assert_eq!(res.status(), 503);
    let html = res.text().await?;
    assert!(html.contains("Not saved"));
    assert!(html.contains("water company"));

    // Space comes back: the same post, retried with its id, is stored once.
    f.server.sql.set_disk_full(false).await?;
    phone
        .send(json!({"type": "post", "client_id": failed, "text": text, "ref": "retry"}))
        .await?;
    let ack = phone.next_where("ack", |v| v["ref"] == "retry").await?;
    assert_eq!(ack["type"], "ack", "recovered without a restart");
    let seen = console
        .next_where("comment", |v| v["type"] == "comment")
        .await?;
    assert_eq!(
        seen["seq"],
        last_seq + 1,
        "nothing was half-stored or numbered while full"
    );
    let (_, snap) = f.console().await?;
    let n = snap["state"]["comments"]
        .as_array()
        .map(Vec::len)
        .unwrap_or_default() as i64;
    assert_eq!(
        n,
        last_seq + 1,
        "the refused one is stored once, after recovery"
    );
    Ok(())
}
