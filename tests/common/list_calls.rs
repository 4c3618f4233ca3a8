//! A stateless List Calls v3 server on loopback for tests that kill `pull`: every request
//! is answered from the request alone (`limit`, `pagination_key` = offset, the
//! `start_timestamp` range), so a killed pull that restarts gets the same pages again.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

pub struct ListCallsServer {
    port: u16,
}

impl ListCallsServer {
    /// Serves `calls` (JSON objects with `start_timestamp`), sorted ascending by start.
    pub fn start(mut calls: Vec<serde_json::Value>) -> ListCallsServer {
        calls.sort_by_key(|c| c["start_timestamp"].as_i64().unwrap_or(0));
        let calls = Arc::new(calls);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let calls = Arc::clone(&calls);
                std::thread::spawn(move || {
                    let _ = serve(stream, &calls);
                });
            }
        });
        ListCallsServer { port }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

fn serve(stream: TcpStream, calls: &[serde_json::Value]) -> std::io::Result<()> {
    stream.set_read_timeout(Some(std::time::Duration::from_secs(5)))?;
    let mut r = BufReader::new(stream.try_clone()?);
    let mut len = 0usize;
    let mut line = String::new();
    r.read_line(&mut line)?; // request line
    loop {
        line.clear();
        if r.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            len = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body)?;
    let req: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let limit = req["limit"].as_u64().unwrap_or(1000).max(1) as usize;
    let offset: usize = req["pagination_key"]
        .as_str()
        .and_then(|k| k.parse().ok())
        .unwrap_or(0);
    let range = &req["filter_criteria"]["start_timestamp"]["value"];
    let lo = range[0].as_i64().unwrap_or(i64::MIN);
    let hi = range[1].as_i64().unwrap_or(i64::MAX);
    let matching: Vec<&serde_json::Value> = calls
        .iter()
        .filter(|c| {
            let s = c["start_timestamp"].as_i64().unwrap_or(0);
            lo <= s && s <= hi
        })
        .collect();
    let end = (offset + limit).min(matching.len());
    let items: Vec<&serde_json::Value> = matching[offset.min(end)..end].to_vec();
    let has_more = end < matching.len();
    let page = serde_json::json!({
        "items": items,
        "has_more": has_more,
        "pagination_key": if has_more { Some(end.to_string()) } else { None },
    })
    .to_string();
    let mut w = stream;
    write!(
        w,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
        page.len()
    )?;
    w.flush()
}
