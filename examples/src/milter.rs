//! A mail filter speaking the milter protocol (Postfix, Sendmail) that
//! checks SPF, DKIM and DMARC with mailtrail, stamps one
//! Authentication-Results field, removes the fields that forge the
//! receiver's authserv-id, rejects on DMARC if asked, and signs outgoing
//! mail.
//!
//! The protocol is spoken by `miltr-server` (MIT); the checks are
//! [`mailtrail::Stamper`]. Each connection is served on its own task. A
//! failure inside the filter closes the connection, so the MTA applies its
//! `milter_default_action` and no message is lost.
//!
//! Known limits: miltr-common hands header fields over as text, with bytes
//! that are not UTF-8 replaced by U+FFFD, so a DKIM signature over such a
//! field (raw 8-bit headers, which RFC 5322 does not allow) fails here
//! although it may verify on the original bytes; the body is passed as
//! bytes. The whole message is held in memory while it is checked, as large
//! as the MTA's size limit lets it be.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use mailtrail::dkim::{KeyCache, Signer, SigningKey};
use mailtrail::dns::{Answer, DnsError, Mx, RecordType, Resolver, Txt};
use mailtrail::message::{address, split};
use mailtrail::{Envelope, Stamp, Stamper};
use mailtrail_authres::{AuthenticationResults, Method, ResultInfo, ResultValue};
use miltr_client::{Client, ResponseError};
use miltr_common::actions::{Action, Continue, Replycode};
use miltr_common::commands::{Body, Connect, Family, Header, Helo, Mail};
use miltr_common::modifications::ModificationResponse;
use miltr_common::modifications::headers::{ChangeHeader, InsertHeader};
use miltr_common::optneg::{Capability, OptNeg, Protocol};
use miltr_server::{Milter, Server};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::compat::TokioAsyncReadCompatExt;

/// What the filter does, shared by every connection.
#[derive(Debug)]
pub struct FilterConfig {
    /// The authserv-id written into, and removed from, Authentication-Results.
    pub authserv_id: String,
    /// Refuse a message whose DMARC result is fail under `p=reject`.
    pub reject_on_dmarc: bool,
    /// Sign messages from this domain, when set.
    pub signing: Option<SigningConfig>,
    /// The longest one DNS lookup may take before it counts as a timeout.
    pub lookup_timeout: Duration,
    /// The longest all checks of one message may take; past it the message
    /// is stamped `temperror` and goes on.
    pub check_timeout: Duration,
    /// Write one line per message to standard error.
    pub log: bool,
    /// The DKIM keys fetched, shared by every connection and held for
    /// their TTL.
    pub key_cache: KeyCache,
}

/// The key and names the filter signs with.
#[derive(Debug)]
pub struct SigningConfig {
    /// The private key.
    pub key: SigningKey,
    /// The `d=` domain; messages whose From domain is this one are signed.
    pub domain: String,
    /// The `s=` selector.
    pub selector: String,
}

/// Serves milter connections from `listener` until it fails, each on its own
/// task.
///
/// # Errors
///
/// When accepting a connection fails.
pub async fn serve<R>(
    listener: TcpListener,
    config: Arc<FilterConfig>,
    resolver: Arc<R>,
) -> std::io::Result<()>
where
    R: Resolver + 'static,
{
    loop {
        let (socket, peer) = listener.accept().await?;
        // The protocol is a ping-pong of small packets: without this, Nagle's
        // algorithm and delayed acknowledgements add tens of milliseconds
        // to every message.
        if let Err(error) = socket.set_nodelay(true) {
            eprintln!("milter: connection from {peer}: cannot set TCP_NODELAY: {error}");
        }
        let mut filter = Filter::new(Arc::clone(&config), Arc::clone(&resolver));

        tokio::spawn(async move {
            let mut server = Server::default_postfix(&mut filter);
            if let Err(error) = server.handle_connection(socket.compat()).await {
                eprintln!("milter: connection from {peer} ended: {error}");
            }
        });
    }
}

/// The state of one milter connection: the SMTP session it describes, and
/// the message being received.
#[derive(Debug)]
pub struct Filter<R> {
    config: Arc<FilterConfig>,
    resolver: Arc<R>,
    client_ip: Option<IpAddr>,
    helo: Option<String>,
    mail_from: String,
    message: Vec<u8>,
    leading_space: bool,
}

