//! Conformance against third-party data: mox's DMARC record tests (read in
//! RFC 7489 mode, as mox follows RFC 7489) and the official Public Suffix
//! List test vectors through the RFC 7489 organizational-domain function.

use std::collections::HashMap;
use std::fs;

use mailtrail_dmarc::{Mode, Record, registrable_domain};
use mailtrail_testkit::corpus_path;
use serde_json::Value;

/// The expected differences: record text to reason.
fn expectations() -> HashMap<String, String> {
    let text = include_str!("expectations/mox-dmarc-record-parse.txt");
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let (record, reason) = line.split_once('\t').expect("record TAB reason");
            (record.to_owned(), reason.to_owned())
        })
        .collect()
}

/// Our reading of a record, in the shape of the corpus' expected values
/// (RFC 7489 defaults applied), or `None` when we reject it.
fn reading(text: &str) -> Option<Value> {
    let record = Record::parse(text).ok()?;
    let policies = record.policies(Mode::Rfc7489).ok()?;
    let uris = |uris: &Option<mailtrail_dmarc::ReportUris<'_>>| -> Value {
        let list: Vec<Value> = uris
            .iter()
            .flat_map(|uris| uris.iter())
            .map(|uri| {
                let limit = uri.max_size_text.unwrap_or("");
                let digits: String = limit.chars().take_while(char::is_ascii_digit).collect();
                let unit = limit[digits.len()..].to_ascii_lowercase();
                serde_json::json!({
                    "uri": uri.uri,
                    "max_size": digits.parse::<u64>().unwrap_or(0),
                    "unit": unit,
                })
            })
            .collect();
        Value::from(list)
    };
    let failure_options = record
        .failure_options
        .map_or_else(|| "0".to_owned(), |options| options.to_string());
    let formats = record.report_formats.as_deref().unwrap_or("afrf");

    Some(serde_json::json!({
        "v": "DMARC1",
        "p": policies.domain.as_str(),
        "sp": if policies.assumed_none { None } else { record.subdomain_policy.map(|p| p.as_str()) },
        "adkim": record.dkim_alignment().to_string(),
        "aspf": record.spf_alignment().to_string(),
        "rua": uris(&record.aggregate_reports),
        "ruf": uris(&record.failure_reports),
        "ri": record.report_interval.unwrap_or(86400),
        "fo": failure_options.split(':').collect::<Vec<_>>(),
        "rf": formats.split(':').map(str::trim).collect::<Vec<_>>(),
        "pct": record.percent.unwrap_or(100),
    }))
}

#[test]
fn mox_records_are_read_as_expected_or_explained() {
    let Some(path) = corpus_path("dmarc/mox-dmarc-record-parse.json") else {
        return;
    };
    let corpus: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    let expectations = expectations();
    let cases = corpus["cases"].as_array().expect("cases");

    let (mut agree, mut explained, mut disagreements) = (0, 0, Vec::new());
    for case in cases {
        let text = case["record"].as_str().unwrap();
        let expected = case["valid"]
            .as_bool()
            .unwrap()
            .then(|| case["expected"].clone());
        let ours = reading(text);
        match (ours == expected, expectations.get(text)) {
            (true, None) => agree += 1,
            (false, Some(_)) => explained += 1,
            (true, Some(_)) => disagreements.push(format!("{text:?} agrees but is listed")),
            (false, None) => {
                disagreements.push(format!("{text:?}: expected {expected:?}, read {ours:?}"));
            }
        }
    }

    println!(
        "mox DMARC records: {agree}/{} agree, {explained} differ as listed",
        cases.len()
    );
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    assert_eq!(agree + explained, cases.len());
    assert!(cases.len() >= 41, "the corpus has 41 records");
}

#[test]
fn public_suffix_list_test_vectors_all_pass() {
    let Some(path) = corpus_path("psl/psl-test-vectors.txt") else {
        return;
    };
    let text = fs::read_to_string(path).unwrap();
    let (mut passed, mut failures) = (0, Vec::new());

    for line in text
        .lines()
        .filter(|line| !line.starts_with("//") && !line.trim().is_empty())
    {
        let (input, expected) = line.split_once(' ').expect("input and expected");
        // Compared as A-labels: the vectors write Unicode output for Unicode
        // input; DMARC compares names in their DNS form.
        let expected = (expected != "null")
            .then(|| mailtrail_dmarc::normalize_domain(expected).map(|domain| domain.into_owned()))
            .flatten();
        let ours = match input {
            "null" => None,
            _ => organizational(input),
        };
        if ours == expected {
            passed += 1;
        } else {
            failures.push(format!("{input}: expected {expected:?}, got {ours:?}"));
        }
    }

    println!(
        "PSL test vectors: {passed}/{} pass",
        passed + failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(passed >= 70, "the vectors are read");
}

/// The registrable domain as the PSL vectors expect it: lowercase, with a
/// leading dot making the input invalid.
fn organizational(input: &str) -> Option<String> {
    if input.starts_with('.') {
        return None;
    }
    let domain = mailtrail_dmarc::normalize_domain(input)?;
    registrable_domain(&domain).map(str::to_owned)
}
