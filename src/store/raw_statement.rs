//! The loader's hot statements through SQLite's C API, binding text without a copy.
//! rusqlite binds every string as `SQLITE_TRANSIENT` (SQLite allocates and copies each
//! value): with 21 columns per call that was a fifth of the SQLite thread's time on a
//! 1M-call load. Here text is bound as `SQLITE_STATIC` for the one step that reads it,
//! and the bindings are cleared before `execute` returns, so SQLite never keeps a
//! pointer into our strings. `start`/`advance` read rows the same way for `score`, whose
//! millions of rollup rows cost a fifth more through rusqlite's checked row access.
//!
//! Every `unsafe` block of the crate is in this module. What makes them sound: a
//! `RawStatement<'conn>` borrows its `Connection` for `'conn`, so the connection cannot be
//! closed, dropped or moved while the statement lives, and the statement is finalized in
//! `Drop`; raw pointers make it neither `Send` nor `Sync`, so it stays on the thread that
//! uses the connection; text bound without a copy is unbound before `execute` returns.

use std::ffi::{CStr, c_char, c_int};
use std::marker::PhantomData;
use std::ptr;

use rusqlite::{Connection, ffi};

/// One parameter value, borrowed for the duration of `execute`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Param<'a> {
    Null,
    Int(i64),
    Text(&'a str),
    Blob(&'a [u8]),
}

impl From<i64> for Param<'_> {
    fn from(v: i64) -> Self {
        Param::Int(v)
    }
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(v: &'a str) -> Self {
        Param::Text(v)
    }
}

impl<'a, T: Into<Param<'a>>> From<Option<T>> for Param<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Param::Null, Into::into)
    }
}

impl From<bool> for Param<'_> {
    fn from(v: bool) -> Self {
        Param::Int(i64::from(v))
    }
}

/// A prepared statement owned outside rusqlite's statement cache, finalized on drop. It
/// borrows the connection it was prepared on, so it cannot outlive it.
pub(crate) struct RawStatement<'conn> {
    db: *mut ffi::sqlite3,
    stmt: *mut ffi::sqlite3_stmt,
    conn: PhantomData<&'conn Connection>,
}

