//! Python for the tests that drive `singletable serve` with boto3: the Python on `PATH`
//! when it has boto3, else a virtualenv under the cache dir (`$SINGLETABLE_CACHE`, else
//! `~/.cache/singletable`), created with `pip install boto3` the first time.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The workspace's root (where `tests/python` is).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SINGLETABLE_CACHE") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
    home.join(".cache").join("singletable")
}

fn runs(python: &Path, args: &[&str]) -> bool {
    Command::new(python)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// A Python interpreter that can import boto3, installing it if needed; `None` when
/// there is no Python at all.
pub fn python_with_boto3() -> Option<PathBuf> {
    let system =
        ["python3", "python"].into_iter().map(PathBuf::from).find(|p| runs(p, &["--version"]))?;
    if runs(&system, &["-c", "import boto3"]) {
        return Some(system);
    }
    let venv = cache_dir().join("python-venv");
    let bin = if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    };
    if !runs(&bin, &["-c", "import boto3"]) {
        let venv_text = venv.to_string_lossy().into_owned();
        assert!(
            runs(&system, &["-m", "venv", &venv_text]),
            "could not create a virtualenv at {venv_text}"
        );
        let status = Command::new(&bin)
            .args(["-m", "pip", "install", "--quiet", "boto3"])
            .status()
            .unwrap_or_else(|e| panic!("pip: {e}"));
        assert!(status.success(), "pip install boto3 failed: {status}");
    }
    Some(bin)
}
