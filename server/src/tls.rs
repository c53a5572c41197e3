//! HTTPS for `singletable serve --tls-cert FILE --tls-key FILE`: rustls through
//! tokio-rustls, with *ring* as the crypto provider, certificates and keys read from PEM
//! files.
//!
//! *ring* rather than aws-lc-rs: the server needs TLS termination, not FIPS or
//! post-quantum key exchange, and *ring* builds with a C compiler alone in a fraction
//! of aws-lc's build time and size. The provider is passed explicitly, so the server
//! works the same when another crate of the program enables rustls's aws-lc-rs
//! provider too.
//!
//! ```no_run
//! use singletable_server::{Server, ServerConfig, TlsFiles};
//!
//! # async fn run() -> Result<(), singletable_server::ServerError> {
//! let tls = TlsFiles { cert: "cert.pem".into(), key: "key.pem".into() };
//! let server = Server::bind(ServerConfig { tls: Some(tls), ..ServerConfig::default() }).await?;
//! assert!(server.endpoint().starts_with("https://"));
//! # Ok(())
//! # }
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// The PEM files of the server's certificate chain and private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain: the server's certificate first, then any intermediates.
    pub cert: PathBuf,
    /// The private key of the certificate (PKCS#8, PKCS#1 RSA or SEC1 EC).
    pub key: PathBuf,
}

/// Why the TLS set-up failed; every variant names the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The file could not be read.
    #[error("cannot read TLS {role} file {path}: {source}")]
    Unreadable {
        /// `certificate` or `private key`.
        role: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file holds no PEM section of the kind needed, or a malformed one.
    #[error("invalid TLS {role} file {path}: {reason}")]
    Invalid {
        /// `certificate` or `private key`.
        role: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// rustls refused the pair (e.g. the key does not match the certificate).
    #[error("TLS certificate {cert} with key {key} refused: {reason}")]
    Refused {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// rustls's reason.
        reason: String,
    },
}

const CERTIFICATE: &str = "certificate";
const PRIVATE_KEY: &str = "private key";

fn read(role: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Unreadable {
        role,
        path: path.to_path_buf(),
        source,
    })
}

fn invalid(role: &'static str, path: &Path, reason: impl ToString) -> TlsError {
    TlsError::Invalid { role, path: path.to_path_buf(), reason: reason.to_string() }
}

/// Reads the certificate chain and key and builds the TLS acceptor (HTTP/1.1 over TLS
/// 1.2 or 1.3).
pub fn acceptor(files: &TlsFiles) -> Result<TlsAcceptor, TlsError> {
    let cert_pem = read(CERTIFICATE, &files.cert)?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| invalid(CERTIFICATE, &files.cert, error))?;
    if chain.is_empty() {
        return Err(invalid(CERTIFICATE, &files.cert, "no CERTIFICATE section in the PEM file"));
    }
    let key_pem = read(PRIVATE_KEY, &files.key)?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|error| match error {
        rustls::pki_types::pem::Error::NoItemsFound => invalid(
            PRIVATE_KEY,
            &files.key,
            "no PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY section in the PEM file",
        ),
        other => invalid(PRIVATE_KEY, &files.key, other),
    })?;
    let refused = |error: rustls::Error| TlsError::Refused {
        cert: files.cert.clone(),
        key: files.key.clone(),
        reason: error.to_string(),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(refused)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(refused)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