impl<'conn> RawStatement<'conn> {
    /// Prepares `sql` (one statement) on `conn` (a `Transaction` derefs to its connection).
    pub(crate) fn prepare(conn: &'conn Connection, sql: &str) -> rusqlite::Result<Self> {
        // SAFETY: the handle is used only to prepare, run and finalize this statement and
        // to read its errors, never to close the connection, and only while `conn` is
        // borrowed (`'conn`), hence open, on the thread that holds the borrow.
        let db = unsafe { conn.handle() };
        let len = c_int::try_from(sql.len()).map_err(|_| rusqlite::Error::InvalidQuery)?;
        let mut stmt = ptr::null_mut();
        // SAFETY: `sql` is valid for `len` bytes; SQLite writes the statement pointer.
        let rc = unsafe {
            ffi::sqlite3_prepare_v3(
                db,
                sql.as_ptr().cast::<c_char>(),
                len,
                ffi::SQLITE_PREPARE_PERSISTENT,
                &mut stmt,
                ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK || stmt.is_null() {
            // SAFETY: `stmt` is null or a statement nobody else holds; finalizing null is a
            // no-op. `db` is open (borrowed above).
            unsafe { ffi::sqlite3_finalize(stmt) };
            return Err(error(db, rc));
        }
        Ok(RawStatement {
            db,
            stmt,
            conn: PhantomData,
        })
    }

    /// Binds `params` to `?1..`, runs the statement to completion and returns the rows it
    /// changed. Every parameter of the statement must be given.
    pub(crate) fn execute(&mut self, params: &[Param<'_>]) -> rusqlite::Result<usize> {
        // Text bound in place: it outlives the step, and `finish` clears the bindings
        // before this returns, so SQLite keeps no pointer into `params`.
        let result = self.bind(params, false).and_then(|()| {
            if self.advance()? {
                return Err(rusqlite::Error::ExecuteReturnedResults);
            }
            // SAFETY: `db` is open for `'conn`.
            let changes = unsafe { ffi::sqlite3_changes64(self.db) };
            Ok(usize::try_from(changes).unwrap_or_default())
        });
        self.finish();
        result
    }
}

impl RawStatement<'_> {
    /// Binds `params` and steps to the first row; then `column_*` read it and `advance`
    /// moves on. Returns false when there is no row. Call `finish` when done (the next
    /// `start` also does).
    pub(crate) fn start(&mut self, params: &[Param<'_>]) -> rusqlite::Result<bool> {
        self.finish();
        // Copied: rows are read after this call returns, when `params` may be gone.
        self.bind(params, true)?;
        self.advance()
    }

    /// Steps to the next row; false at the end.
    pub(crate) fn advance(&mut self) -> rusqlite::Result<bool> {
        // SAFETY: `stmt` is live (finalized only in `Drop`) and every parameter is bound
        // (`bind` checks the count); text bound in place outlives this step (`bind`).
        match unsafe { ffi::sqlite3_step(self.stmt) } {
            ffi::SQLITE_ROW => Ok(true),
            ffi::SQLITE_DONE => Ok(false),
            rc => Err(error(self.db, rc)),
        }
    }

    /// Column `i` of the current row as an integer (NULL reads 0, as SQLite converts).
    pub(crate) fn column_int(&self, i: c_int) -> i64 {
        // SAFETY: `stmt` is live; SQLite bounds-checks `i` and reads 0 off a row or out of
        // range.
        unsafe { ffi::sqlite3_column_int64(self.stmt, i) }
    }

    /// Column `i` of the current row as text, valid until the next step.
    pub(crate) fn column_text(&self, i: c_int) -> &str {
        // SAFETY: `stmt` is live; the pointer and length describe the column's text (null
        // off a row), which stays valid until the statement steps, resets or is finalized,
        // all of which need `&mut self` and so end the borrow this returns.
        unsafe {
            let p = ffi::sqlite3_column_text(self.stmt, i);
            let n = ffi::sqlite3_column_bytes(self.stmt, i);
            if p.is_null() || n <= 0 {
                return "";
            }
            let bytes = std::slice::from_raw_parts(p, n as usize);
            std::str::from_utf8(bytes).unwrap_or("")
        }
    }

    /// Resets the statement after reading rows.
    pub(crate) fn finish(&mut self) {
        // SAFETY: `stmt` is live; reset and clear are allowed in any state.
        unsafe {
            ffi::sqlite3_reset(self.stmt);
            ffi::sqlite3_clear_bindings(self.stmt);
        }
    }
}

impl RawStatement<'_> {
    /// Binds `params` to `?1..` (all of them must be given); text is copied by SQLite
    /// with `copy_text`, else bound in place (`SQLITE_STATIC`).
    fn bind(&mut self, params: &[Param<'_>], copy_text: bool) -> rusqlite::Result<()> {
        // SAFETY: `stmt` is live (finalized only in `Drop`).
        let expected = unsafe { ffi::sqlite3_bind_parameter_count(self.stmt) };
        if usize::try_from(expected).ok() != Some(params.len()) {
            return Err(rusqlite::Error::InvalidParameterCount(
                params.len(),
                usize::try_from(expected).unwrap_or_default(),
            ));
        }
        let text_lifetime = if copy_text {
            ffi::SQLITE_TRANSIENT()
        } else {
            ffi::SQLITE_STATIC()
        };
        for (i, p) in (1..).zip(params) {
            // SAFETY: `stmt` is live and `i` within 1..=count. Pointers and lengths come from
            // slices. Text is UTF-8 (`&str`) and either copied (TRANSIENT) or bound in place
            // (STATIC) only by `execute`, whose `params` outlive its step and which clears
            // the bindings before returning. Blobs are always copied; an empty one points at
            // a live one-byte array, so SQLite binds an empty blob rather than NULL.
            let rc = unsafe {
                match *p {
                    Param::Null => ffi::sqlite3_bind_null(self.stmt, i),
                    Param::Int(v) => ffi::sqlite3_bind_int64(self.stmt, i, v),
                    Param::Text(s) => ffi::sqlite3_bind_text64(
                        self.stmt,
                        i,
                        s.as_ptr().cast::<c_char>(),
                        s.len() as u64,
                        text_lifetime,
                        ffi::SQLITE_UTF8 as u8,
                    ),
                    // A zero-length blob, not NULL, even from an empty slice.
                    Param::Blob(b) => ffi::sqlite3_bind_blob64(
                        self.stmt,
                        i,
                        if b.is_empty() {
                            [0u8; 1].as_ptr().cast()
                        } else {
                            b.as_ptr().cast()
                        },
                        b.len() as u64,
                        ffi::SQLITE_TRANSIENT(),
                    ),
                }
            };
            if rc != ffi::SQLITE_OK {
                return Err(error(self.db, rc));
            }
        }
        Ok(())
    }
}

impl Drop for RawStatement<'_> {
    fn drop(&mut self) {
        // SAFETY: `stmt` was prepared on `db`, which is open for `'conn`, and is finalized
        // only here, once.
        unsafe { ffi::sqlite3_finalize(self.stmt) };
    }
}

/// The connection's error for result code `rc`, as rusqlite reports it.
fn error(db: *mut ffi::sqlite3, rc: c_int) -> rusqlite::Error {
    // SAFETY: callers pass the open connection of a live statement; the message is copied
    // before any other call on `db` could change it.
    let (code, message) = unsafe {
        let msg = ffi::sqlite3_errmsg(db);
        let text = (!msg.is_null()).then(|| CStr::from_ptr(msg).to_string_lossy().into_owned());
        (ffi::sqlite3_extended_errcode(db), text)
    };
    let code = if code == ffi::SQLITE_OK { rc } else { code };
    rusqlite::Error::SqliteFailure(ffi::Error::new(code), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_text_ints_and_nulls_and_reports_errors() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (a TEXT NOT NULL, b INTEGER, c TEXT, UNIQUE (a))")
            .unwrap();
        let mut st = RawStatement::prepare(
            &conn,
            "INSERT INTO t VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
        )
        .unwrap();
        let owned = String::from("first");
        assert_eq!(
            st.execute(&[Param::Text(&owned), 7.into(), Param::Null])
                .unwrap(),
            1
        );
        drop(owned);
        assert_eq!(
            st.execute(&["x".into(), Param::Null, Some("y").into()])
                .unwrap(),
            1
        );
        assert_eq!(st.execute(&["x".into(), 1.into(), Param::Null]).unwrap(), 0);
        let rows: Vec<(String, Option<i64>, Option<String>)> = conn
            .prepare("SELECT a, b, c FROM t ORDER BY a")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            rows,
            vec![
                ("first".into(), Some(7), None),
                ("x".into(), None, Some("y".into()))
            ]
        );
        let err = st
            .execute(&[Param::Null, Param::Null, Param::Null])
            .unwrap_err();
        assert!(err.to_string().contains("NOT NULL"), "{err}");
        assert!(matches!(
            st.execute(&["z".into()]),
            Err(rusqlite::Error::InvalidParameterCount(1, 3))
        ));
        drop(st);
        // Reading rows: integers, text, NULL as 0, and the end.
        let mut q =
            RawStatement::prepare(&conn, "SELECT a, b FROM t WHERE a >= ?1 ORDER BY a").unwrap();
        let mut got = Vec::new();
        let mut more = q.start(&["first".into()]).unwrap();
        while more {
            got.push((q.column_text(0).to_string(), q.column_int(1)));
            more = q.advance().unwrap();
        }
        q.finish();
        assert_eq!(got, vec![("first".into(), 7), ("x".into(), 0)]);
        assert!(!q.start(&["y".into()]).unwrap());
        drop(q);
        conn.close().unwrap();
    }
}
