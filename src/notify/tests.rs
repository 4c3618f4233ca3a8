//! Delivery against a real HTTP server on loopback (pull's scripted test server): success,
//! a failing server retried under the same key after backoff, a server that never
//! answers, a closed port, giving up, and the secret kept out of every message.

// The same file `pull`'s tests use (not a copy), compiled once more here.
#[allow(clippy::duplicate_mod)]
#[path = "../pull/test_server.rs"]
mod test_server;

use std::time::Duration;

use serde_json::json;
use test_server::{Reply, Server};

use super::*;
use crate::store::Store;
use crate::store::outbox::enqueue;

/// The path and query of a webhook URL are its secret.
const SECRET_PATH: &str = "/services/T0/B0/s3cr3t?token=k3y";

fn cfg(base: &str) -> NotifyConfig {
    NotifyConfig {
        webhook: Secret::new(&format!("{base}{SECRET_PATH}")),
        timeout_secs: 2,
        max_attempts: 3,
        backoff_initial_secs: 60,
        backoff_max_secs: 3600,
    }
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open_rw(&dir.path().join("n.db"), false).unwrap();
    (dir, s)
}

#[derive(serde::Serialize)]
struct Change {
    number: &'static str,
    from: &'static str,
    to: &'static str,
}

fn transitions_payload(run: i64) -> Payload {
    let changes = [Change {
        number: "+14155550100",
        from: "active",
        to: "resting",
    }];
    Payload::transitions(
        RunInfo {
            score_run: run,
            created_ms: 1000 + run,
        },
        1_795_219_200_000,
        &changes,
        |c| format!("{} {} -> {}", c.number, c.from, c.to),
        &json!({"resting": 1}),
    )
    .unwrap()
    .unwrap()
}

fn assert_no_secret(texts: &[String]) {
    for t in texts {
        assert!(!t.contains("s3cr3t") && !t.contains("k3y"), "{t}");
    }
}

#[test]
fn a_2xx_delivers_the_json_with_its_idempotency_key() {
    let server = Server::start(vec![Reply::json(200, "ok")]);
    let (_d, s) = store();
    let p = transitions_payload(1);
    let tx = s.conn.unchecked_transaction().unwrap();
    assert!(enqueue(&tx, &p, 5_000).unwrap());
    tx.commit().unwrap();

    let r = deliver_due(&s, &cfg(&server.base_url()), 5_000).unwrap();
    assert_eq!((r.delivered, r.failed.len(), r.postponed), (1, 0, 0));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let req = &reqs[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, SECRET_PATH);
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(
        req.header("idempotency-key"),
        Some(p.idempotency_key.as_str())
    );
    assert_eq!(req.json(), p.body);
    assert!(
        req.json()["text"]
            .as_str()
            .unwrap()
            .contains("+14155550100 active -&gt; resting")
    );
    assert!(s.outbox_undelivered().unwrap().is_empty());
    // Delivered means never sent again.
    let again = deliver_due(&s, &cfg(&server.base_url()), 10_000_000).unwrap();
    assert_eq!(again, DeliveryReport::default());
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_failing_server_is_retried_after_backoff_under_the_same_key() {
    let echo = format!(r#"{{"error":"no_service at {SECRET_PATH}"}}"#);
    let server = Server::start(vec![Reply::json(500, &echo), Reply::json(200, "ok")]);
    let (_d, s) = store();
    let c = cfg(&server.base_url());
    assert!(s.outbox_enqueue(&transitions_payload(4), 1_000).unwrap());

    let first = deliver_due(&s, &c, 1_000).unwrap();
    assert_eq!(first.delivered, 0);
    assert_eq!(first.failed.len(), 1);
    let msg = &first.failed[0];
    assert!(
        msg.contains("127.0.0.1:") && msg.contains("HTTP 500"),
        "{msg}"
    );
    assert!(
        msg.contains("score run 4") && msg.contains("attempt 1 of 3"),
        "{msg}"
    );
    let row = &s.outbox_undelivered().unwrap()[0];
    assert_eq!(row.attempts, 1);
    assert_eq!(row.next_attempt_ms, 1_000 + 60_000);
    assert_no_secret(&[msg.clone(), row.last_error.clone().unwrap()]);

    // Before the backoff has passed, the next run leaves it alone.
    let early = deliver_due(&s, &c, 60_999).unwrap();
    assert_eq!(early, DeliveryReport::default());
    assert_eq!(server.requests().len(), 1);

    let later = deliver_due(&s, &c, 61_000).unwrap();
    assert_eq!((later.delivered, later.failed.len()), (1, 0));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        reqs[0].header("idempotency-key"),
        reqs[1].header("idempotency-key")
    );
    assert_eq!(reqs[0].body, reqs[1].body);
    assert!(s.outbox_undelivered().unwrap().is_empty());
}

#[test]
fn a_server_that_never_answers_times_out_and_the_rest_wait() {
    let server = Server::start(vec![Reply::Delay(
        Duration::from_secs(30),
        Box::new(Reply::json(200, "late")),
    )]);
    let (_d, s) = store();
    let mut c = cfg(&server.base_url());
    c.timeout_secs = 1;
    s.outbox_enqueue(&transitions_payload(1), 10).unwrap();
    s.outbox_enqueue(&Payload::stale(0, 40 * 3_600_000, 36), 20)
        .unwrap();

    let r = deliver_due(&s, &c, 100).unwrap();
    assert_eq!(r.delivered, 0);
    assert_eq!(r.failed.len(), 1);
    assert!(
        r.failed[0].contains("no answer within 1 s"),
        "{:?}",
        r.failed
    );
    assert_eq!(r.postponed, 1, "the second payload is not tried this run");
    assert_eq!(server.requests().len(), 1);
    let rows = s.outbox_undelivered().unwrap();
    assert_eq!(rows.iter().map(|r| r.attempts).collect::<Vec<_>>(), [1, 0]);
}

#[test]
fn a_closed_port_fails_naming_host_and_port_only() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (_d, s) = store();
    let c = cfg(&format!("http://127.0.0.1:{port}"));
    s.outbox_enqueue(&transitions_payload(2), 0).unwrap();

    let r = deliver_due(&s, &c, 0).unwrap();
    assert_eq!(r.delivered, 0);
    let msg = &r.failed[0];
    assert!(msg.contains(&format!("webhook 127.0.0.1:{port}")), "{msg}");
    assert!(msg.contains("connection"), "{msg}");
    assert!(!msg.contains("/services"), "{msg}");
    assert_no_secret(&r.failed);
    assert_eq!(s.outbox_undelivered().unwrap()[0].attempts, 1);
}

