//! The HTTPS fetcher and discovery against a real HTTPS server on loopback
//! (RFC 8461 §3.3, §5.1), with certificates made at test time and trusted
//! through a caller-supplied root store. The policy host resolves to
//! 127.0.0.1 through a `ZoneResolver`; nothing leaves the machine.

mod support;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use mailtrail_dns::ZoneResolver;
use mailtrail_mtasts::{
    CertificateProblem, Discovery, FetchError, HttpsFetcher, MAX_BODY_LEN, MemoryCache, Mode,
    PolicyFetcher, PolicySource, Problem,
};
use support::{Leaf, Reply, Server, TestCa};

const POLICY: &str = "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmax_age: 86400\r\n";

/// The zone of the test domain: its record with this `id`, and the policy
/// host on loopback.
fn zone(id: &str) -> ZoneResolver {
    format!(
        "_mta-sts.example.com. 300 TXT \"v=STSv1; id={id}\"\n\
         mta-sts.example.com. 300 A 127.0.0.1\n"
    )
    .parse()
    .expect("a valid zone")
}

/// A fetcher aimed at the server, trusting the test CA, refusing nothing
/// on loopback.
fn fetcher<'z>(
    ca: &TestCa,
    server: &Server,
    zone: &'z ZoneResolver,
) -> HttpsFetcher<&'z ZoneResolver> {
    HttpsFetcher::new(zone)
        .with_roots(ca.roots.clone())
        .with_port(server.address.port())
        .with_timeout(Duration::from_secs(10))
        .refuse_private_addresses(false)
}

async fn fetch_with(leaf: Leaf, reply: Reply) -> Result<String, FetchError> {
    let ca = TestCa::new();
    let server = ca.serve(leaf, reply).await;
    let zone = zone("1");
    fetcher(&ca, &server, &zone).fetch("example.com").await
}

#[tokio::test]
async fn a_good_policy_is_fetched_from_the_well_known_path() {
    let ca = TestCa::new();
    let server = ca.serve(Leaf::Good, Reply::policy(POLICY)).await;
    let zone = zone("1");

    let body = fetcher(&ca, &server, &zone)
        .fetch("Example.COM.")
        .await
        .unwrap();

    assert_eq!(body, POLICY);
    let requests = server.requests.lock().unwrap();
    let head = requests[0].to_ascii_lowercase();
    assert!(
        head.starts_with("get /.well-known/mta-sts.txt http/1.1\r\n"),
        "{head}"
    );
    assert!(head.contains("\r\nhost: mta-sts.example.com\r\n"), "{head}");
}

#[tokio::test]
async fn a_redirect_is_refused_not_followed() {
    let reply = Reply::Raw(
        b"HTTP/1.1 301 Moved Permanently\r\nLocation: https://mta-sts.example.com/other.txt\r\n\
          Content-Length: 0\r\n\r\n"
            .to_vec(),
    );
    let error = fetch_with(Leaf::Good, reply).await.unwrap_err();
    assert_eq!(
        error,
        FetchError::Redirect {
            status: 301,
            location: Some("https://mta-sts.example.com/other.txt".into())
        }
    );
}

#[tokio::test]
async fn a_policy_served_as_html_is_refused() {
    let error = fetch_with(Leaf::Good, Reply::response("200 OK", "text/html", POLICY))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        FetchError::MediaType {
            found: Some("text/html".into())
        }
    );
}

#[tokio::test]
async fn a_body_over_the_cap_is_refused_without_reading_it_all() {
    let ca = TestCa::new();
    let server = ca.serve(Leaf::Good, Reply::Endless).await;
    let zone = zone("1");

    let error = fetcher(&ca, &server, &zone)
        .fetch("example.com")
        .await
        .unwrap_err();

    assert_eq!(
        error,
        FetchError::BodyTooLarge {
            limit: MAX_BODY_LEN
        }
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let written = server.body_bytes_written.load(Ordering::SeqCst);
    // The server would write forever; it stopped once the client left,
    // after what the socket buffers hold.
    assert!(written < 64 << 20, "the server wrote {written} bytes");
}

#[tokio::test]
async fn an_announced_length_over_the_cap_is_refused_before_the_body() {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
        MAX_BODY_LEN + 1
    );
    let error = fetch_with(Leaf::Good, Reply::Raw(head.into_bytes()))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        FetchError::BodyTooLarge {
            limit: MAX_BODY_LEN
        }
    );
}

#[tokio::test]
async fn a_certificate_for_another_name_is_refused() {
    let error = fetch_with(Leaf::WrongName, Reply::policy(POLICY))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        FetchError::Certificate {
            host: "mta-sts.example.com".into(),
            problem: CertificateProblem::NotValidForName
        }
    );
}

