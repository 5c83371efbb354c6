//! The milter driven over the real protocol on loopback by a milter client,
//! as an MTA would drive it: what it adds, removes, refuses and signs.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mailtrail::dkim::{DkimResult, KeyCache, Signer, SigningKey, VerifyOptions, verify};
use mailtrail::dns::{Answer, DnsError, Mx, RecordData, Resolver, Txt, ZoneResolver};
use mailtrail_examples::milter::{FilterConfig, SigningConfig, Transaction, send, serve};
use miltr_common::actions::Action;
use miltr_common::modifications::{ModificationAction, ModificationResponse};
use tokio::net::TcpListener;
use tokio::sync::Barrier;

const AUTHSERV_ID: &str = "mx.receiver.example";
const SENDER_IP: &str = "192.0.2.25";
const OTHER_IP: &str = "198.51.100.66";

const RSA_KEY: &str = include_str!("../../crates/dkim/tests/data/test-only-rsa2048.pem");
const ED25519_KEY: &str = include_str!("../../crates/dkim/tests/data/test-only-ed25519.pem");

/// The filter reads the clock, so the messages are signed by it too.
fn now() -> u64 {
    let elapsed = SystemTime::now().duration_since(UNIX_EPOCH);
    elapsed.expect("after 1970").as_secs()
}

/// The sender's records, and the key the filter signs with.
fn zone() -> ZoneResolver {
    let mut zone: ZoneResolver = "\
sender.example. 300 IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"
_dmarc.sender.example. 300 IN TXT \"v=DMARC1; p=reject\"
_dmarc.receiver.example. 300 IN TXT \"v=DMARC1; p=none\"
"
    .parse()
    .expect("the zone parses");
    let keys = [
        ("rsa", RSA_KEY, "sender.example"),
        ("ed", ED25519_KEY, "receiver.example"),
    ];
    for (selector, pem, domain) in keys {
        let key = SigningKey::from_pem(pem).expect("a test key");
        let record = RecordData::Txt(Txt::new([key.public_key_record()]));
        zone.insert(&format!("{selector}._domainkey.{domain}"), 300, record)
            .expect("a valid name");
    }
    zone
}

fn config(reject_on_dmarc: bool) -> FilterConfig {
    FilterConfig {
        authserv_id: AUTHSERV_ID.to_owned(),
        reject_on_dmarc,
        signing: Some(SigningConfig {
            key: SigningKey::from_pem(ED25519_KEY).expect("a test key"),
            domain: "receiver.example".to_owned(),
            selector: "ed".to_owned(),
        }),
        lookup_timeout: Duration::from_secs(2),
        check_timeout: Duration::from_secs(5),
        log: false,
        key_cache: KeyCache::default(),
    }
}

/// Starts the filter on a free loopback port.
async fn start<R: Resolver + 'static>(config: FilterConfig, resolver: R) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let address = listener.local_addr().expect("bound");
    tokio::spawn(serve(listener, Arc::new(config), Arc::new(resolver)));
    address
}

/// A message from the sender domain, signed by it.
fn signed_message(extra_headers: &str) -> Vec<u8> {
    let message = format!(
        "{extra_headers}From: Alice <alice@sender.example>\r\nTo: bob@receiver.example\r\n\
         Subject: quarterly figures\r\nDate: Thu, 14 Jan 2027 10:00:00 +0000\r\n\
         Message-ID: <1@sender.example>\r\n\r\nThe figures are attached.\r\n"
    );
    let key = SigningKey::from_pem(RSA_KEY).expect("a test key");
    let signer = Signer::new(&key, "sender.example", "rsa").expect("a signer");
    let field = signer.sign(message.as_bytes(), now() - 60).expect("signed");
    [field.as_bytes(), message.as_bytes()].concat()
}

/// Sends one SMTP transaction's worth of milter commands and returns the
/// filter's answer at the end of the body.
async fn transaction(
    address: std::net::SocketAddr,
    client_ip: &str,
    mail_from: &str,
    message: &[u8],
) -> ModificationResponse {
    let transaction = Transaction {
        client_ip: Some(client_ip.parse().expect("an address")),
        helo: "mail.sender.example",
        mail_from,
        rcpt_to: "<bob@receiver.example>",
        message,
    };
    send(address, &transaction)
        .await
        .expect("the milter answers")
}

/// The inserted fields, as (name, value).
fn inserted(response: &ModificationResponse) -> Vec<(String, String)> {
    response
        .modifications()
        .iter()
        .filter_map(|action| match action {
            ModificationAction::InsertHeader(header) => {
                Some((header.name().into_owned(), header.value().into_owned()))
            }
            _ => None,
        })
        .collect()
}

