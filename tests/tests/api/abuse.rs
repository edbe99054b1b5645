//! Abuse limits: a flooder is slowed with a friendly message, wrong codes are limited per
//! address, a venue behind one address can still join, sockets are capped.

use serde_json::json;

use crate::{Fixture, cid};
use roundtable::limits::{Limits, Rate};
use roundtable_tests::{client, path_of};

async fn fixture_with(limits: Limits) -> anyhow::Result<Fixture> {
    Fixture::with_limits(limits).await
}

fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .local_address(ip.parse::<std::net::IpAddr>().ok())
        .build()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_flooding_phone_is_slowed_down_politely() -> anyhow::Result<()> {
    let f = fixture_with(Limits {
        post: Rate::new(3, 6),
        ..Limits::default()
    })
    .await?;
    let (mut phone, _) = f.phone(0).await?;
    for i in 0..3 {
        phone.post(&cid("flood"), &format!("flood {i}")).await?;
    }
    phone
        .send(
            json!({"type": "post", "client_id": cid("flood"), "text": "one too many", "ref": "x"}),
        )
        .await?;
    let err = phone
        .next_where("rate limit", |v| v["type"] == "error")
        .await?;
    assert_eq!(err["code"], "rate_limited");
    assert!(err["retry_after"].as_u64().unwrap_or(0) >= 1);
    assert!(
        err["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Please wait")
    );
    // Another phone at the same table is not affected.
    let (mut other, _) = f.phone(0).await?;
    other.post(&cid("ok"), "I can still post").await?;

    // The plain form: a 429 with Retry-After, the words kept on the page.
    let http = client();
    let page = f.server.url(&f.table_path(1));
    http.get(&page).send().await?;
    for i in 0..3 {
        let res = http
            .post(&page)
            .form(&[
                ("text", format!("form {i}").as_str()),
                ("client_id", cid("form").as_str()),
            ])
            .send()
            .await?;
        assert_eq!(res.status(), 303);
    }
    let res = http
        .post(&page)
        .form(&[
            ("text", "my kept words"),
            ("client_id", cid("form").as_str()),
        ])
        .send()
        .await?;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let html = res.text().await?;
    assert!(html.contains("Please wait"));
    assert!(html.contains("my kept words"));
    let (_, snap) = f.console().await?;
    assert_eq!(snap["state"]["comments"].as_array().map(Vec::len), Some(7));
    Ok(())
}

#[tokio::test]
async fn wrong_codes_are_limited_per_address() -> anyhow::Result<()> {
    // A slow refill (1 a minute), so the test doesn't depend on this machine's speed.
    let f = fixture_with(Limits {
        code_failures: Rate::new(10, 1),
        ..Limits::default()
    })
    .await?;
    let guesser = client_from("127.0.0.2");
    for i in 0..10 {
        let res = guesser
            .get(f.server.url(&format!("/join?code=ZZZZ-ZZ{i:02}")))
            .send()
            .await?;
        assert_eq!(res.status(), 404, "guess {i}");
    }
    let code = f.links["code"].as_str().unwrap_or_default().to_string();
    let res = guesser
        .get(f.server.url(&format!("/join?code={code}")))
        .send()
        .await?;
    assert_eq!(
        res.status(),
        429,
        "even the right code waits once the limit is hit"
    );
    assert!(res.text().await?.contains("Too many wrong codes"));
    // Someone on another address is not affected.
    let res = client_from("127.0.0.3")
        .get(f.server.url(&format!("/join?code={code}")))
        .send()
        .await?;
    assert_eq!(res.status(), 200);
    Ok(())
}

#[tokio::test]
async fn four_hundred_people_behind_one_address_can_join_and_post() -> anyhow::Result<()> {
    let f = Fixture::new().await?;
    let page = f.server.url(&f.table_path(0));
    let venue = "127.0.0.4";
    let mut tasks = Vec::new();
    for i in 0..400 {
        let page = page.clone();
        tasks.push(tokio::spawn(async move {
            let phone = client_from(venue);
            let get = phone.get(&page).send().await?.status().as_u16();
            let post = phone
                .post(&page)
                .form(&[
                    ("text", format!("person {i}").as_str()),
                    ("client_id", format!("venue-person-{i:04}").as_str()),
                ])
                .send()
                .await?
                .status()
                .as_u16();
            anyhow::Ok((get, post))
        }));
    }
    for t in tasks {
        let (get, post) = t.await??;
        assert_eq!(
            (get, post),
            (200, 303),
            "nobody behind the venue address is refused"
        );
    }
    let (_, snap) = f.console().await?;
    assert_eq!(
        snap["state"]["comments"].as_array().map(Vec::len),
        Some(400)
    );
    Ok(())
}

#[tokio::test]
async fn sockets_are_capped_per_address() -> anyhow::Result<()> {
    let f = fixture_with(Limits {
        sockets_per_address: 3,
        ..Limits::default()
    })
    .await?;
    let table = path_of(
        f.links["tables"][0]["join_url"]
            .as_str()
            .unwrap_or_default(),
    );
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(f.server.ws(&format!("{table}/ws")).await?);
    }
    assert!(
        f.server.ws(&format!("{table}/ws")).await.is_err(),
        "the fourth is refused"
    );
    open.pop().expect("a socket").close().await;
    // The place is given back once the server has seen the close.
    let deadline = tokio::time::Instant::now() + roundtable_tests::DEADLINE;
    loop {
        if f.server.ws(&format!("{table}/ws")).await.is_ok() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the place was never given back"
        );
        tokio::task::yield_now().await;
    }
    Ok(())
}

#[tokio::test]
async fn wrong_passwords_are_limited_per_address() -> anyhow::Result<()> {
    // A slow refill (1 a minute), so the test doesn't depend on how long argon2 takes here.
    let f = fixture_with(Limits {
        login_failures: Rate::new(3, 1),
        ..Limits::default()
    })
    .await?;
    let guesser = client_from("127.0.0.5");
    for i in 0..3 {
        let res = guesser
            .post(f.server.url("/organiser/login"))
            .form(&[
                ("email", "nobody@example.org"),
                ("password", format!("guess {i}").as_str()),
            ])
            .send()
            .await?;
        assert_eq!(res.status(), 401, "guess {i}");
    }
    let res = guesser
        .post(f.server.url("/organiser/login"))
        .form(&[("email", "nobody@example.org"), ("password", "guess 4")])
        .send()
        .await?;
    assert_eq!(res.status(), 429);
    assert!(res.text().await?.contains("Too many wrong passwords"));
    Ok(())
}

#[tokio::test]
async fn a_phone_can_only_agree_at_its_own_table() -> anyhow::Result<()> {
    let f = Fixture::new().await?;
    let (mut table2, _) = f.phone(1).await?;
    let other_table = table2.post(&cid("t2"), "Health and care point").await?;
    let (mut phone, _) = f.phone(0).await?;
    phone
        .send(json!({"type": "agree", "comment_id": other_table, "ref": "x"}))
        .await?;
    let reply = phone.next_where("reply", |v| v["ref"] == "x").await?;
    assert_eq!(reply["type"], "error");
    assert_eq!(reply["code"], "not_found");
    let (_, snap) = f.console().await?;
    assert_eq!(snap["state"]["comments"][0]["agrees"], 0);
    Ok(())
}
