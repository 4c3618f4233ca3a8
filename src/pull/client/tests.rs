//! The HTTP layer against a scripted loopback server: pages, retries, timeouts, broken
//! bodies and refused keys, without the database or the readers.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use serde_json::json;

use super::{Client, ClientConfig, MAX_BAD_BODIES, PullError};
use crate::pull::FetchedPage;
use crate::pull::backoff::Backoff;
use crate::pull::secret::ApiKey;
use crate::pull::test_server::{Reply, Server};

const KEY: &str = "sk-unit-test-SECRET-1234";

fn client(server: &Server, max_attempts: u32) -> Client {
    Client::new(ClientConfig {
        base_url: format!("{}/", server.base_url()),
        key: ApiKey::new(KEY).unwrap(),
        max_attempts,
        backoff: Backoff {
            initial_ms: 5,
            max_ms: 40,
        },
        connect_timeout: Duration::from_secs(1),
        read_timeout: Duration::from_secs(1),
    })
}

fn page_json(has_more: bool, key: Option<&str>) -> serde_json::Value {
    json!({"items": [{"call_id": "c1", "start_timestamp": 1000}], "has_more": has_more, "pagination_key": key})
}

/// Fetches with a logger that collects retry messages.
fn fetch(c: &Client, body: &serde_json::Value) -> (Result<FetchedPage, PullError>, Vec<String>) {
    let said = RefCell::new(Vec::new());
    let r = c.fetch("page 1 of pull X", body, &|m| {
        said.borrow_mut().push(m.to_string())
    });
    (r, said.into_inner())
}

#[test]
fn posts_the_body_with_the_bearer_key() {
    let s = Server::start(vec![Reply::page(&page_json(true, Some("k2")))]);
    let body = json!({"limit": 10});
    let (r, said) = fetch(&client(&s, 3), &body);
    let p = r.unwrap();
    assert!(said.is_empty());
    assert_eq!(p.attempts, 1);
    assert_eq!(p.meta.pagination_key.as_deref(), Some("k2"));
    assert_eq!(p.meta.max_start_ms, Some(1000));
    let reqs = s.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].path, "/v3/list-calls");
    assert_eq!(
        reqs[0].header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(reqs[0].header("content-type"), Some("application/json"));
    assert_eq!(reqs[0].json(), body);
}

#[test]
fn retries_429_5xx_timeouts_and_broken_bodies_then_succeeds() {
    let ok = page_json(false, None).to_string();
    let s = Server::start(vec![
        Reply::json(429, "{}").with_header("Retry-After", "1"),
        Reply::json(503, "busy"),
        Reply::Delay(Duration::from_millis(1500), Box::new(Reply::json(200, &ok))),
        Reply::Truncated {
            declared: ok.len() + 50,
            body: ok.clone(),
        },
        Reply::CutOff(ok[..ok.len() / 2].to_string()),
        Reply::json(200, &ok),
    ]);
    let started = Instant::now();
    let (r, said) = fetch(&client(&s, 6), &json!({}));
    let p = r.unwrap();
    assert_eq!(p.attempts, 6);
    assert!(!p.meta.has_more);
    assert_eq!(s.requests().len(), 6);
    assert_eq!(said.len(), 5, "{said:?}");
    assert!(said[0].contains("HTTP 429"), "{said:?}");
    assert!(said[1].contains("HTTP 503"), "{said:?}");
    assert!(said[2].to_lowercase().contains("timeout"), "{said:?}");
    assert!(said[4].contains("truncated"), "{said:?}");
    // Retry-After: 1 is capped at backoff_max_ms (40 ms); the stall costs the 1 s timeout.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn gives_up_after_max_attempts_naming_page_and_status() {
    let s = Server::start(vec![Reply::json(500, "oops"); 5]);
    let (r, said) = fetch(&client(&s, 3), &json!({}));
    let e = r.unwrap_err().to_string();
    assert!(e.contains("page 1 of pull X"), "{e}");
    assert!(e.contains("3 attempt(s)") && e.contains("HTTP 500"), "{e}");
    assert_eq!(s.requests().len(), 3);
    assert_eq!(said.len(), 2);
}

#[test]
fn refused_key_is_not_retried_and_never_echoed() {
    let s = Server::start(vec![Reply::json(
        401,
        &format!(r#"{{"error":"bad key {KEY}"}}"#),
    )]);
    let (r, _) = fetch(&client(&s, 5), &json!({}));
    let e = r.unwrap_err();
    assert!(matches!(e, PullError::Refused { status: 401, .. }));
    let text = format!("{e} {e:?}");
    assert!(text.contains("API key was refused"), "{text}");
    assert!(!text.contains(KEY), "{text}");
    assert_eq!(s.requests().len(), 1);
}

#[test]
fn other_client_errors_stop_with_a_scrubbed_snippet() {
    let s = Server::start(vec![Reply::json(
        422,
        &format!("invalid filter; key={KEY}\n"),
    )]);
    let (r, _) = fetch(&client(&s, 5), &json!({}));
    let e = r.unwrap_err().to_string();
    assert!(
        e.contains("HTTP 422") && e.contains("invalid filter"),
        "{e}"
    );
    assert!(!e.contains(KEY), "{e}");
    assert_eq!(s.requests().len(), 1);
}

#[test]
fn invalid_json_is_retried_a_bounded_number_of_times() {
    let s = Server::start(vec![Reply::json(200, "<html>oops</html>"); 10]);
    let (r, _) = fetch(&client(&s, 10), &json!({}));
    let e = r.unwrap_err().to_string();
    assert!(
        e.contains("page 1 of pull X") && e.contains("not valid JSON"),
        "{e}"
    );
    assert_eq!(s.requests().len(), MAX_BAD_BODIES as usize);
}

#[test]
fn unreachable_server_is_retried_then_reported() {
    // Bind then drop: the port is (almost certainly) closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = Client::new(ClientConfig {
        base_url: format!("http://127.0.0.1:{port}"),
        key: ApiKey::new(KEY).unwrap(),
        max_attempts: 2,
        backoff: Backoff {
            initial_ms: 1,
            max_ms: 2,
        },
        connect_timeout: Duration::from_secs(1),
        read_timeout: Duration::from_secs(1),
    });
    let (r, said) = fetch(&c, &json!({}));
    let e = r.unwrap_err().to_string();
    assert!(e.contains("2 attempt(s)"), "{e}");
    assert_eq!(said.len(), 1);
}
