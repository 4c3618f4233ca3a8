//! A CSV row measured against its header, before its cells are validated. Rows may be
//! ragged in one harmless way: an export that drops a row's trailing empty cells gives
//! a short row, read with the missing cells empty. Everything else that a ragged row
//! can mean is a reject naming the row's line (and the field, when there is one):
//!
//! - The input ends inside the last row (no line break after it) and the row is short
//!   of the header's columns, or ends inside a quoted field: the file was cut off
//!   (a download or copy that stopped), and the last cell is likely cut too
//!   (`+151262814` for `+15126281454`). Rows before it are kept.
//! - A row longer than the header with data in the extra cells: a comma inside an
//!   unquoted field shifts every later cell into the wrong column, and which cells moved
//!   cannot be told. Extra cells that are all empty (a trailing comma) are fine.
//! - A short row that ends before a column the call needs: `call_id`, or our own
//!   number's (`from_number` outbound, `to_number` inbound). Kept, it would be a call
//!   without an id or a record "without numbers", skipped in silence.
//! - A header without our own number's column for the row's direction (an export with
//!   no `from_number` column holds no outbound call): the same reject, naming the
//!   column. A header that leaves no row readable is refused whole (`unrecognised`).
//!
//! An empty cell in a column that is there is no reject: a record without numbers is a
//! skip, as in every shape.

use csv::ByteRecord;

use super::validate::Problem;

/// How the input ended after a record, as `Guard` saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum End {
    /// A line break (or more input) followed the record.
    #[default]
    Terminated,
    /// The input ended inside the record, outside quotes.
    Eof,
    /// The input ended inside a quoted field of the record.
    OpenQuote,
}

/// A row cut off by the end of the input, or a row longer than the header with data
/// in the extra cells. `last` names the row's last cell's column, if we read it.
pub(crate) fn cut_or_shifted(
    rec: &ByteRecord,
    header: usize,
    end: End,
    last: Option<&'static str>,
) -> Option<Problem> {
    let fields = rec.len();
    let reason = match end {
        End::OpenQuote => format!(
            "the file ends inside a quoted field of this row (it has {fields} of the header's \
             {header} fields): a truncated file?"
        ),
        End::Eof if fields < header => format!(
            "the file ends in the middle of this row: it has {fields} fields, the header has \
             {header} (a truncated file?)"
        ),
        _ if fields > header && rec.iter().skip(header).any(|f| !f.trim_ascii().is_empty()) => {
            return Some(Problem {
                field: None,
                reason: format!(
                    "the row has {fields} fields, the header has {header}, and the extra ones \
                     hold data: its cells may be in the wrong columns (a comma inside an \
                     unquoted field?)"
                ),
            });
        }
        _ => return None,
    };
    Some(Problem {
        field: last,
        reason,
    })
}

/// A column a call needs, by name, and where the header has it.
pub(crate) struct Needed {
    pub name: &'static str,
    pub col: Option<usize>,
    /// What the column holds, for the message ("an outbound call's own number").
    pub holds: &'static str,
}

/// The first of `needed` that the header lacks or that the row (of `fields` cells,
/// the header has `header`) ends before.
pub(crate) fn missing(needed: &[Needed], fields: usize, header: usize) -> Option<Problem> {
    needed.iter().find_map(|n| {
        let reason = match n.col {
            None => format!(
                "the CSV header has no {} column, so {} is missing",
                n.name, n.holds
            ),
            Some(c) if c >= fields => format!(
                "the row has {fields} fields, the header has {header}: it ends before the {} \
                 column, so {} is missing (a truncated row?)",
                n.name, n.holds
            ),
            Some(_) => return None,
        };
        Some(Problem {
            field: Some(n.name),
            reason,
        })
    })
}