impl<R: Resolver> Filter<R> {
    /// A filter for one new connection.
    pub fn new(config: Arc<FilterConfig>, resolver: Arc<R>) -> Self {
        Self {
            config,
            resolver,
            client_ip: None,
            helo: None,
            mail_from: String::new(),
            message: Vec::new(),
            leading_space: false,
        }
    }

    /// Checks the message received so far and says what to do with it.
    async fn decide(&self) -> ModificationResponse {
        let Some(client_ip) = self.client_ip else {
            self.log("no client address (local submission): signed if ours, not checked");
            let mut response = ModificationResponse::builder();
            if let Some(signature) = self.signature() {
                response.push(signature);
            }
            return response.contin();
        };
        let envelope = Envelope {
            client_ip,
            helo: self.helo.as_deref(),
            mail_from: &self.mail_from,
        };

        let resolver = Deadline::new(&*self.resolver, self.config.lookup_timeout);
        let stamper = Stamper::new(&resolver, self.config.authserv_id.as_str())
            .with_key_cache(&self.config.key_cache);
        let checks = stamper.check(&envelope, &self.message, unix_now());
        match tokio::time::timeout(self.config.check_timeout, checks).await {
            Ok(stamp) => self.respond(&stamp),
            Err(_) => self.respond_timed_out(),
        }
    }

    /// The modifications and the final action for a finished check.
    fn respond(&self, stamp: &Stamp<'_>) -> ModificationResponse {
        let mut response = ModificationResponse::builder();
        // Bottom first, so no removal shifts the occurrence of the next.
        for claimed in stamp.claimed.iter().rev() {
            let index = u32::try_from(claimed.occurrence).unwrap_or(u32::MAX);
            response.push(ChangeHeader::new(index, b"Authentication-Results", b""));
        }

        let field = stamp.field.to_folded("Authentication-Results:".len());
        response.push(self.insert("Authentication-Results", &field));
        if let Some(signature) = self.signature() {
            response.push(signature);
        }

        match stamp.rejection().filter(|_| self.config.reject_on_dmarc) {
            Some(reason) => {
                self.log(&format!("reject {}: {reason}", verdict_line(stamp)));
                response.build(Replycode::new([5, 5, 0], [5, 7, 1], &reason))
            }
            None => {
                self.log(&format!("accept {}", verdict_line(stamp)));
                response.contin()
            }
        }
    }

    /// The response when the checks ran out of time: every method
    /// `temperror`, and the message goes on.
    fn respond_timed_out(&self) -> ModificationResponse {
        let timed_out = |method| {
            ResultInfo::new(method, ResultValue::new("temperror")).with_comment("checks timed out")
        };
        let field = AuthenticationResults::new(self.config.authserv_id.as_str())
            .with_result(timed_out(Method::Spf))
            .with_result(timed_out(Method::Dkim))
            .with_result(timed_out(Method::Dmarc));

        self.log("accept spf=temperror dkim=temperror dmarc=temperror (timed out)");
        let mut response = ModificationResponse::builder();
        let value = field.to_folded("Authentication-Results:".len());
        response.push(self.insert("Authentication-Results", &value));
        response.contin()
    }

    /// The DKIM-Signature field for a message from the signing domain.
    fn signature(&self) -> Option<InsertHeader> {
        let signing = self.config.signing.as_ref()?;
        let block = split(&self.message);
        let from = block.get("From")?.value().unfolded_text();
        let authors = address::mailboxes(&from).ok()?;
        let from_signing_domain = authors
            .iter()
            .filter_map(|mailbox| mailbox.domain)
            .any(|domain| domain.eq_ignore_ascii_case(&signing.domain));
        if !from_signing_domain {
            return None;
        }

        let signer = Signer::new(&signing.key, &signing.domain, &signing.selector).ok()?;
        let field = signer
            .sign(&self.message, unix_now())
            .map_err(|error| self.log(&format!("cannot sign: {error}")))
            .ok()?;
        let value = field
            .strip_prefix("DKIM-Signature:")?
            .trim_end_matches("\r\n");
        Some(self.insert("DKIM-Signature", value))
    }

    /// A field to insert at the top. `value` starts with its space and
    /// folds with CRLF; the milter protocol wants LF line breaks, and the
    /// leading space only when it was negotiated.
    fn insert(&self, name: &str, value: &str) -> InsertHeader {
        let value = value.replace("\r\n", "\n");
        let value = if self.leading_space {
            value.as_str()
        } else {
            value.trim_start()
        };
        InsertHeader::new(0, name.as_bytes(), value.as_bytes())
    }