/// The change-header actions, as (index, value).
fn changed(response: &ModificationResponse) -> Vec<(u32, String)> {
    response
        .modifications()
        .iter()
        .filter_map(|action| match action {
            ModificationAction::ChangeHeader(header) => {
                Some((header.index(), header.value().into_owned()))
            }
            _ => None,
        })
        .collect()
}

fn stamp_of(response: &ModificationResponse) -> String {
    let fields = inserted(response);
    let (_, value) = fields
        .iter()
        .find(|(name, _)| name == "Authentication-Results")
        .expect("a stamp");
    value.replace("\n", "")
}

#[tokio::test]
async fn a_signed_message_from_an_authorised_ip_passes_everything() {
    let address = start(config(true), zone()).await;
    let message = signed_message("");
    let response = transaction(address, SENDER_IP, "<alice@sender.example>", &message).await;

    let stamp = stamp_of(&response);
    assert!(stamp.starts_with(AUTHSERV_ID), "{stamp}");
    assert!(stamp.contains("spf=pass"), "{stamp}");
    assert!(
        stamp.contains("smtp.mailfrom=alice@sender.example"),
        "{stamp}"
    );
    assert!(
        stamp.contains("dkim=pass header.d=sender.example"),
        "{stamp}"
    );
    assert!(stamp.contains("dmarc=pass"), "{stamp}");
    assert!(stamp.contains("header.from=sender.example"), "{stamp}");
    assert!(matches!(response.final_action(), Action::Continue(_)));
    assert!(changed(&response).is_empty(), "nothing to remove");
}

#[tokio::test]
async fn fields_forging_our_authserv_id_are_removed_bottom_first() {
    let address = start(config(true), zone()).await;
    let forged = format!(
        "Authentication-Results: {AUTHSERV_ID}; dmarc=pass\r\n\
         Authentication-Results: elsewhere.example; spf=pass\r\n\
         Authentication-Results: MX.Receiver.Example.; dkim=pass\r\n"
    );
    let message = signed_message(&forged);
    let response = transaction(address, OTHER_IP, "<alice@sender.example>", &message).await;

    let removed = changed(&response);
    assert_eq!(removed, [(3, String::new()), (1, String::new())]);
    let stamp = stamp_of(&response);
    assert!(stamp.contains("spf=fail"), "{stamp}");
    assert!(stamp.contains("dkim=pass"), "{stamp}");
    assert!(stamp.contains("dmarc=pass"), "aligned DKIM passes: {stamp}");
}

#[tokio::test]
async fn dmarc_failure_under_reject_is_refused_with_a_5xx() {
    let address = start(config(true), zone()).await;
    let message = b"From: alice@sender.example\r\nTo: bob@receiver.example\r\n\
        Subject: not really from alice\r\n\r\nPay this invoice.\r\n";
    let response = transaction(address, OTHER_IP, "<alice@sender.example>", message).await;

    let Action::Replycode(reply) = response.final_action() else {
        panic!("expected a reply code, got {:?}", response.final_action());
    };
    assert_eq!(reply.rcode().code(), [5, 5, 0]);
    assert!(reply.message().contains("DMARC policy of sender.example"));
    assert!(stamp_of(&response).contains("dmarc=fail"));
}

#[tokio::test]
async fn without_reject_on_dmarc_the_failure_is_only_stamped() {
    let address = start(config(false), zone()).await;
    let message = b"From: alice@sender.example\r\n\r\nPay this invoice.\r\n";
    let response = transaction(address, OTHER_IP, "<alice@sender.example>", message).await;

    assert!(matches!(response.final_action(), Action::Continue(_)));
    assert!(stamp_of(&response).contains("dmarc=fail"));
}

#[tokio::test]
async fn mail_from_the_signing_domain_is_signed_and_verifies() {
    let address = start(config(true), zone()).await;
    let message = b"From: Bob <bob@receiver.example>\r\nTo: carol@elsewhere.example\r\n\
        Subject: signed by the filter\r\n\r\nHello, Carol.\r\n";
    let response = transaction(address, "127.0.0.1", "<bob@receiver.example>", message).await;

    let fields = inserted(&response);
    let (_, signature) = fields
        .iter()
        .find(|(name, _)| name == "DKIM-Signature")
        .expect("the filter signed");
    let signed = [
        b"DKIM-Signature: ",
        signature.replace('\n', "\r\n").as_bytes(),
        b"\r\n",
        &message[..],
    ]
    .concat();
    let verification = verify(&zone(), &signed, &VerifyOptions::new(now())).await;
    assert_eq!(verification.result(), DkimResult::Pass, "{verification:?}");

    let response = transaction(
        address,
        SENDER_IP,
        "<alice@sender.example>",
        &signed_message(""),
    )
    .await;
    assert!(
        inserted(&response)
            .iter()
            .all(|(name, _)| name != "DKIM-Signature"),
        "mail from another domain is not signed"
    );
}

