//! The alert outbox: payloads queued in the transaction of the run they report on, then
//! delivered (or retried by later runs) by `notify`. The webhook URL is never stored here;
//! `last_error` holds messages that name the host at most.

use rusqlite::{Connection, params};

use crate::error::Result;
use crate::notify::Payload;
use crate::store::Store;

/// A queued payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: i64,
    pub score_run: Option<i64>,
    pub created_ms: i64,
    pub idempotency_key: String,
    /// The JSON body, sent byte for byte on every attempt.
    pub payload: String,
    /// Failed attempts so far.
    pub attempts: u32,
    pub next_attempt_ms: i64,
    pub last_error: Option<String>,
    pub delivered_ms: Option<i64>,
}

const COLUMNS: &str = "id, score_run, created_ms, idempotency_key, payload, attempts, next_attempt_ms, last_error, delivered_ms";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxRow> {
    Ok(OutboxRow {
        id: r.get(0)?,
        score_run: r.get(1)?,
        created_ms: r.get(2)?,
        idempotency_key: r.get(3)?,
        payload: r.get(4)?,
        attempts: u32::try_from(r.get::<_, i64>(5)?).unwrap_or(u32::MAX),
        next_attempt_ms: r.get(6)?,
        last_error: r.get(7)?,
        delivered_ms: r.get(8)?,
    })
}

/// Queues `p`, due at once. Pass the transaction that records the run, so the alert
/// exists exactly when the run does. A payload whose idempotency key is already queued
/// (the same stale-data stretch, say) is not queued again: returns whether it was added.
pub fn enqueue(conn: &Connection, p: &Payload, now_ms: i64) -> Result<bool> {
    let added = conn.execute(
        "INSERT INTO outbox (score_run, created_ms, idempotency_key, payload, next_attempt_ms) \
         VALUES (?1, ?2, ?3, ?4, ?2) ON CONFLICT (idempotency_key) DO NOTHING",
        params![p.score_run, now_ms, p.idempotency_key, p.body.to_string()],
    )?;
    Ok(added == 1)
}

impl Store {
    /// [`enqueue`] on its own (a stale-data alert, outside any run's transaction).
    pub fn outbox_enqueue(&self, p: &Payload, now_ms: i64) -> Result<bool> {
        enqueue(&self.conn, p, now_ms).map_err(|e| e.at_db(self.path()))
    }

    /// Undelivered payloads due by `now_ms` with fewer than `max_attempts` failures,
    /// oldest first.
    pub fn outbox_due(&self, now_ms: i64, max_attempts: u32, limit: i64) -> Result<Vec<OutboxRow>> {
        self.query_rows(
            &format!(
                "SELECT {COLUMNS} FROM outbox WHERE delivered_ms IS NULL AND next_attempt_ms <= ?1 \
                 AND attempts < ?2 ORDER BY created_ms, id LIMIT ?3"
            ),
            params![now_ms, max_attempts, limit],
            row,
        )
    }

    /// Every undelivered payload (given up ones included), oldest first.
    pub fn outbox_undelivered(&self) -> Result<Vec<OutboxRow>> {
        self.query_rows(
            &format!(
                "SELECT {COLUMNS} FROM outbox WHERE delivered_ms IS NULL ORDER BY created_ms, id"
            ),
            [],
            row,
        )
    }

    /// Takes payload `id` for one attempt by moving its next attempt to `until_ms`, if it
    /// is still undelivered and still due at `seen_next_ms` (no other run took it).
    pub fn outbox_claim(&self, id: i64, seen_next_ms: i64, until_ms: i64) -> Result<bool> {
        let n = self
            .conn
            .execute(
                "UPDATE outbox SET next_attempt_ms = ?3 \
                 WHERE id = ?1 AND next_attempt_ms = ?2 AND delivered_ms IS NULL",
                params![id, seen_next_ms, until_ms],
            )
            .map_err(|e| self.wrap(e))?;
        Ok(n == 1)
    }

    pub fn outbox_mark_delivered(&self, id: i64, now_ms: i64) -> Result<()> {
        self.conn
            .execute(
                "UPDATE outbox SET delivered_ms = ?2 WHERE id = ?1",
                params![id, now_ms],
            )
            .map_err(|e| self.wrap(e))?;
        Ok(())
    }

    /// Counts a failed attempt, its message and when to try next.
    pub fn outbox_mark_failed(&self, id: i64, error: &str, next_attempt_ms: i64) -> Result<()> {
        self.conn
            .execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_ms = ?3 \
                 WHERE id = ?1",
                params![id, error, next_attempt_ms],
            )
            .map_err(|e| self.wrap(e))?;
        Ok(())
    }

    /// Deletes payloads delivered before `before_ms`; returns how many.
    pub fn outbox_prune_delivered(&self, before_ms: i64) -> Result<usize> {
        self.conn
            .execute(
                "DELETE FROM outbox WHERE delivered_ms IS NOT NULL AND delivered_ms < ?1",
                params![before_ms],
            )
            .map_err(|e| self.wrap(e))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn payload(key: &str) -> Payload {
        Payload {
            score_run: None,
            idempotency_key: key.into(),
            body: json!({"text": key}),
        }
    }

    #[test]
    fn queue_claim_fail_and_deliver() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open_rw(&dir.path().join("o.db"), false).unwrap();
        // Queued inside a transaction that rolls back: nothing remains.
        let tx = s.conn.transaction().unwrap();
        assert!(enqueue(&tx, &payload("gone"), 5).unwrap());
        drop(tx);
        assert!(s.outbox_undelivered().unwrap().is_empty());

        assert!(s.outbox_enqueue(&payload("a"), 10).unwrap());
        assert!(
            !s.outbox_enqueue(&payload("a"), 11).unwrap(),
            "same key twice"
        );
        assert!(s.outbox_enqueue(&payload("b"), 20).unwrap());
        assert!(s.outbox_due(9, 8, 10).unwrap().is_empty());
        let due = s.outbox_due(20, 8, 10).unwrap();
        let keys: Vec<&str> = due.iter().map(|r| r.idempotency_key.as_str()).collect();
        assert_eq!(keys, ["a", "b"]);
        assert_eq!(due[0].payload, r#"{"text":"a"}"#);
        assert_eq!(due[0].next_attempt_ms, 10);

        let a = &due[0];
        assert!(s.outbox_claim(a.id, a.next_attempt_ms, 1000).unwrap());
        assert!(
            !s.outbox_claim(a.id, a.next_attempt_ms, 1000).unwrap(),
            "taken"
        );
        s.outbox_mark_failed(a.id, "HTTP 500", 500).unwrap();
        let left = s.outbox_due(499, 8, 10).unwrap();
        assert_eq!(left.len(), 1, "a waits for its backoff");
        let a = &s.outbox_due(500, 8, 10).unwrap()[0];
        assert_eq!((a.attempts, a.last_error.as_deref()), (1, Some("HTTP 500")));
        assert!(s.outbox_due(500, 1, 10).unwrap()[0].idempotency_key == "b");

        s.outbox_mark_delivered(a.id, 600).unwrap();
        let rest = s.outbox_undelivered().unwrap();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].idempotency_key, "b");
        assert_eq!(s.outbox_prune_delivered(600).unwrap(), 0);
        assert_eq!(s.outbox_prune_delivered(601).unwrap(), 1);
    }
}
