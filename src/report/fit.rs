//! Fitting a table into a terminal's width: the least useful columns go first, in the
//! order a [`Layout`] names them, then long text cells are shortened with an ellipsis.
//! Columns that a layout neither drops nor shortens (numbers, scores, dates) stay whole.
//! Prose around tables is wrapped at spaces instead.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::report::Table;

/// What marks a shortened cell (one column wide).
pub const ELLIPSIS: char = '…';

/// A text column that may be shortened to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shorten {
    pub column: &'static str,
    /// Columns are dropped rather than shorten this one below `min` characters.
    pub min: usize,
    /// Keep the end of the text (file paths) instead of its start.
    pub keep_end: bool,
}

impl Shorten {
    /// A column shortened at its end, to no less than `min` before others are dropped.
    pub const fn text(column: &'static str, min: usize) -> Shorten {
        Shorten {
            column,
            min,
            keep_end: false,
        }
    }

    /// A path, shortened at its start so that the file name stays.
    pub const fn path(column: &'static str, min: usize) -> Shorten {
        Shorten {
            column,
            min,
            keep_end: true,
        }
    }
}

/// How one table gives way to a narrow terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Columns to drop, least useful first, while the table does not fit.
    pub drop: &'static [&'static str],
    /// Text columns that may be shortened.
    pub shorten: &'static [Shorten],
}

/// The columns of a rendered table (`Table::render`, psql style) with content widths
/// `widths`: each cell has a space either side, columns are separated by one `|`.
fn line_width(widths: impl Iterator<Item = usize>) -> usize {
    let (sum, n) = widths.fold((0, 0), |(s, n), w| (s + w, n + 1));
    (sum + 3 * n).saturating_sub(1)
}

/// Columns a cell takes: its widest line.
fn text_width(text: &str) -> usize {
    text.split('\n').map(|l| l.width()).max().unwrap_or(0)
}

fn column_width(table: &Table, c: usize) -> usize {
    let header = table.headers.get(c).map_or(0, |h| text_width(h));
    table
        .rows
        .iter()
        .filter_map(|r| r.get(c))
        .map(|cell| text_width(cell))
        .fold(header, usize::max)
}

/// `table` as it fits in `width` columns. The columns in `layout.drop` go one by one, in
/// that order, until the table fits with its shortened columns at their `min`; then the
/// room left is shared out between the shortened columns. If the columns that stay are
/// wider than `width` on their own, the result is as narrow as it can be, not narrower.
pub fn fit(table: &Table, width: usize, layout: &Layout) -> Table {
    let n = table.headers.len();
    let natural: Vec<usize> = (0..n).map(|c| column_width(table, c)).collect();
    if line_width(natural.iter().copied()) <= width {
        return table.clone();
    }
    let rule: Vec<Option<&Shorten>> = table
        .headers
        .iter()
        .map(|h| layout.shorten.iter().find(|s| s.column == h))
        .collect();
    let narrowest: Vec<usize> = (0..n)
        .map(|c| rule[c].map_or(natural[c], |s| natural[c].min(s.min)))
        .collect();
    let mut kept = vec![true; n];
    let fits =
        |kept: &[bool]| line_width((0..n).filter(|&c| kept[c]).map(|c| narrowest[c])) <= width;
    for name in layout.drop {
        if fits(&kept) {
            break;
        }
        if let Some(c) = table.headers.iter().position(|h| h == name) {
            kept[c] = false;
        }
    }
    let cols: Vec<usize> = (0..n).filter(|&c| kept[c]).collect();
    let elastic: Vec<usize> = cols
        .iter()
        .copied()
        .filter(|&c| rule[c].is_some())
        .collect();
    let fixed = line_width(
        cols.iter()
            .map(|&c| if rule[c].is_some() { 0 } else { natural[c] }),
    );
    let wants: Vec<usize> = elastic.iter().map(|&c| natural[c]).collect();
    let shares = share(&wants, width.saturating_sub(fixed));
    let limit = |c: usize| {
        elastic
            .iter()
            .position(|&e| e == c)
            .map(|i| (shares[i], rule[c].is_some_and(|s| s.keep_end)))
    };
    let cell = |text: &str, c: usize| match limit(c) {
        Some((max, keep_end)) => shorten(text, max, keep_end),
        None => text.to_string(),
    };
    Table {
        headers: cols.iter().map(|&c| cell(&table.headers[c], c)).collect(),
        rows: table
            .rows
            .iter()
            .map(|r| {
                cols.iter()
                    .map(|&c| cell(r.get(c).map_or("", |s| s.as_str()), c))
                    .collect()
            })
            .collect(),
    }
}

/// Shares `budget` columns between columns that want `wants`: none gets more than it
/// wants, the narrow ones get all they want, the rest share equally; at least 1 each.
fn share(wants: &[usize], budget: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..wants.len()).collect();
    order.sort_by_key(|&i| wants[i]);
    let mut left = budget;
    let mut out = vec![0; wants.len()];
    for (k, &i) in order.iter().enumerate() {
        let fair = left / (wants.len() - k);
        out[i] = wants[i].min(fair.max(1));
        left = left.saturating_sub(out[i]);
    }
    out
}

/// `text` with every line at most `max` columns wide, a cut line ending (or, with
/// `keep_end`, starting) with [`ELLIPSIS`].
pub fn shorten(text: &str, max: usize, keep_end: bool) -> String {
    if text_width(text) <= max {
        return text.to_string();
    }
    let lines: Vec<String> = text
        .split('\n')
        .map(|line| shorten_line(line, max, keep_end))
        .collect();
    lines.join("\n")
}

fn shorten_line(line: &str, max: usize, keep_end: bool) -> String {
    if line.width() <= max {
        return line.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let room = max - 1;
    let mut used = 0;
    let fits = |ch: &char| {
        used += ch.width().unwrap_or(0);
        used <= room
    };
    if keep_end {
        let mut tail: Vec<char> = line.chars().rev().take_while(fits).collect();
        tail.reverse();
        std::iter::once(ELLIPSIS).chain(tail).collect()
    } else {
        line.chars()
            .take_while(fits)
            .chain(std::iter::once(ELLIPSIS))
            .collect()
    }
}

/// A line of prose broken at spaces into lines of at most `width` columns, each after the
/// first starting with `indent`; a word longer than a line stays whole.
pub fn wrap(line: &str, width: usize, indent: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for (i, word) in line.split(' ').enumerate() {
        if i == 0 {
            current.push_str(word);
        } else if current.width() + 1 + word.width() <= width || current.trim().is_empty() {
            current.push(' ');
            current.push_str(word);
        } else {
            lines.push(std::mem::replace(&mut current, format!("{indent}{word}")));
        }
    }
    lines.push(current);
    lines
}

#[cfg(test)]
mod tests;
