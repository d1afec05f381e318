//! SSL_GET's TLS client. keepalived's checker context (`check_ssl.c: build_ssl_ctx()`) never
//! asks OpenSSL to verify the server certificate (`SSL_VERIFY_NONE`), so any certificate is
//! accepted; the handshake signatures are still checked, as OpenSSL does. SNI is sent only
//! with `enable_sni` and a virtual host (`ssl_connect()`).

use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio_rustls::TlsConnector;

/// Accepts any certificate (keepalived's `SSL_VERIFY_NONE`), verifying signatures only.
#[derive(Debug)]
struct AnyCert(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

fn config(sni: bool) -> Arc<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let algs = provider.signature_verification_algorithms;
    let mut c = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCert(algs)))
        .with_no_client_auth();
    c.enable_sni = sni;
    Arc::new(c)
}

/// The connector and server name for a handshake: SNI `sni_name` when given and valid as a
/// DNS name, else none (OpenSSL would send any string; rustls sends DNS names only).
pub fn connector(sni_name: Option<&str>, ip: std::net::IpAddr) -> (TlsConnector, ServerName<'static>) {
    static WITH: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    static WITHOUT: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    match sni_name.and_then(|n| ServerName::try_from(n.to_string()).ok()) {
        Some(name @ ServerName::DnsName(_)) => (TlsConnector::from(WITH.get_or_init(|| config(true)).clone()), name),
        _ => (
            TlsConnector::from(WITHOUT.get_or_init(|| config(false)).clone()),
            ServerName::IpAddress(ip.into()),
        ),
    }
}
