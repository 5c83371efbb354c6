//! Conformance against the MTA-STS cases of mox and go-mtasts
//! (`../shared/corpora/mtasts/mtasts-cases.json`): records, policies and
//! MX matching. Expectations that reflect one implementation's policy
//! rather than RFC 8461 are listed in `expectations/mtasts-cases.txt` and
//! not counted.

use std::collections::HashSet;
use std::fs;

use mailtrail_mtasts::{MxPattern, Policy, StsRecord};
use mailtrail_testkit::corpus_path;
use serde_json::{Value, json};

/// The listed cases: `source kind input` keys.
fn expectations() -> HashSet<String> {
    include_str!("expectations/mtasts-cases.txt")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| line.split_once('\t').expect("case TAB reason").0.to_owned())
        .collect()
}

/// Our reading of a record in mox's shape, or `None` when we reject it.
fn record_as_mox(text: &str) -> Option<Value> {
    let record = StsRecord::parse(text).ok()?;
    let mut value = json!({"Version": "STSv1", "ID": record.id});
    if !record.extensions.is_empty() {
        let pairs: Vec<_> = record
            .extensions
            .iter()
            .map(|e| json!([e.name, e.value]))
            .collect();
        value["Extensions"] = Value::from(pairs);
    }
    Some(value)
}

/// Our reading of a policy in mox's shape.
fn policy_as_mox(text: &str) -> Option<Value> {
    let policy = Policy::parse(text).ok()?;
    let mut value = json!({
        "Version": "STSv1",
        "Mode": policy.mode.as_str(),
        "MaxAgeSeconds": policy.max_age,
    });
    if !policy.mx.is_empty() {
        value["MX"] = policy.mx.iter().map(|mx| mx.as_str()).collect();
    }
    if !policy.extensions.is_empty() {
        let pairs: Vec<_> = policy
            .extensions
            .iter()
            .map(|e| json!([e.name, e.value]))
            .collect();
        value["Extensions"] = Value::from(pairs);
    }
    Some(value)
}

/// Our reading of a policy in go-mtasts' shape.
fn policy_as_go(text: &str) -> Option<Value> {
    let policy = Policy::parse(text).ok()?;
    let mode = match policy.mode.as_str() {
        "enforce" => "ModeEnforce",
        "testing" => "ModeTesting",
        _ => "ModeNone",
    };
    let mut value = json!({"Mode": mode, "MaxAge": policy.max_age});
    if !policy.mx.is_empty() {
        value["MX"] = policy.mx.iter().map(|mx| mx.as_str()).collect();
    }
    Some(value)
}

/// Tallies agreement of one kind of case.
#[derive(Default)]
struct Tally {
    agree: usize,
    listed: usize,
    disagreements: Vec<String>,
}

impl Tally {
    fn check(
        &mut self,
        listed: &HashSet<String>,
        key: String,
        ours: Option<Value>,
        theirs: Option<Value>,
    ) {
        if listed.contains(&key) {
            self.listed += 1;
        } else if ours == theirs {
            self.agree += 1;
        } else {
            self.disagreements
                .push(format!("{key}: ours {ours:?}, theirs {theirs:?}"));
        }
    }
}

/// The expected reading of a case: `None` when it must be rejected.
fn expected(case: &Value, field: &str) -> Option<Value> {
    case["valid"]
        .as_bool()
        .unwrap()
        .then(|| case[field].clone())
}

#[test]
fn mox_and_go_mtasts_cases_are_read_as_expected_or_explained() {
    let Some(path) = corpus_path("mtasts/mtasts-cases.json") else {
        return;
    };
    let corpus: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    let listed = expectations();
    let mut tally = Tally::default();

    let mox = &corpus["mox"];
    for case in mox["record_cases"].as_array().unwrap() {
        let text = case["record"].as_str().unwrap();
        let key = format!("mox record {}", Value::from(text));
        tally.check(&listed, key, record_as_mox(text), expected(case, "expect"));
    }
    for case in mox["policy_cases"].as_array().unwrap() {
        let text = case["policy"].as_str().unwrap();
        let key = format!("mox policy {}", Value::from(text));
        tally.check(&listed, key, policy_as_mox(text), expected(case, "expect"));
    }

    let go = &corpus["go-mtasts"];
    for case in go["record_cases"].as_array().unwrap() {
        let text = case["record"].as_str().unwrap();
        let key = format!("go-mtasts record {}", Value::from(text));
        let ours = StsRecord::parse(text)
            .ok()
            .map(|record| Value::from(record.id.as_ref()));
        tally.check(&listed, key, ours, expected(case, "id"));
    }
    for case in go["policy_cases"].as_array().unwrap() {
        let text = case["policy"].as_str().unwrap();
        let key = format!("go-mtasts policy {}", Value::from(text));
        tally.check(&listed, key, policy_as_go(text), expected(case, "expect"));
    }
    for case in go["mx_match_cases"].as_array().unwrap() {
        let host = case["mx"].as_str().unwrap();
        let matched = case["policy_mx"].as_array().unwrap().iter().any(|pattern| {
            MxPattern::new(pattern.as_str().unwrap()).is_some_and(|pattern| pattern.matches(host))
        });
        let key = format!("go-mtasts mx {}", json!([host, case["policy_mx"]]));
        tally.check(
            &listed,
            key,
            Some(Value::from(matched)),
            Some(case["match"].clone()),
        );
    }

    let total = tally.agree + tally.listed + tally.disagreements.len();
    println!(
        "mtasts-cases.json: {} / {} agree, {} listed as implementation policy",
        tally.agree,
        total - tally.listed,
        tally.listed
    );
    assert!(total >= 78, "expected the whole corpus, read {total} cases");
    assert!(tally.disagreements.is_empty(), "{:#?}", tally.disagreements);
}
