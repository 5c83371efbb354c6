//! A tiny HTTPS server on 127.0.0.1 with certificates made at test time
//! (rcgen): a test CA, and leaves signed by it for the policy host, for
//! another name, and expired. Each connection gets the reply the test set.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, date_time_ymd};
use rustls::RootCertStore;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// The policy host of the test domain `example.com`.
pub(crate) const POLICY_HOST: &str = "mta-sts.example.com";

/// What the server sends after reading a request.
#[derive(Clone, Debug)]
pub(crate) enum Reply {
    /// These bytes, then it closes the connection.
    Raw(Vec<u8>),
    /// A 200 `text/plain` head without a length, then body bytes until the
    /// client goes away.
    Endless,
    /// Nothing, ever.
    Stall,
}

impl Reply {
    /// A response with this status line, content type and body.
    pub(crate) fn response(status: &str, content_type: &str, body: &str) -> Self {
        Self::Raw(
            format!(
                "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            )
            .into_bytes(),
        )
    }

    /// `200 OK`, `text/plain`, this body.
    pub(crate) fn policy(body: &str) -> Self {
        Self::response("200 OK", "text/plain; charset=utf-8", body)
    }
}

/// Which certificate the server presents.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Leaf {
    /// Valid, for [`POLICY_HOST`].
    Good,
    /// Valid, for another name.
    WrongName,
    /// For [`POLICY_HOST`], expired in 2021.
    Expired,
}

/// A running server and what it saw.
pub(crate) struct Server {
    /// Where it listens.
    pub(crate) address: SocketAddr,
    /// The reply to the next requests.
    pub(crate) reply: Arc<Mutex<Reply>>,
    /// The request heads received, as text.
    pub(crate) requests: Arc<Mutex<Vec<String>>>,
    /// Body bytes written by [`Reply::Endless`] replies.
    pub(crate) body_bytes_written: Arc<AtomicUsize>,
}

/// The test CA and its roots.
pub(crate) struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    /// A root store trusting only the test CA.
    pub(crate) roots: RootCertStore,
}

impl TestCa {
    /// A new CA.
    pub(crate) fn new() -> Self {
        let key = KeyPair::generate().expect("a key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        static SERIAL: AtomicUsize = AtomicUsize::new(1);
        let serial = SERIAL.fetch_add(1, Ordering::SeqCst);
        params
            .distinguished_name
            .push(DnType::CommonName, format!("mailtrail test CA {serial}"));
        let certificate = params.self_signed(&key).expect("a CA certificate");

        let mut roots = RootCertStore::empty();
        roots.add(certificate.der().clone()).expect("a usable root");
        Self {
            issuer: Issuer::new(params, key),
            roots,
        }
    }

    /// A leaf certificate and its key.
    fn leaf(&self, leaf: Leaf) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
        let name = match leaf {
            Leaf::WrongName => "www.example.org",
            Leaf::Good | Leaf::Expired => POLICY_HOST,
        };
        let key = KeyPair::generate().expect("a key");
        let mut params = CertificateParams::new(vec![name.to_owned()]).expect("params");
        if let Leaf::Expired = leaf {
            params.not_before = date_time_ymd(2020, 1, 1);
            params.not_after = date_time_ymd(2021, 1, 1);
        }
        let certificate = params.signed_by(&key, &self.issuer).expect("a leaf");
        let key = PrivatePkcs8KeyDer::from(key.serialize_der());
        (certificate.der().clone(), PrivateKeyDer::Pkcs8(key))
    }

    /// Starts a server presenting `leaf` and answering with `reply`.
    pub(crate) async fn serve(&self, leaf: Leaf, reply: Reply) -> Server {
        let (certificate, key) = self.leaf(leaf);
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(vec![certificate], key)
            .expect("a server configuration");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");

        let server = Server {
            address: listener.local_addr().expect("an address"),
            reply: Arc::new(Mutex::new(reply)),
            requests: Arc::default(),
            body_bytes_written: Arc::default(),
        };
        let (reply, requests, written) = (
            Arc::clone(&server.reply),
            Arc::clone(&server.requests),
            Arc::clone(&server.body_bytes_written),
        );
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, reply, requests, written) = (
                    acceptor.clone(),
                    Arc::clone(&reply),
                    Arc::clone(&requests),
                    Arc::clone(&written),
                );
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let head = read_head(&mut tls).await;
                    requests.lock().unwrap().push(head);
                    let reply = reply.lock().unwrap().clone();
                    answer(&mut tls, reply, &written).await;
                });
            }
        });
        server
    }
}

/// Reads a request head, at most 16 KiB.
async fn read_head<S: AsyncReadExt + Unpin>(stream: &mut S) -> String {
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(read) => head.extend_from_slice(&buffer[..read]),
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// Sends the reply.
async fn answer<S: AsyncWriteExt + Unpin>(stream: &mut S, reply: Reply, written: &AtomicUsize) {
    match reply {
        Reply::Raw(bytes) => {
            let _ = stream.write_all(&bytes).await;
            let _ = stream.shutdown().await;
        }
        Reply::Endless => {
            let head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n";
            if stream.write_all(head).await.is_err() {
                return;
            }
            let chunk = [b'x'; 16 * 1024];
            while stream.write_all(&chunk).await.is_ok() {
                written.fetch_add(chunk.len(), Ordering::SeqCst);
            }
        }
        Reply::Stall => tokio::time::sleep(Duration::from_secs(3600)).await,
    }
}
