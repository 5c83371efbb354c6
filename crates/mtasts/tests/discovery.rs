//! Discovery and the policy cache (RFC 8461 §3.3, §5.1) with bodies from
//! memory and time passed in: `id` changes, `max_age` expiry, a record that
//! disappears, several records, and the record read through a real DNS
//! server on loopback.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use mailtrail_dns::{SystemResolver, ZoneResolver};
use mailtrail_mtasts::{
    Discovery, FetchError, MemoryCache, PolicyCache, PolicyFetcher, PolicySource, Problem,
    RecordErrorKind, StaticFetcher,
};

const POLICY: &str = "version: STSv1\nmode: enforce\nmx: mx1.example.com\nmax_age: 3600\n";

/// A fetcher that counts its fetches.
struct Counting {
    inner: StaticFetcher,
    fetches: AtomicUsize,
}

impl Counting {
    fn serving(body: Option<&str>) -> Self {
        let mut inner = StaticFetcher::new();
        match body {
            Some(body) => inner.insert("example.com", body),
            None => inner.insert_error("example.com", FetchError::Status { status: 503 }),
        }
        Self {
            inner,
            fetches: AtomicUsize::new(0),
        }
    }

    fn count(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

impl PolicyFetcher for Counting {
    async fn fetch(&self, policy_domain: &str) -> Result<String, FetchError> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        self.inner.fetch(policy_domain).await
    }
}

fn zone(text: &str) -> ZoneResolver {
    text.parse().expect("a valid zone")
}

fn with_id(id: &str) -> ZoneResolver {
    zone(&format!(
        "_mta-sts.example.com. 300 TXT \"v=STSv1; id={id}\""
    ))
}

fn start() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn after(seconds: u64) -> SystemTime {
    start() + Duration::from_secs(seconds)
}

#[tokio::test]
async fn a_policy_expires_max_age_seconds_after_its_fetch() {
    let zone = with_id("1");
    let fetcher = Counting::serving(Some(POLICY));
    let cache = MemoryCache::new();
    let discovery = Discovery::new(&zone, &fetcher, &cache);

    discovery.discover("example.com", start()).await;
    let found = discovery.discover("example.com", after(3599)).await;
    assert_eq!((found.source, fetcher.count()), (PolicySource::Cache, 1));

    let found = discovery.discover("example.com", after(3600)).await;
    assert_eq!((found.source, fetcher.count()), (PolicySource::Fetched, 2));
    assert_eq!(found.policy.unwrap().fetched_at, after(3600));
}

#[tokio::test]
async fn a_removed_record_leaves_the_unexpired_cached_policy_in_force() {
    let cache = MemoryCache::new();
    let fetcher = Counting::serving(Some(POLICY));
    Discovery::new(with_id("1"), &fetcher, &cache)
        .discover("example.com", start())
        .await;

    let empty = zone("example.com. 300 A 192.0.2.1");
    let gone = Discovery::new(&empty, &fetcher, &cache);
    let found = gone.discover("example.com", after(60)).await;
    assert_eq!(found.source, PolicySource::CacheAfterFailure);
    assert!(found.record.is_none());
    assert!(
        matches!(&found.problems[..], [Problem::Record(error)] if error.kind == RecordErrorKind::NoRecord)
    );

    let found = gone.discover("example.com", after(3600)).await;
    assert_eq!(found.source, PolicySource::None);
    assert!(found.policy.is_none());
    assert!(cache.is_empty(), "the expired entry is dropped");
}

#[tokio::test]
async fn a_failed_first_fetch_gives_no_policy() {
    let zone = with_id("1");
    let fetcher = Counting::serving(None);
    let cache = MemoryCache::new();

    let found = Discovery::new(&zone, &fetcher, &cache)
        .discover("example.com", start())
        .await;

    assert_eq!(found.source, PolicySource::None);
    assert_eq!(
        found.problems,
        [Problem::Fetch(FetchError::Status { status: 503 })]
    );
    assert!(found.record.is_some());
    assert!(cache.is_empty());
}

#[tokio::test]
async fn several_records_mean_no_policy_and_no_fetch() {
    let zone = zone(
        "_mta-sts.example.com. 300 TXT \"v=STSv1; id=1\"\n\
         _mta-sts.example.com. 300 TXT \"v=STSv1; id=2\"\n",
    );
    let fetcher = Counting::serving(Some(POLICY));
    let cache = MemoryCache::new();

    let found = Discovery::new(&zone, &fetcher, &cache)
        .discover("example.com", start())
        .await;

    assert_eq!(found.source, PolicySource::None);
    assert_eq!(fetcher.count(), 0);
    assert!(matches!(
        &found.problems[..],
        [Problem::Record(error)] if error.kind == RecordErrorKind::SeveralRecords(2)
    ));
}

#[tokio::test]
async fn a_policy_that_does_not_parse_is_a_problem_not_a_policy() {
    let zone = with_id("1");
    let fetcher = Counting::serving(Some("version: STSv1\nmode: enforce\nmax_age: 60\n"));
    let cache = MemoryCache::new();

    let found = Discovery::new(&zone, &fetcher, &cache)
        .discover("example.com", start())
        .await;

    assert_eq!(found.source, PolicySource::None);
    assert!(matches!(&found.problems[..], [Problem::Policy(_)]));
    assert!(cache.get("example.com").is_none());
}

#[tokio::test]
async fn a_temporary_dns_failure_keeps_the_cached_policy() {
    let cache = MemoryCache::new();
    let fetcher = Counting::serving(Some(POLICY));
    Discovery::new(with_id("1"), &fetcher, &cache)
        .discover("Example.COM.", start())
        .await;

    let failing = zone(";@ _mta-sts.example.com. TXT servfail\nexample.com. 300 A 192.0.2.1");
    let found = Discovery::new(&failing, &fetcher, &cache)
        .discover("example.com", after(10))
        .await;

    assert_eq!(found.source, PolicySource::CacheAfterFailure);
    assert!(matches!(&found.problems[..], [Problem::Dns(error)] if error.is_temporary()));
}

#[tokio::test]
async fn the_record_is_read_through_a_dns_server_on_loopback() {
    let address = mailtrail_testkit::start_dns_server(with_id("20261203T120000")).await;
    let dns = SystemResolver::builder()
        .name_server(address)
        .timeout(Duration::from_millis(500))
        .attempts(1)
        .build()
        .expect("a resolver");
    let fetcher = Counting::serving(Some(POLICY));
    let cache = MemoryCache::new();

    let found = Discovery::new(&dns, &fetcher, &cache)
        .discover("example.com", start())
        .await;

    assert_eq!(found.source, PolicySource::Fetched);
    assert_eq!(found.record.unwrap().id, "20261203T120000");
}
