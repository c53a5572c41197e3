//! A build-script helper: generate the code of a schema file into `OUT_DIR` at build
//! time.
//!
//! ```no_run
//! // build.rs, in `fn main()`:
//! singletable_codegen::build::generate_to_out_dir("schema.toml", "model.rs");
//! ```
//!
//! ```ignore
//! // src/lib.rs
//! include!(concat!(env!("OUT_DIR"), "/model.rs"));
//! ```

use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostics;
use crate::schema;

/// What went wrong generating from a build script.
#[derive(Debug)]
pub enum BuildError {
    /// The schema has errors (each a diagnostic with its `file:line:col`).
    Schema(Diagnostics),
    /// `OUT_DIR` is not set: not running in a build script.
    NoOutDir,
    /// Writing the output failed.
    Io(PathBuf, std::io::Error),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Schema(cx) => {
                write!(f, "the schema has {} error(s)", cx.errors().len())?;
                for error in cx.errors() {
                    write!(f, "\n{error}")?;
                    if let Some(hint) = &error.hint {
                        write!(f, "\n  help: {hint}")?;
                    }
                }
                Ok(())
            }
            BuildError::NoOutDir => {
                f.write_str("OUT_DIR is not set: call this from a build script")
            }
            BuildError::Io(path, error) => write!(f, "cannot write `{}`: {error}", path.display()),
        }
    }
}

impl std::error::Error for BuildError {}

/// Generates the code of `schema` (relative to the crate root when relative) into
/// `out` (a path under `OUT_DIR`), returning the written path. Prints
/// `cargo:rerun-if-changed` for the schema.
pub fn try_generate_to_out_dir(
    schema: impl AsRef<Path>,
    out: impl AsRef<Path>,
) -> Result<PathBuf, BuildError> {
    let out_dir = std::env::var_os("OUT_DIR").ok_or(BuildError::NoOutDir)?;
    generate_file(schema.as_ref(), &Path::new(&out_dir).join(out.as_ref()))
}

/// Generates the code of `schema` into the file `out`, printing
/// `cargo:rerun-if-changed` for the schema.
pub fn generate_file(schema: &Path, out: &Path) -> Result<PathBuf, BuildError> {
    println!("cargo:rerun-if-changed={}", schema.display());
    let models = schema::load_file(schema).map_err(BuildError::Schema)?;
    let code = schema::generate(&models).map_err(BuildError::Schema)?;
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent).map_err(|e| BuildError::Io(parent.to_owned(), e))?;
    }
    // Unchanged output keeps its timestamp, so dependents do not rebuild.
    if std::fs::read_to_string(out).ok().as_deref() != Some(code.as_str()) {
        std::fs::write(out, code).map_err(|e| BuildError::Io(out.to_owned(), e))?;
    }
    Ok(out.to_owned())
}

/// [`try_generate_to_out_dir`] for build scripts: on errors, prints every diagnostic as
/// `file:line:col: message` (as `cargo:warning` lines, so cargo shows them) and exits
/// the build script with a failure.
pub fn generate_to_out_dir(schema: impl AsRef<Path>, out: impl AsRef<Path>) {
    if let Err(error) = try_generate_to_out_dir(schema, out) {
        for line in error.to_string().lines() {
            println!("cargo:warning={line}");
        }
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}