#[tokio::test]
async fn an_expired_certificate_is_refused() {
    let error = fetch_with(Leaf::Expired, Reply::policy(POLICY))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        FetchError::Certificate {
            host: "mta-sts.example.com".into(),
            problem: CertificateProblem::Expired
        }
    );
}

#[tokio::test]
async fn a_certificate_from_an_untrusted_authority_is_refused() {
    let ca = TestCa::new();
    let server = ca.serve(Leaf::Good, Reply::policy(POLICY)).await;
    let zone = zone("1");
    let other_ca = TestCa::new();

    let error = fetcher(&other_ca, &server, &zone)
        .fetch("example.com")
        .await
        .unwrap_err();

    assert!(matches!(
        error,
        FetchError::Certificate {
            problem: CertificateProblem::UnknownIssuer,
            ..
        }
    ));
}

#[tokio::test]
async fn not_found_is_a_status_error() {
    let error = fetch_with(
        Leaf::Good,
        Reply::response("404 Not Found", "text/plain", "no"),
    )
    .await
    .unwrap_err();
    assert_eq!(error, FetchError::Status { status: 404 });
}

#[tokio::test]
async fn a_stalled_server_times_out() {
    let ca = TestCa::new();
    let server = ca.serve(Leaf::Good, Reply::Stall).await;
    let zone = zone("1");
    let limit = Duration::from_millis(300);

    let started = Instant::now();
    let error = fetcher(&ca, &server, &zone)
        .with_timeout(limit)
        .fetch("example.com")
        .await
        .unwrap_err();

    assert_eq!(error, FetchError::Timeout { after: limit });
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn loopback_addresses_are_refused_by_default() {
    let ca = TestCa::new();
    let server = ca.serve(Leaf::Good, Reply::policy(POLICY)).await;
    let zone = zone("1");
    let fetcher = HttpsFetcher::new(&zone)
        .with_roots(ca.roots.clone())
        .with_port(server.address.port());

    let error = fetcher.fetch("example.com").await.unwrap_err();

    assert_eq!(
        error,
        FetchError::PrivateAddress {
            host: "mta-sts.example.com".into(),
            address: "127.0.0.1".parse().unwrap()
        }
    );
    assert!(server.requests.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_policy_change_is_picked_up_through_a_new_id() {
    let ca = TestCa::new();
    let server = ca.serve(Leaf::Good, Reply::policy(POLICY)).await;
    let cache = MemoryCache::new();
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let first_zone = zone("1");
    let first = Discovery::new(&first_zone, fetcher(&ca, &server, &first_zone), &cache);

    let found = first.discover("example.com", now).await;
    assert_eq!(found.source, PolicySource::Fetched);
    assert_eq!(found.policy.unwrap().policy.mode, Mode::Enforce);

    // The domain publishes a new policy but keeps the old id: not fetched.
    *server.reply.lock().unwrap() = Reply::policy(&POLICY.replace("enforce", "testing"));
    let found = first
        .discover("example.com", now + Duration::from_secs(60))
        .await;
    assert_eq!(found.source, PolicySource::Cache);
    assert_eq!(found.policy.unwrap().policy.mode, Mode::Enforce);
    assert_eq!(server.requests.lock().unwrap().len(), 1);

    // A new id: fetched again.
    let second_zone = zone("2");
    let second = Discovery::new(&second_zone, fetcher(&ca, &server, &second_zone), &cache);
    let found = second
        .discover("example.com", now + Duration::from_secs(120))
        .await;
    assert_eq!(found.source, PolicySource::Fetched);
    let entry = found.policy.unwrap();
    assert_eq!((entry.id.as_str(), entry.policy.mode), ("2", Mode::Testing));
    assert_eq!(server.requests.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_failed_refetch_keeps_the_unexpired_cached_policy() {
    let ca = TestCa::new();
    let server = ca.serve(Leaf::Good, Reply::policy(POLICY)).await;
    let cache = MemoryCache::new();
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let first_zone = zone("1");
    Discovery::new(&first_zone, fetcher(&ca, &server, &first_zone), &cache)
        .discover("example.com", now)
        .await;

    *server.reply.lock().unwrap() = Reply::response("500 Internal Server Error", "text/plain", "");
    let second_zone = zone("2");
    let second = Discovery::new(&second_zone, fetcher(&ca, &server, &second_zone), &cache);
    let found = second
        .discover("example.com", now + Duration::from_secs(60))
        .await;

    assert_eq!(found.source, PolicySource::CacheAfterFailure);
    assert_eq!(found.policy.unwrap().id, "1");
    assert_eq!(
        found.problems,
        [Problem::Fetch(FetchError::Status { status: 500 })]
    );
}
