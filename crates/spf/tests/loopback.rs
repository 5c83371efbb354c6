//! `rfc7208-tests.yml` a second time, through the `SystemResolver` and a
//! real DNS server on 127.0.0.1 (hickory-server, in process) serving each
//! document's zone, with `TIMEOUT` names never answered. Everything between
//! the SPF evaluator and the zone goes over the wire: TXT strings and their
//! bytes, NXDOMAIN against NODATA, SERVFAIL, TCP for large answers.

mod support;

use std::path::Path;
use std::time::Duration;

use mailtrail_dns::SystemResolver;
use mailtrail_testkit::{corpus_path, start_dns_server};
use support::suite;

/// Short, so the cases whose names never answer keep the run fast.
const QUERY_TIMEOUT: Duration = Duration::from_millis(200);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc7208_suite_passes_through_a_dns_server_on_loopback() {
    let Some(path) = corpus_path("spf/rfc7208-tests.yml") else {
        return;
    };
    let mut runs = Vec::new();

    for document in suite::load(&path) {
        let address = start_dns_server(document.zone.clone()).await;
        let resolver = SystemResolver::builder()
            .name_server(address)
            .timeout(QUERY_TIMEOUT)
            .attempts(1)
            .build()
            .expect("the resolver configures");

        for case in &document.cases {
            let ran = suite::run(&resolver, case).await;
            runs.push((case.name.clone(), suite::differences(case, &ran)));
        }
    }

    let expectations =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rfc7208-expectations.txt");
    let tally = suite::judge(
        "rfc7208-tests.yml via SystemResolver and a loopback DNS server",
        &runs,
        &suite::read_expectations(&expectations),
    );
    assert_eq!(tally.total, 203, "the suite has 203 cases");
}
