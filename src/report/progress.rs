//! The progress bar a person at a terminal sees while a source loads: bytes read of the
//! file's size, or a spinner when the size is unknown (standard input, API pages).

use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

use crate::store::ingest::{NoProgress, Progress};

/// One bar per source, shown on stderr and cleared when the source is done.
#[derive(Default)]
pub struct ProgressBars {
    bar: Mutex<Option<ProgressBar>>,
}

impl ProgressBars {
    fn bar(&self) -> std::sync::MutexGuard<'_, Option<ProgressBar>> {
        // A panic while holding the lock cannot leave a bar half set.
        self.bar.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Progress for ProgressBars {
    fn start(&self, name: &str, total_bytes: Option<u64>) {
        let (bar, template) = match total_bytes {
            Some(t) => (
                ProgressBar::new(t),
                "{msg} {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
            ),
            None => (
                ProgressBar::new_spinner(),
                "{spinner} {msg} {bytes} ({bytes_per_sec})",
            ),
        };
        bar.set_style(
            ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_message(name.to_string());
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        if let Some(old) = self.bar().replace(bar) {
            old.finish_and_clear();
        }
    }

    fn read_to(&self, bytes: u64) {
        if let Some(b) = &*self.bar() {
            b.set_position(bytes);
        }
    }

    fn finish(&self) {
        if let Some(b) = self.bar().take() {
            b.finish_and_clear();
        }
    }
}

/// Bars when `show` (a person at a terminal), else nothing.
pub fn for_terminal(show: bool) -> Box<dyn Progress> {
    if show {
        Box::new(ProgressBars::default())
    } else {
        Box::new(NoProgress)
    }
}
