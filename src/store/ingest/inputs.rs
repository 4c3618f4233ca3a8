//! The inputs of an ingest run, checked before the database is opened: standard input at
//! most once, a missing path or a directory refused (or, with `--recursive`, a directory
//! expanded to the regular files below it, sorted, hidden ones skipped), so that a run in
//! which no path can be read creates no database and records nothing.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// One input of a run, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file (or anything else that is not a directory) to read.
    File(PathBuf),
    /// Standard input (`-`).
    Stdin,
    /// A path that cannot be read; `message` names it.
    Refused { path: PathBuf, message: String },
}

/// The inputs of a run, and the directories expanded into them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs {
    pub inputs: Vec<Input>,
    /// Each directory `--recursive` expanded, with how many files it gave.
    pub expanded: Vec<(PathBuf, usize)>,
}

impl Inputs {
    /// Checks `paths` as given (`-`: standard input, allowed once); a directory is
    /// refused unless `recursive`, which expands it to the regular files below it.
    pub fn check(paths: &[PathBuf], recursive: bool) -> Result<Inputs> {
        if paths.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
            return Err(Error::Usage(
                "`-` (standard input) can be given only once".into(),
            ));
        }
        let mut out = Inputs::default();
        for path in paths {
            if path.as_os_str() == "-" {
                out.inputs.push(Input::Stdin);
                continue;
            }
            match std::fs::metadata(path) {
                Err(e) => out.inputs.push(refused(path, format!("cannot open {}: {e}", path.display()))),
                Ok(m) if m.is_dir() && recursive => match files_below(path) {
                    Ok(files) if files.is_empty() => out.inputs.push(refused(
                        path,
                        format!("{} is a directory with no files below it", path.display()),
                    )),
                    Ok(files) => {
                        out.expanded.push((path.clone(), files.len()));
                        out.inputs.extend(files.into_iter().map(Input::File));
                    }
                    Err(message) => out.inputs.push(refused(path, message)),
                },
                Ok(m) if m.is_dir() => out.inputs.push(refused(
                    path,
                    format!(
                        "{} is a directory: pass its files, or --recursive to load every file below it",
                        path.display()
                    ),
                )),
                Ok(_) => out.inputs.push(Input::File(path.clone())),
            }
        }
        Ok(out)
    }

    /// Whether no input can be read at all (every one was refused).
    pub fn none_readable(&self) -> bool {
        self.inputs
            .iter()
            .all(|i| matches!(i, Input::Refused { .. }))
    }

    /// The messages of the refused inputs, in order.
    pub fn refusals(&self) -> impl Iterator<Item = &str> {
        self.inputs.iter().filter_map(|i| match i {
            Input::Refused { message, .. } => Some(message.as_str()),
            _ => None,
        })
    }
}

fn refused(path: &Path, message: String) -> Input {
    Input::Refused {
        path: path.to_path_buf(),
        message,
    }
}

/// Every regular file below `dir` (symbolic links to files count; linked directories are
/// not followed), sorted by path; names starting with `.` are skipped, files and
/// directories alike.
fn files_below(dir: &Path) -> std::result::Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        let entries = std::fs::read_dir(&d)
            .map_err(|e| format!("cannot read directory {}: {e}", d.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot read directory {}: {e}", d.display()))?;
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                dirs.push(path);
            } else if std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_are_refused_or_expanded_sorted_without_hidden_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for f in [
            "b.ndjson",
            "a.csv",
            ".hidden.ndjson",
            "sub/c.json",
            ".git/x",
        ] {
            let p = d.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        std::fs::create_dir(d.join("empty")).unwrap();
        let missing = d.join("missing.ndjson");
        let paths = [d.to_path_buf(), missing.clone(), PathBuf::from("-")];

        let plain = Inputs::check(&paths, false).unwrap();
        let messages: Vec<&str> = plain.refusals().collect();
        assert_eq!(messages.len(), 2);
        assert_eq!(
            messages[0],
            format!(
                "{} is a directory: pass its files, or --recursive to load every file below it",
                d.display()
            )
        );
        let missing_text = missing.display().to_string();
        assert!(messages[1].starts_with(&format!("cannot open {missing_text}: ")));
        assert_eq!(messages[1].matches(&missing_text).count(), 1, "named once");
        assert_eq!(plain.inputs[2], Input::Stdin);
        assert!(!plain.none_readable());
        assert!(plain.expanded.is_empty());

        let deep = Inputs::check(&paths[..1], true).unwrap();
        let want: Vec<Input> = ["a.csv", "b.ndjson", "sub/c.json"]
            .iter()
            .map(|f| Input::File(d.join(f)))
            .collect();
        assert_eq!(deep.inputs, want);
        assert_eq!(deep.expanded, [(d.to_path_buf(), 3)]);

        let nothing = Inputs::check(&[missing, d.join("empty")], true).unwrap();
        assert!(nothing.none_readable());
        assert!(
            nothing
                .refusals()
                .nth(1)
                .unwrap()
                .contains("no files below it")
        );

        let twice = Inputs::check(&[PathBuf::from("-"), PathBuf::from("-")], false);
        assert!(matches!(twice, Err(Error::Usage(_))));
    }
}
