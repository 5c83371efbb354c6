//! Test support for the mailtrail workspace, never published.
//!
//! - [`start_dns_server`] runs a real DNS server (hickory-server, in process)
//!   on 127.0.0.1 with an OS-assigned port, UDP and TCP, that answers every
//!   query from a [`ZoneResolver`]: records as an authoritative answer,
//!   NXDOMAIN and NODATA as such, server failures as SERVFAIL, and timeouts
//!   by never answering. Tests then query it with the `SystemResolver`, so
//!   the whole path through the wire format is exercised.
//! - [`corpus_path`] finds the third-party conformance corpora: the folder
//!   named by `MAILTRAIL_CORPORA`, else `../shared/corpora` beside the
//!   workspace. When it is missing, tests fail under CI (`CI=true`) and skip
//!   elsewhere.
//!
//! ```
//! use mailtrail_dns::{Failure, RecordData, RecordType, Resolver, SystemResolver, Txt, ZoneResolver};
//!
//! let mut zone = ZoneResolver::new();
//! zone.insert("example.com", 300, RecordData::Txt(Txt::new(["v=spf1 -all"])))?;
//! zone.set_failure("slow.example.com", RecordType::Txt, Failure::Timeout)?;
//!
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! runtime.block_on(async {
//!     let address = mailtrail_testkit::start_dns_server(zone).await;
//!     let dns = SystemResolver::builder()
//!         .name_server(address)
//!         .timeout(std::time::Duration::from_millis(200))
//!         .attempts(1)
//!         .build()?;
//!
//!     let answer = dns.txt("example.com").await?;
//!     assert_eq!(answer.records[0].to_text(), "v=spf1 -all");
//!     assert!(dns.txt("slow.example.com").await.unwrap_err().is_temporary());
//!     Ok::<(), Box<dyn std::error::Error>>(())
//! })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use hickory_proto::op::{Edns, Header, HeaderCounts, Metadata, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, MX, PTR, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType as HickoryType};
use hickory_server::Server;
use hickory_server::net::runtime::Time;
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::MessageResponseBuilder;
use mailtrail_dns::{Answer, DnsError, Mx, RecordData, RecordType, Resolver, Txt, ZoneResolver};
use tokio::net::{TcpListener, UdpSocket};

/// Starts a DNS server on 127.0.0.1 that answers from `zone`, and returns its
/// address (the same port for UDP and TCP). It runs until the runtime stops.
///
/// Queries for types the zone does not hold (not A, AAAA, MX, PTR or TXT)
/// get NODATA when the name exists and NXDOMAIN otherwise. Answers carry the
/// queried name as owner: CNAME chains are followed inside the zone, as
/// [`ZoneResolver::query`] does. A TXT record without any string, which RFC
/// 1035 §3.3.14 does not allow on the wire, is served as one empty string:
/// the same text once the strings are joined. Records naming hosts that
/// hickory-proto cannot parse (labels with characters other than letters,
/// digits, `-` and `_`) are left out of answers.
pub async fn start_dns_server(zone: ZoneResolver) -> SocketAddr {
    let (udp, tcp) = bind_pair().await;
    let address = udp.local_addr().expect("a bound socket has an address");

    let mut server = Server::new(ZoneHandler { zone });
    server.register_socket(udp);
    server.register_listener(tcp, Duration::from_secs(5), 64 * 1024);
    tokio::spawn(async move {
        let _ = server.block_until_done().await;
    });
    address
}

/// The path of `relative` inside the conformance corpora, or `None` after
/// printing that the test skipped because the corpora are missing.
///
/// # Panics
///
/// When the corpora are missing and `CI` is `true`: under CI a missing
/// corpus is a failure, not a skip.
pub fn corpus_path(relative: &str) -> Option<PathBuf> {
    let root = match std::env::var_os("MAILTRAIL_CORPORA") {
        Some(folder) => PathBuf::from(folder),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora"),
    };
    let path = root.join(relative);
    if path.exists() {
        return Some(path);
    }

    let under_ci = std::env::var("CI").is_ok_and(|value| value == "true");
    assert!(!under_ci, "the corpus file {} is missing", path.display());
    println!("skipped: the corpus file {} is missing", path.display());
    None
}

/// A zone resolver that counts its TXT lookups, for tests of caches and
/// of how often an evaluator asks.
///
/// ```
/// use mailtrail_dns::{Resolver, ZoneResolver};
/// use mailtrail_testkit::CountingResolver;
///
/// let zone: ZoneResolver = "example.com. 300 IN TXT \"v=spf1 -all\"".parse()?;
/// let counting = CountingResolver::new(zone);
/// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
/// runtime.block_on(counting.txt("example.com"))?;
/// assert!(runtime.block_on(counting.txt("other.example")).is_err());
///
/// assert_eq!(counting.txt_lookups(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct CountingResolver {
    zone: ZoneResolver,
    txt_lookups: AtomicUsize,
}

impl CountingResolver {
    /// Answers from `zone`, counting from zero.
    pub fn new(zone: ZoneResolver) -> Self {
        Self {
            zone,
            txt_lookups: AtomicUsize::new(0),
        }
    }

    /// How many TXT lookups were asked for, answered or not.
    pub fn txt_lookups(&self) -> usize {
        self.txt_lookups.load(Ordering::Relaxed)
    }
}

impl Resolver for CountingResolver {
    async fn txt(&self, name: &str) -> Result<Answer<Txt>, DnsError> {
        self.txt_lookups.fetch_add(1, Ordering::Relaxed);
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

/// Answers queries from a zone.
struct ZoneHandler {
    zone: ZoneResolver,
}

#[async_trait::async_trait]
impl RequestHandler for ZoneHandler {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        mut response_handle: R,
    ) -> ResponseInfo {
        let mut metadata = Metadata::response_from_request(&request.metadata);
        metadata.authoritative = true;
        let unanswered = ResponseInfo::from(Header {
            metadata,
            counts: HeaderCounts::default(),
        });

        let Ok(info) = request.request_info() else {
            metadata.response_code = ResponseCode::FormErr;
            return send(request, metadata, &[], &mut response_handle).await;
        };
        let owner = info.query.original().name().clone();
        let name = mailtrail_dns::labels_to_name(owner.iter());

        let outcome = match mailtrail_type(info.query.query_type()) {
            Some(rtype) => self.zone.query(&name, rtype),
            None => match self.zone.query(&name, RecordType::Txt) {
                Err(DnsError::NxDomain { name, rtype }) => Err(DnsError::NxDomain { name, rtype }),
                _ => Err(DnsError::NoData {
                    name: name.clone(),
                    rtype: RecordType::Txt,
                }),
            },
        };

        let records: Vec<Record> = match outcome {
            Ok(answer) => answer
                .records
                .iter()
                .filter_map(|data| {
                    rdata(data).map(|rdata| Record::from_rdata(owner.clone(), answer.ttl, rdata))
                })
                .collect(),
            Err(DnsError::Timeout { .. }) => return unanswered,
            Err(DnsError::NxDomain { .. }) => {
                metadata.response_code = ResponseCode::NXDomain;
                Vec::new()
            }
            Err(DnsError::NoData { .. }) => Vec::new(),
            Err(_) => {
                metadata.response_code = ResponseCode::ServFail;
                Vec::new()
            }
        };
        send(request, metadata, &records, &mut response_handle).await
    }
}

/// Sends a response with these answers, echoing EDNS so large answers fit
/// in UDP where the client allows.
async fn send<R: ResponseHandler>(
    request: &Request,
    metadata: Metadata,
    records: &[Record],
    response_handle: &mut R,
) -> ResponseInfo {
    let edns = request.edns.as_ref().map(|requested| {
        let mut edns = Edns::new();
        edns.set_max_payload(requested.max_payload().max(512));
        edns
    });
    let mut builder = MessageResponseBuilder::from_message_request(request);
    if let Some(edns) = &edns {
        builder.edns(edns);
    }

    let response = builder.build(metadata, records.iter(), [], [], []);
    let fallback = Header {
        metadata,
        counts: HeaderCounts::default(),
    };
    response_handle
        .send_response(response)
        .await
        .unwrap_or_else(|_| ResponseInfo::from(fallback))
}

/// The mailtrail type of a query type, for those a zone holds.
fn mailtrail_type(rtype: HickoryType) -> Option<RecordType> {
    match rtype {
        HickoryType::A => Some(RecordType::A),
        HickoryType::AAAA => Some(RecordType::Aaaa),
        HickoryType::MX => Some(RecordType::Mx),
        HickoryType::PTR => Some(RecordType::Ptr),
        HickoryType::TXT => Some(RecordType::Txt),
        _ => None,
    }
}

/// The wire data of a record; `None` for data the wire cannot carry (a
/// CNAME, which queries follow, or a name hickory refuses).
fn rdata(data: &RecordData) -> Option<RData> {
    match data {
        RecordData::A(ip) => Some(RData::A(A(*ip))),
        RecordData::Aaaa(ip) => Some(RData::AAAA(AAAA(*ip))),
        RecordData::Mx(mx) => Some(RData::MX(MX::new(mx.preference, absolute(&mx.exchange)?))),
        RecordData::Ptr(host) => Some(RData::PTR(PTR(absolute(host)?))),
        RecordData::Txt(txt) if txt.strings().next().is_none() => {
            Some(RData::TXT(TXT::from_bytes(vec![b""])))
        }
        RecordData::Txt(txt) => Some(RData::TXT(TXT::from_bytes(txt.strings().collect()))),
        _ => None,
    }
}

/// A name from presentation text, absolute; `.` or empty is the root. The
/// labels are read by mailtrail-dns, which accepts every octet DNS allows.
fn absolute(text: &str) -> Option<Name> {
    let bare = text.strip_suffix('.').unwrap_or(text);
    if bare.is_empty() {
        return Some(Name::root());
    }
    let labels = mailtrail_dns::name_to_labels(bare).ok()?;
    let mut name = Name::from_labels(labels).ok()?;
    name.set_fqdn(true);
    Some(name)
}

/// A UDP socket and a TCP listener on the same OS-assigned port.
async fn bind_pair() -> (UdpSocket, TcpListener) {
    for _ in 0..50 {
        let udp = UdpSocket::bind("127.0.0.1:0").await.expect("bind udp");
        let address = udp.local_addr().expect("a bound socket has an address");
        if let Ok(tcp) = TcpListener::bind(address).await {
            return (udp, tcp);
        }
    }
    panic!("no port free for both UDP and TCP on 127.0.0.1");
}
