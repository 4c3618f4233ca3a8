//! All SQL lives here.