    /// Writes one line of the filter's log, when logging.
    fn log(&self, line: &str) {
        if self.config.log {
            eprintln!("milter: {line}");
        }
    }

    /// Forgets the message, keeping what the connection said.
    fn reset_message(&mut self) {
        self.mail_from.clear();
        self.message.clear();
    }
}

#[async_trait]
impl<R: Resolver + 'static> Milter for Filter<R> {
    type Error = String;

    async fn option_negotiation(
        &mut self,
        theirs: OptNeg,
    ) -> Result<OptNeg, miltr_server::Error<Self::Error>> {
        let ours = OptNeg {
            capabilities: Capability::SMFIF_ADDHDRS | Capability::SMFIF_CHGHDRS,
            protocol: Protocol::SMFIP_HDR_LEADSPC & theirs.protocol,
            ..OptNeg::default()
        };
        self.leading_space = ours.protocol.contains(Protocol::SMFIP_HDR_LEADSPC);
        Ok(ours)
    }

    async fn connect(&mut self, connect: Connect) -> Result<Action, Self::Error> {
        self.client_ip = match connect.family {
            Family::Inet | Family::Inet6 => connect.address().trim_matches(['[', ']']).parse().ok(),
            Family::Unix | Family::Unknown => None,
        };
        Ok(Continue.into())
    }

    async fn helo(&mut self, helo: Helo) -> Result<Action, Self::Error> {
        self.helo = Some(helo.helo().into_owned()).filter(|name| !name.is_empty());
        Ok(Continue.into())
    }

    async fn mail(&mut self, mail: Mail) -> Result<Action, Self::Error> {
        self.reset_message();
        self.mail_from = mail.sender().into_owned();
        Ok(Continue.into())
    }

    async fn header(&mut self, header: Header) -> Result<Action, Self::Error> {
        self.message.extend_from_slice(header.name().as_bytes());
        self.message.push(b':');
        if !self.leading_space {
            self.message.push(b' ');
        }
        push_crlf(&mut self.message, header.value().as_bytes());
        self.message.extend_from_slice(b"\r\n");
        Ok(Continue.into())
    }

    async fn end_of_header(&mut self) -> Result<Action, Self::Error> {
        self.message.extend_from_slice(b"\r\n");
        Ok(Continue.into())
    }

    async fn body(&mut self, body: Body) -> Result<Action, Self::Error> {
        push_crlf(&mut self.message, body.as_bytes());
        Ok(Continue.into())
    }

    async fn end_of_body(&mut self) -> Result<ModificationResponse, Self::Error> {
        let response = self.decide().await;
        self.reset_message();
        Ok(response)
    }

    async fn abort(&mut self) -> Result<(), Self::Error> {
        self.reset_message();
        Ok(())
    }
}

/// One SMTP transaction as an MTA hands it to a milter.
#[derive(Clone, Copy, Debug)]
pub struct Transaction<'a> {
    /// The connecting client's address; `None` for mail submitted locally,
    /// which Postfix passes to `non_smtpd_milters` without one.
    pub client_ip: Option<IpAddr>,
    /// Its HELO name.
    pub helo: &'a str,
    /// The MAIL FROM path, in angle brackets as MTAs pass it.
    pub mail_from: &'a str,
    /// The RCPT TO path.
    pub rcpt_to: &'a str,
    /// The message: header fields, a blank line, the body.
    pub message: &'a [u8],
}

