//! The openspf conformance suites through the in-memory `ZoneResolver`:
//! every case of `rfc7208-tests.yml`, the cases of `rfc4408-tests.yml`
//! whose rule RFC 7208 kept, and `pyspf-test.yml` with its expected
//! Received-SPF fields. Where an upstream expectation is one
//! implementation's policy or a rule RFC 7208 changed, the case is listed
//! with its reason in `tests/data/*-expectations.txt`; a listed case that
//! starts to match fails the test, so the lists stay true.

mod support;

use std::path::Path;

use mailtrail_testkit::corpus_path;
use support::suite::{self, Difference};

fn expectations(file: &str) -> Vec<suite::Recorded> {
    suite::read_expectations(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(file),
    )
}

async fn run_suite(file: &str) -> Option<Vec<(String, Vec<Difference>)>> {
    let path = corpus_path(&format!("spf/{file}"))?;
    let mut runs = Vec::new();

    for document in suite::load(&path) {
        for case in &document.cases {
            let ran = suite::run(&document.zone, case).await;
            runs.push((case.name.clone(), suite::differences(case, &ran)));
        }
    }
    Some(runs)
}

#[tokio::test]
async fn rfc7208_suite_passes_through_the_zone_resolver() {
    let Some(runs) = run_suite("rfc7208-tests.yml").await else {
        return;
    };

    let tally = suite::judge(
        "rfc7208-tests.yml via ZoneResolver",
        &runs,
        &expectations("rfc7208-expectations.txt"),
    );
    assert_eq!(tally.total, 203, "the suite has 203 cases");
}

#[tokio::test]
async fn rfc4408_cases_whose_rule_did_not_change_pass() {
    let Some(runs) = run_suite("rfc4408-tests.yml").await else {
        return;
    };

    let (excluded, recorded): (Vec<_>, Vec<_>) = expectations("rfc4408-expectations.txt")
        .into_iter()
        .partition(|entry| entry.field == "excluded");
    check_exclusions_still_apply(&excluded);

    let kept: Vec<_> = runs
        .into_iter()
        .filter(|(case, _)| !excluded.iter().any(|entry| entry.case == *case))
        .collect();
    let tally = suite::judge(
        "rfc4408-tests.yml via ZoneResolver (rules kept by RFC 7208)",
        &kept,
        &recorded,
    );
    assert_eq!(tally.total + excluded.len(), 191, "the suite has 191 cases");
}

#[tokio::test]
async fn pyspf_suite_passes_with_its_received_spf_fields() {
    let Some(runs) = run_suite("pyspf-test.yml").await else {
        return;
    };

    let tally = suite::judge(
        "pyspf-test.yml via ZoneResolver",
        &runs,
        &expectations("pyspf-expectations.txt"),
    );
    assert_eq!(tally.total, 16, "the suite has 16 cases");
}

/// Each excluded RFC 4408 case must still be in that suite and still be
/// expected differently by the RFC 7208 suite, or its exclusion is stale.
fn check_exclusions_still_apply(excluded: &[suite::Recorded]) {
    let (Some(old), Some(new)) = (
        corpus_path("spf/rfc4408-tests.yml"),
        corpus_path("spf/rfc7208-tests.yml"),
    ) else {
        return;
    };
    let cases = |path: &Path| -> Vec<suite::Case> {
        suite::load(path)
            .into_iter()
            .flat_map(|document| document.cases)
            .collect()
    };
    let (old, new) = (cases(&old), cases(&new));

    for entry in excluded {
        let before = old.iter().find(|case| case.name == entry.case);
        let before = before.unwrap_or_else(|| {
            panic!(
                "excluded case {} is gone from rfc4408-tests.yml",
                entry.case
            )
        });
        let now = new.iter().find(|case| case.name == entry.case);
        let sorted = |case: &suite::Case| {
            let mut results = case.results.clone();
            results.sort();
            results
        };
        let changed = now.is_none_or(|now| sorted(now) != sorted(before));
        assert!(
            changed,
            "excluded case {} expects the same in both suites now",
            entry.case
        );
    }
}
