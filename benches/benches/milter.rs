//! Messages per second through the milter example, over the milter protocol
//! on loopback, with no MTA: a milter client drives each message as Postfix
//! does (a new connection, option negotiation, connect, HELO, MAIL, RCPT,
//! every header field, the body, end of message, quit), and the filter runs
//! SPF, DKIM and DMARC on it and answers with its modifications.
//!
//! The message is the realistic bench message signed again with the test
//! RSA-2048 key, so every transaction includes one DKIM verification (the
//! filter keeps the key in its cache, as a running filter would);
//! `dkim-verification-alone` measures that verification by itself for
//! comparison. DNS comes from a `ZoneResolver` in memory. Throughput is in
//! messages: criterion's elements per second are messages per second.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mailtrail_benches::{ready, sign_again};
use mailtrail_dkim::{KeyCache, VerifyOptions, verify_cached};
use mailtrail_dns::{RecordData, ZoneResolver};
use mailtrail_examples::milter::{FilterConfig, Transaction, send, serve};
use tokio::net::TcpListener;
use tokio::runtime::Runtime;

const RSA_KEY: &str = include_str!("../../crates/dkim/tests/data/test-only-rsa2048.pem");

const ZONE: &str = r#"
$TTL 300
example.org.              TXT "v=spf1 ip4:198.51.100.0/24 -all"
_dmarc.example.org.       TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.org"
"#;

/// Signing time: the message's own date.
const SIGNED_AT: u64 = 1_710_234_862;

fn milter(criterion: &mut Criterion) {
    let (signed, zone) = signed_message_and_zone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let address = start(&runtime, zone.clone());
    let transaction = Transaction {
        client_ip: Some("198.51.100.24".parse().expect("an address")),
        helo: "mail.example.org",
        mail_from: "<notifications@example.org>",
        rcpt_to: "<finance@example.com>",
        message: &signed,
    };

    let response = runtime
        .block_on(send(address, &transaction))
        .expect("an answer");
    let stamp = format!("{:?}", response.modifications());
    assert!(stamp.contains("dkim=pass"), "{stamp}");
    assert!(stamp.contains("dmarc=pass"), "{stamp}");

    let mut group = criterion.benchmark_group("milter");
    group.throughput(Throughput::Elements(1));
    group.bench_function("one-message-per-connection", |bencher| {
        bencher.iter(|| runtime.block_on(send(address, &transaction)).is_ok());
    });

    group.throughput(Throughput::Elements(4));
    group.bench_function("four-clients-at-once", |bencher| {
        bencher.iter(|| {
            runtime.block_on(async {
                let messages = (0..4).map(|_| send(address, &transaction));
                let mut answered = 0;
                for result in join_all(messages).await {
                    answered += usize::from(result.is_ok());
                }
                answered
            })
        });
    });

    group.throughput(Throughput::Elements(1));
    let options = VerifyOptions::new(SIGNED_AT + 60);
    let keys = KeyCache::default();
    group.bench_function("dkim-verification-alone", |bencher| {
        bencher.iter(|| {
            ready(verify_cached(&zone, &signed, &options, &keys))
                .outcomes
                .len()
        });
    });
    group.finish();
}

/// The bench message signed with the test key, and the DNS that verifies it.
fn signed_message_and_zone() -> (Vec<u8>, ZoneResolver) {
    let (signed, record) = sign_again(RSA_KEY, SIGNED_AT);
    let mut zone: ZoneResolver = ZONE.parse().expect("the zone parses");
    zone.insert("bench._domainkey.example.org", 300, RecordData::Txt(record))
        .expect("a valid name");
    (signed, zone)
}

/// Starts the filter on a free loopback port of `runtime`.
fn start(runtime: &Runtime, zone: ZoneResolver) -> SocketAddr {
    let config = FilterConfig {
        authserv_id: "mx1.gateway.example.com".to_owned(),
        reject_on_dmarc: true,
        signing: None,
        lookup_timeout: Duration::from_secs(5),
        check_timeout: Duration::from_secs(20),
        log: false,
        key_cache: KeyCache::default(),
    };
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let address = listener.local_addr().expect("bound");
        tokio::spawn(serve(listener, Arc::new(config), Arc::new(zone)));
        address
    })
}

/// Runs the futures side by side and collects their outputs in order.
async fn join_all<F: Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut pinned: Vec<_> = futures.map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|context| {
        let mut pending = false;
        for (future, output) in pinned.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(context) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

criterion_group!(benches, milter);
criterion_main!(benches);
