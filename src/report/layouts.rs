//! How each table gives way in a narrow terminal (`--width`, `$COLUMNS`, the terminal's
//! own width): the columns dropped, least useful first, and the text shortened with "…".
//! Columns named in neither list always stay, whole.

use crate::report::fit::{Layout, Shorten};

/// `risky`: the components and attempts go first, then rest_until (the reason says it)
/// and level; number, score, action and the (shortened) reasons always stay.
pub const RISKY: Layout = Layout {
    drop: &[
        "attempts",
        "evidence",
        "engagement",
        "pacing",
        "trend",
        "bursts",
        "failures",
        "flags",
        "rest_until",
        "level",
    ],
    shorten: &[Shorten::text("reasons", 50)],
};

/// `number`'s verdict row: the line above it already says the reasons, number, level,
/// action and rest_until, so they go first; then attempts and the components as in `risky`.
/// The score always stays.
pub const NUMBER_VERDICT: Layout = Layout {
    drop: &[
        "reasons",
        "rest_until",
        "number",
        "level",
        "action",
        "attempts",
        "evidence",
        "engagement",
        "pacing",
        "trend",
        "bursts",
        "failures",
        "flags",
    ],
    shorten: &[],
};

/// `number`'s daily timeline: date, attempts, answer%, spam and rep_fail% always stay.
pub const TIMELINE: Layout = Layout {
    drop: &[
        "inbound",
        "short_calls",
        "no_answer",
        "declined",
        "dial_failed",
        "short_ans",
        "answered",
    ],
    shorten: &[],
};

/// `bursts` (and `number`'s bursts): the end (start plus minutes) goes first, then
/// expected and short_calls (the reason says them); number, start, minutes and calls
/// always stay, and the reason is shortened.
pub const BURSTS: Layout = Layout {
    drop: &["end", "expected", "short_calls"],
    shorten: &[Shorten::text("reason", 30)],
};

/// `runs`: id, started, status, read, inserted and rejected always stay.
pub const RUNS: Layout = Layout {
    drop: &[
        "unknown_reasons",
        "pages",
        "unchanged",
        "updated",
        "skipped",
        "finished",
        "files",
        "kind",
    ],
    shorten: &[],
};

/// `runs`' files: run, file (its end), status, rejected and message always stay.
pub const RUN_FILES: Layout = Layout {
    drop: &[
        "sha256",
        "bytes",
        "unchanged",
        "updated",
        "skipped",
        "shape",
        "inserted",
        "read",
    ],
    shorten: &[Shorten::path("file", 24), Shorten::text("message", 24)],
};

/// `rejects`: record, run and raw go first; file (its end), line, field and reason stay.
pub const REJECTS: Layout = Layout {
    drop: &["record", "run", "raw"],
    shorten: &[
        Shorten::path("file", 20),
        Shorten::text("reason", 30),
        Shorten::text("raw", 20),
    ],
};

/// `numbers`: the registry's source, since, hourly cap, note and score go first; the
/// reason is shortened; number, status, until and daily_cap always stay.
pub const NUMBERS: Layout = Layout {
    drop: &["source", "since", "hourly_cap", "note", "score"],
    shorten: &[Shorten::text("reason", 50), Shorten::text("note", 30)],
};

/// `number`'s pool transitions: who marked it, the source and the hourly cap go first;
/// at, from, to and the (shortened) reason always stay.
pub const POOL_TRANSITIONS: Layout = Layout {
    drop: &["by", "source", "hourly_cap", "daily_cap", "until"],
    shorten: &[Shorten::text("reason", 50)],
};