#[tokio::test]
async fn local_submissions_are_signed_but_not_stamped() {
    let address = start(config(true), zone()).await;
    let message = b"From: bob@receiver.example\r\nTo: carol@elsewhere.example\r\n\r\nHi.\r\n";
    let transaction = Transaction {
        client_ip: None,
        helo: "localhost",
        mail_from: "<bob@receiver.example>",
        rcpt_to: "<carol@elsewhere.example>",
        message,
    };
    let response = send(address, &transaction)
        .await
        .expect("the milter answers");

    let names: Vec<String> = inserted(&response)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(names, ["DKIM-Signature"]);
}

/// A resolver that never answers, like a dead name server.
struct Silent;

impl Resolver for Silent {
    async fn txt(&self, _: &str) -> Result<Answer<Txt>, DnsError> {
        std::future::pending().await
    }
    async fn a(&self, _: &str) -> Result<Answer<Ipv4Addr>, DnsError> {
        std::future::pending().await
    }
    async fn aaaa(&self, _: &str) -> Result<Answer<Ipv6Addr>, DnsError> {
        std::future::pending().await
    }
    async fn mx(&self, _: &str) -> Result<Answer<Mx>, DnsError> {
        std::future::pending().await
    }
    async fn ptr(&self, _: IpAddr) -> Result<Answer<String>, DnsError> {
        std::future::pending().await
    }
}

/// One signed message through a filter whose DNS never answers, with these
/// limits per lookup and per message.
async fn with_silent_dns(lookup: Duration, check: Duration) -> ModificationResponse {
    let config = FilterConfig {
        lookup_timeout: lookup,
        check_timeout: check,
        ..config(true)
    };
    let address = start(config, Silent).await;
    transaction(
        address,
        SENDER_IP,
        "<alice@sender.example>",
        &signed_message(""),
    )
    .await
}

#[tokio::test]
async fn silent_dns_gives_temperror_within_the_configured_time() {
    let started = Instant::now();
    let response = with_silent_dns(Duration::from_millis(100), Duration::from_secs(30)).await;

    let stamp = stamp_of(&response);
    assert!(stamp.contains("spf=temperror"), "{stamp}");
    assert!(stamp.contains("dkim=temperror"), "{stamp}");
    assert!(matches!(response.final_action(), Action::Continue(_)));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_whole_check_is_bounded_even_when_each_lookup_is_not() {
    let response = with_silent_dns(Duration::from_secs(3600), Duration::from_millis(200)).await;

    let stamp = stamp_of(&response);
    assert!(
        stamp.contains("spf=temperror (checks timed out)"),
        "{stamp}"
    );
    assert!(stamp.contains("dmarc=temperror"), "{stamp}");
}

/// Answers from the zone, but holds the first `PARTIES` TXT lookups until
/// all of them have arrived: served one after another, the first message
/// would wait for the others forever.
struct Gate {
    zone: ZoneResolver,
    arrived: AtomicUsize,
    barrier: Barrier,
}

const PARTIES: usize = 4;

impl Resolver for Gate {
    async fn txt(&self, name: &str) -> Result<Answer<Txt>, DnsError> {
        if self.arrived.fetch_add(1, Ordering::SeqCst) < PARTIES {
            self.barrier.wait().await;
        }
        self.zone.txt(name).await
    }
    async fn a(&self, name: &str) -> Result<Answer<Ipv4Addr>, DnsError> {
        self.zone.a(name).await
    }
    async fn aaaa(&self, name: &str) -> Result<Answer<Ipv6Addr>, DnsError> {
        self.zone.aaaa(name).await
    }
    async fn mx(&self, name: &str) -> Result<Answer<Mx>, DnsError> {
        self.zone.mx(name).await
    }
    async fn ptr(&self, ip: IpAddr) -> Result<Answer<String>, DnsError> {
        self.zone.ptr(ip).await
    }
}

#[tokio::test]
async fn connections_are_served_concurrently() {
    let config = FilterConfig {
        lookup_timeout: Duration::from_secs(10),
        check_timeout: Duration::from_secs(20),
        ..config(true)
    };
    let gate = Gate {
        zone: zone(),
        arrived: AtomicUsize::new(0),
        barrier: Barrier::new(PARTIES),
    };
    let address = start(config, gate).await;
    let message = signed_message("");

    let tasks: Vec<_> = (0..PARTIES)
        .map(|_| {
            let message = message.clone();
            tokio::spawn(async move {
                transaction(address, SENDER_IP, "<alice@sender.example>", &message).await
            })
        })
        .collect();
    for task in tasks {
        let response = task.await.expect("the transaction task");
        let stamp = stamp_of(&response);
        assert!(stamp.contains("spf=pass"), "a check waited alone: {stamp}");
    }
}