/// Drives the milter at `address` through one transaction on a new
/// connection, as Postfix does, and returns its answer at the end of the
/// message: the modifications and the final action.
///
/// # Errors
///
/// When the connection fails or the milter answers outside the protocol.
pub async fn send(
    address: std::net::SocketAddr,
    transaction: &Transaction<'_>,
) -> Result<ModificationResponse, String> {
    let fail = |step: &'static str| move |error: ResponseError| format!("{step}: {error}");
    let stream = TcpStream::connect(address)
        .await
        .map_err(|error| format!("cannot connect to {address}: {error}"))?;
    stream
        .set_nodelay(true)
        .map_err(|error| format!("cannot set TCP_NODELAY: {error}"))?;
    let mut connection = Client::new(OptNeg::default())
        .connect_via(stream.compat())
        .await
        .map_err(fail("option negotiation"))?;

    let (family, ip) = match transaction.client_ip {
        Some(ip @ IpAddr::V4(_)) => (Family::Inet, ip.to_string()),
        Some(ip @ IpAddr::V6(_)) => (Family::Inet6, ip.to_string()),
        None => (Family::Unknown, String::new()),
    };
    let connect = Connect::new(b"client", family, Some(25), ip.as_bytes());
    connection.connect(connect).await.map_err(fail("connect"))?;
    connection
        .helo(transaction.helo.as_bytes())
        .await
        .map_err(fail("helo"))?;
    connection
        .mail(transaction.mail_from.as_bytes())
        .await
        .map_err(fail("mail"))?;
    connection
        .recipient(transaction.rcpt_to.as_bytes())
        .await
        .map_err(fail("rcpt"))?;
    connection.data().await.map_err(fail("data"))?;

    let block = split(transaction.message);
    for field in block.fields() {
        let value = field
            .raw()
            .get(field.name().len() + 1..)
            .unwrap_or_default();
        let value = value.strip_prefix(b" ").unwrap_or(value);
        let value = value.strip_suffix(b"\r\n").unwrap_or(value);
        let header = Header::new(field.name().as_bytes(), value);
        connection.header(header).await.map_err(fail("header"))?;
    }
    connection
        .end_of_header()
        .await
        .map_err(fail("end of header"))?;

    let body = block
        .body_offset()
        .and_then(|offset| transaction.message.get(offset..));
    connection
        .body(body.unwrap_or_default())
        .await
        .map_err(fail("body"))?;
    let response = connection
        .end_of_body()
        .await
        .map_err(fail("end of body"))?;
    connection
        .quit()
        .await
        .map_err(|error| format!("quit: {error}"))?;
    Ok(response)
}

/// `spf=... dkim=... dmarc=...` for the filter's log line.
fn verdict_line(stamp: &Stamp<'_>) -> String {
    let dkim = stamp.dkim.result();
    let from = stamp.dmarc.author_domain.as_deref().unwrap_or("-");
    format!(
        "spf={} dkim={dkim} dmarc={} from={from}",
        stamp.spf.outcome.result, stamp.dmarc.result
    )
}

/// Appends `bytes`, writing every line end as CRLF (the milter protocol
/// may hand over LF alone), also across two calls.
fn push_crlf(out: &mut Vec<u8>, bytes: &[u8]) {
    for &byte in bytes {
        if byte == b'\n' && out.last() != Some(&b'\r') {
            out.push(b'\r');
        }
        out.push(byte);
    }
}

/// The current time in Unix seconds.
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// A resolver whose every lookup ends after at most `timeout`, with
/// [`DnsError::Timeout`]: so slow DNS gives `temperror` results instead
/// of holding the MTA.
#[derive(Debug)]
pub struct Deadline<R> {
    inner: R,
    timeout: Duration,
}

impl<R: Resolver> Deadline<R> {
    /// Bounds every lookup of `inner` by `timeout`.
    pub fn new(inner: R, timeout: Duration) -> Self {
        Self { inner, timeout }
    }

    /// Runs one lookup under the deadline.
    async fn bounded<T>(
        &self,
        lookup: impl Future<Output = Result<T, DnsError>>,
        name: &str,
        rtype: RecordType,
    ) -> Result<T, DnsError> {
        match tokio::time::timeout(self.timeout, lookup).await {
            Ok(result) => result,
            Err(_) => Err(DnsError::Timeout {
                name: name.trim_end_matches('.').to_owned(),
                rtype,
            }),
        }
    }
}

impl<R: Resolver> Resolver for Deadline<R> {
    async fn txt(&self, name: &str) -> Result<Answer<Txt>, DnsError> {
        self.bounded(self.inner.txt(name), name, RecordType::Txt)
            .await
    }

    async fn a(&self, name: &str) -> Result<Answer<std::net::Ipv4Addr>, DnsError> {
        self.bounded(self.inner.a(name), name, RecordType::A).await
    }

    async fn aaaa(&self, name: &str) -> Result<Answer<std::net::Ipv6Addr>, DnsError> {
        self.bounded(self.inner.aaaa(name), name, RecordType::Aaaa)
            .await
    }

    async fn mx(&self, name: &str) -> Result<Answer<Mx>, DnsError> {
        self.bounded(self.inner.mx(name), name, RecordType::Mx)
            .await
    }

    async fn ptr(&self, ip: IpAddr) -> Result<Answer<String>, DnsError> {
        let name = mailtrail::dns::reverse_name(ip);
        self.bounded(self.inner.ptr(ip), &name, RecordType::Ptr)
            .await
    }
}
