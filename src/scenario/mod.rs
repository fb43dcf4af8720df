//! Scenario files: the YAML model, loading, and validation with errors that point at
//! file:line:col.

// Layering, one way: `model` (the runnable scenario) and `spec` (the file format) rest on the
// plain value types (`values`, `template`, `diagnostic`); `resolve` turns a spec into a model;
// `tenancy` groups models into tenants.
mod diagnostic;
mod model;
mod resolve;
mod spec;
mod template;
mod tenancy;
mod values;

pub use diagnostic::{ScenarioError, SourceFile, suggest};
pub use model::*;
pub use resolve::is_guid;
pub use template::Template;
pub use tenancy::{TenantFiles, group_tenants};
pub use values::{Cidr, DurationValue};

use std::path::{Path, PathBuf};

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} has {} mistake(s)", path.display(), errors.len())]
    Invalid {
        path: PathBuf,
        errors: Vec<ScenarioError>,
    },
}

impl LoadError {
    /// Every mistake, rendered for people.
    pub fn render(&self) -> String {
        match self {
            LoadError::Io { .. } => format!("error: {self}\n"),
            LoadError::Invalid { errors, .. } => errors.iter().map(ScenarioError::render).collect(),
        }
    }
}

/// Reads and validates one scenario file.
pub fn load_file(path: &Path) -> Result<Scenario, LoadError> {
    let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8(bytes).map_err(|_| LoadError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the file is not UTF-8 text",
        ),
    })?;
    load_str(path, &text)
}

/// Validates scenario text as if it were read from `path`.
pub fn load_str(path: &Path, text: &str) -> Result<Scenario, LoadError> {
    let file = SourceFile::new(path, text);
    let invalid = |errors| LoadError::Invalid {
        path: path.to_path_buf(),
        errors,
    };
    let spec: spec::ScenarioSpec = serde_saphyr::from_str(text).map_err(|err| {
        let location = err.location().unwrap_or(serde_saphyr::Location::UNKNOWN);
        let message = err.without_snippet().to_string();
        invalid(vec![ScenarioError::from_parse_error(
            &file, location, &message,
        )])
    })?;
    resolve::resolve(&file, spec).map_err(invalid)
}

/// The scenario files named by `paths`: files as given, folders searched (not recursively)
/// for `*.yaml` and `*.yml`, in name order.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|source| LoadError::Io {
                path: path.clone(),
                source,
            })?;
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.is_file()
                        && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
                })
                .collect();
            files.sort();
            found.extend(files);
        } else {
            found.push(path.clone());
        }
    }
    Ok(found)
}