#[test]
fn after_max_attempts_it_is_given_up_once_and_not_retried() {
    let server = Server::start(vec![Reply::json(503, ""), Reply::json(503, "")]);
    let (_d, s) = store();
    let mut c = cfg(&server.base_url());
    c.max_attempts = 2;
    s.outbox_enqueue(&transitions_payload(9), 0).unwrap();

    let one = deliver_due(&s, &c, 0).unwrap();
    assert!(one.failed[0].contains("attempt 1 of 2"), "{:?}", one.failed);
    let two = deliver_due(&s, &c, 3_600_000).unwrap();
    assert_eq!(two.failed.len(), 1);
    assert!(
        two.failed[0].contains("gave up") && two.failed[0].contains("after 2 attempts"),
        "{:?}",
        two.failed
    );
    let three = deliver_due(&s, &c, 100 * 3_600_000).unwrap();
    assert_eq!(three, DeliveryReport::default());
    assert_eq!(server.requests().len(), 2);
    // It stays in the outbox, undelivered, for the record.
    assert_eq!(s.outbox_undelivered().unwrap()[0].attempts, 2);
}

#[test]
fn without_a_webhook_nothing_is_sent_and_the_outbox_is_untouched() {
    let (_d, s) = store();
    s.outbox_enqueue(&transitions_payload(1), 0).unwrap();
    let c = NotifyConfig::default();
    assert!(!c.enabled());
    assert_eq!(deliver_due(&s, &c, 0).unwrap(), DeliveryReport::default());
    assert_eq!(s.outbox_undelivered().unwrap()[0].attempts, 0);
}

#[test]
fn the_config_never_shows_the_webhook_and_env_wins() {
    let c = cfg("https://hooks.example.com");
    assert!(c.enabled());
    let shown = [
        format!("{c:?}"),
        serde_json::to_string(&c).unwrap(),
        toml::to_string(&c).unwrap(),
        format!("{}", c.webhook.as_ref().unwrap()),
    ];
    assert_no_secret(&shown);
    assert!(shown.iter().all(|t| t.contains(REDACTED)), "{shown:?}");

    let over = Secret::new("https://other.example.com/hook/s3cr3t");
    let c2 = c.clone().with_webhook_override(over).unwrap();
    assert_eq!(
        c2.webhook.unwrap().host().as_deref(),
        Some("other.example.com")
    );
    let kept = c.clone().with_webhook_override(None).unwrap();
    assert_eq!(kept, c);
    let err = c.with_webhook_override(Secret::new("s3cr3t")).unwrap_err();
    assert!(err.contains(WEBHOOK_ENV), "{err}");
    assert_no_secret(&[err]);
}
