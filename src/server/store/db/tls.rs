//! TLS to PostgreSQL, meaning what libpq's `sslmode` means, so that a `--db` URL a team already
//! uses with `psql` means the same here:
//! - `disable`: plain.
//! - `prefer` (the default) and `require`: encrypted (`require`: or no connection), the server's
//!   certificate not checked: protection from a listener on the wire, not from an impostor.
//! - `verify-ca`: the certificate must chain to a trusted root; `verify-full`: and name the host.
//!
//! The trusted roots are `sslrootcert=FILE` from the URL, else `PGSSLROOTCERT`, else the
//! system's (with `SSL_CERT_FILE` / `SSL_CERT_DIR`). rustls (already the console's TLS), not
//! OpenSSL.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::Socket;
use tokio_postgres::config::SslMode;
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};

/// How much of the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// `prefer`, `require`: none.
    Nothing,
    /// `verify-ca`: that it chains to a trusted root.
    Chain,
    /// `verify-full`: that, and that it names the host.
    ChainAndName,
}

/// libpq's default `sslmode`: encrypted if the server offers it, nothing checked.
pub const PREFER: (SslMode, Check) = (SslMode::Prefer, Check::Nothing);

/// `sslmode` as libpq reads it: the mode tokio-postgres knows, and what is checked. `None`: not
/// a mode.
pub fn parse_mode(value: &str) -> Option<(SslMode, Check)> {
    Some(match value {
        "disable" => (SslMode::Disable, Check::Nothing),
        "allow" | "prefer" => PREFER,
        "require" => (SslMode::Require, Check::Nothing),
        "verify-ca" => (SslMode::Require, Check::Chain),
        "verify-full" => (SslMode::Require, Check::ChainAndName),
        _ => return None,
    })
}

/// Makes the TLS side of each connection (tokio-postgres asks only when `sslmode` is not
/// `disable`).
#[derive(Clone, Debug)]
pub struct Tls(Arc<rustls::ClientConfig>);

impl Tls {
    /// `roots`: a PEM file of trusted roots (`sslrootcert`, `PGSSLROOTCERT`); `None`: the
    /// system's. An unreadable file is an error; so are no roots at all when they are needed.
    pub fn new(check: Check, roots: Option<&std::path::Path>) -> Result<Tls, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS cannot be set up: {e}"))?;
        let chain = match check {
            Check::Nothing => None,
            Check::Chain | Check::ChainAndName => Some(
                rustls::client::WebPkiServerVerifier::builder_with_provider(
                    Arc::new(trusted_roots(roots)?),
                    Arc::clone(&provider),
                )
                .build()
                .map_err(|e| format!("TLS cannot be set up: {e}"))?,
            ),
        };
        let verifier = Arc::new(Verifier {
            chain,
            names_too: check == Check::ChainAndName,
            provider,
        });
        let config = builder
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(Tls(Arc::new(config)))
    }
}

fn trusted_roots(file: Option<&std::path::Path>) -> Result<rustls::RootCertStore, String> {
    let mut roots = rustls::RootCertStore::empty();
    let certs: Vec<CertificateDer<'static>> = match file {
        Some(path) => {
            let pem = std::fs::read(path).map_err(|e| {
                format!("cannot read the root certificates {}: {e}", path.display())
            })?;
            rustls::pki_types::pem::PemObject::pem_slice_iter(&pem)
                .collect::<Result<_, _>>()
                .map_err(|e| format!("{} is not PEM certificates: {e}", path.display()))?
        }
        None => rustls_native_certs::load_native_certs().certs,
    };
    let (_, _) = roots.add_parsable_certificates(certs);
    if roots.is_empty() {
        return Err(match file {
            Some(path) => format!("{} holds no usable certificate", path.display()),
            None => "no trusted root certificates were found on this machine; name them with \
                     sslrootcert=FILE in --db or PGSSLROOTCERT"
                .into(),
        });
    }
    Ok(roots)
}

/// Checks the server's certificate as far as `sslmode` asks: webpki's checks for `verify-ca`
/// (the host name's left out) and `verify-full`; none for `prefer` and `require` (libpq's
/// meaning). The handshake's own signatures are checked in every mode, so the session is
/// always encrypted with the key that signed it.
#[derive(Debug)]
struct Verifier {
    chain: Option<Arc<rustls::client::WebPkiServerVerifier>>,
    names_too: bool,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.names_too => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        verify_tls12_signature(message, cert, dss, algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        verify_tls13_signature(message, cert, dss, algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

impl MakeTlsConnect<Socket> for Tls {
    type Stream = Stream;
    type TlsConnect = Connect;
    type Error = rustls::pki_types::InvalidDnsNameError;

    fn make_tls_connect(&mut self, host: &str) -> Result<Connect, Self::Error> {
        Ok(Connect {
            config: Arc::clone(&self.0),
            name: ServerName::try_from(host.to_string())?,
        })
    }
}

pub struct Connect {
    config: Arc<rustls::ClientConfig>,
    name: ServerName<'static>,
}

impl TlsConnect<Socket> for Connect {
    type Stream = Stream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Stream>> + Send>>;

    fn connect(self, socket: Socket) -> Self::Future {
        Box::pin(async move {
            let connector = tokio_rustls::TlsConnector::from(self.config);
            Ok(Stream(connector.connect(self.name, socket).await?))
        })
    }
}

/// A TLS session to the server.
pub struct Stream(tokio_rustls::client::TlsStream<Socket>);

impl TlsStream for Stream {
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
