//! Reads the openspf test suites (multi-document YAML, pyspf's format) into
//! zones and cases, runs a case through a resolver, and reads the
//! expectation files that record where upstream expectations are one
//! implementation's policy.
//!
//! Zone data follows pyspf's test driver: `SPF` entries are served as TXT
//! when the name has no `TXT` entry (`TXT: NONE` counts as one and serves
//! nothing); `TIMEOUT` makes every type without records at that name time
//! out; an MX host of `""` is the root (a null MX).
//!
//! The suites write non-ASCII record bytes as YAML `\xNN` escapes, which a
//! YAML parser reads as the code points U+0000 to U+00FF; pyspf read them as
//! bytes. Strings whose characters are all below U+0100 are therefore turned
//! into bytes one character per byte (Latin-1), so `"\xEF\xBB\xBF"` reaches
//! the resolver as the three bytes of a UTF-8 byte order mark, as the suite
//! intends. Other strings would be sent as UTF-8; the suites have none.

use std::collections::BTreeMap;
use std::fs;
use std::net::IpAddr;
use std::path::Path;

use mailtrail_dns::{Mx, RecordData, RecordType, Txt, ZoneResolver};
use mailtrail_spf::{IdentityCheck, Verifier};
use serde::Deserialize;
use serde_yaml::Value;

/// One YAML document: a zone and the cases run against it.
pub struct Document {
    pub description: String,
    pub zone: ZoneResolver,
    pub cases: Vec<Case>,
}

/// One test.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub helo: String,
    pub host: IpAddr,
    pub mail_from: String,
    /// The accepted results, lowercase; any one passes.
    pub results: Vec<String>,
    /// The expected explanation; `DEFAULT` means none from `exp=`.
    pub explanation: Option<String>,
    /// The receiver name for the expected Received-SPF field.
    pub receiver: Option<String>,
    /// The expected Received-SPF field value.
    pub header: Option<String>,
}

/// What a case gave.
pub struct Ran {
    pub check: IdentityCheck,
}

/// A difference between what a case expects and what it gave.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Difference {
    pub case: String,
    /// `result`, `explanation`, `comment`, or a Received-SPF key.
    pub field: String,
    pub expected: String,
    pub actual: String,
}

/// Reads a suite file.
pub fn load(path: &Path) -> Vec<Document> {
    let text = fs::read_to_string(path).expect("the suite is readable");
    serde_yaml::Deserializer::from_str(&text)
        .map(|document| Value::deserialize(document).expect("a YAML document"))
        .filter(|value| !value.is_null())
        .map(|value| read_document(&value))
        .collect()
}

/// Runs a case as pyspf's driver does: the MAIL FROM identity, which is
/// `postmaster@<helo>` for an empty `mailfrom`.
pub async fn run<R: mailtrail_dns::Resolver>(resolver: &R, case: &Case) -> Ran {
    let mut verifier = Verifier::new(resolver);
    if let Some(receiver) = &case.receiver {
        verifier = verifier.with_receiver(receiver.clone());
    }

    let check = verifier
        .verify_mail_from(case.host, Some(&case.helo), &case.mail_from)
        .await;
    Ran { check }
}

/// Compares what a case gave with what it expects.
pub fn differences(case: &Case, ran: &Ran) -> Vec<Difference> {
    let outcome = &ran.check.outcome;
    let mut found = Vec::new();
    let mut differ = |field: &str, expected: String, actual: String| {
        found.push(Difference {
            case: case.name.clone(),
            field: field.to_owned(),
            expected,
            actual,
        });
    };

    let result = outcome.result.to_string();
    if !case.results.contains(&result) {
        differ("result", case.results.join("|"), result);
    }
    if let Some(expected) = &case.explanation {
        let actual = outcome
            .explanation
            .clone()
            .unwrap_or_else(|| "DEFAULT".to_owned());
        if expected.eq_ignore_ascii_case(&actual) && *expected != actual {
            differ("explanation-case", expected.clone(), actual);
        } else if *expected != actual {
            differ("explanation", expected.clone(), actual);
        }
    }
    if let Some(expected) = &case.header {
        let actual = ran.check.received_spf().to_string();
        for (field, expected, actual) in compare_headers(expected, &actual) {
            differ(&field, expected, actual);
        }
    }
    found
}

/// A recorded deviation: an upstream expectation this crate does not meet,
/// with the reason.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub case: String,
    pub field: String,
    pub reason: String,
}

/// Reads an expectations file: `case<TAB>field<TAB>reason` lines, `#`
/// comments.
pub fn read_expectations(path: &Path) -> Vec<Recorded> {
    let text = fs::read_to_string(path).expect("the expectations file is committed");
    text.lines()
        .map(str::trim_end)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut parts = line.splitn(3, '\t');
            let (Some(case), Some(field), Some(reason)) =
                (parts.next(), parts.next(), parts.next())
            else {
                panic!("expectation line without case, field and reason: {line:?}");
            };
            assert!(reason.len() > 20, "give a real reason: {line:?}");
            Recorded {
                case: case.into(),
                field: field.into(),
                reason: reason.into(),
            }
        })
        .collect()
}

/// Splits a Received-SPF value into its result, comment and pairs, and
/// lists what differs: the result word compared without case, the comment
/// as text, each key's value.
fn compare_headers(expected: &str, actual: &str) -> Vec<(String, String, String)> {
    let (expected_result, expected_comment, expected_pairs) = parse_header(expected);
    let (actual_result, actual_comment, actual_pairs) = parse_header(actual);
    let mut found = Vec::new();

    if !expected_result.eq_ignore_ascii_case(&actual_result) {
        found.push(("header-result".to_owned(), expected_result, actual_result));
    }
    if expected_comment != actual_comment {
        found.push(("comment".to_owned(), expected_comment, actual_comment));
    }
    let keys: std::collections::BTreeSet<&String> =
        expected_pairs.keys().chain(actual_pairs.keys()).collect();
    for key in keys {
        let (expected, actual) = (expected_pairs.get(key), actual_pairs.get(key));
        if expected != actual {
            let show = |value: Option<&String>| value.cloned().unwrap_or_else(|| "(absent)".into());
            found.push((key.clone(), show(expected), show(actual)));
        }
    }
    found
}

/// `result (comment) key=value; ...` to its parts; quoted values unquoted.
fn parse_header(value: &str) -> (String, String, BTreeMap<String, String>) {
    let value = value.trim();
    let (result, rest) = value.split_once(' ').unwrap_or((value, ""));
    let mut rest = rest.trim_start();

    let mut comment = String::new();
    if let Some(inner) = rest.strip_prefix('(') {
        let mut depth = 1;
        let mut chars = inner.char_indices();
        while let Some((index, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, escaped)) = chars.next() {
                        comment.push(escaped);
                    }
                }
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        rest = inner[index + 1..].trim_start();
                        break;
                    }
                }
                _ => {}
            }
            if depth > 0 && c != '\\' {
                comment.push(c);
            }
        }
    }

    let mut pairs = BTreeMap::new();
    for pair in split_pairs(rest) {
        if let Some((key, value)) = pair.split_once('=') {
            pairs.insert(key.trim().to_ascii_lowercase(), unquote(value.trim()));
        }
    }
    (result.to_owned(), comment, pairs)
}

/// Splits on `;` outside quoted strings.
fn split_pairs(text: &str) -> Vec<String> {
    let (mut pairs, mut current, mut quoted, mut escaped) =
        (Vec::new(), String::new(), false, false);
    for c in text.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                pairs.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    pairs.push(current);
    pairs
        .into_iter()
        .map(|pair| pair.trim().to_owned())
        .filter(|pair| !pair.is_empty())
        .collect()
}

fn unquote(value: &str) -> String {
    let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else {
        return value.to_owned();
    };
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        out.push(if c == '\\' {
            chars.next().unwrap_or('\\')
        } else {
            c
        });
    }
    out
}

fn read_document(value: &Value) -> Document {
    let description = text(&value["description"]).unwrap_or_default();
    let zone = read_zone(&value["zonedata"]);
    let tests = value["tests"].as_mapping().expect("a document has tests");

    let cases = tests
        .iter()
        .map(|(name, test)| read_case(&text(name).expect("a test name"), test))
        .collect();
    Document {
        description,
        zone,
        cases,
    }
}

fn read_case(name: &str, test: &Value) -> Case {
    let results = match &test["result"] {
        Value::Sequence(results) => results.iter().filter_map(text).collect(),
        single => vec![text(single).expect("a result")],
    };
    Case {
        name: name.to_owned(),
        helo: text(&test["helo"]).expect("a helo"),
        host: text(&test["host"])
            .expect("a host")
            .parse()
            .expect("the host is an IP address"),
        mail_from: text(&test["mailfrom"]).unwrap_or_default(),
        results: results
            .into_iter()
            .map(|result| result.to_ascii_lowercase())
            .collect(),
        explanation: text(&test["explanation"]),
        receiver: text(&test["receiver"]),
        header: text(&test["header"]),
    }
}

fn read_zone(zonedata: &Value) -> ZoneResolver {
    let mut zone = ZoneResolver::new();
    let Some(names) = zonedata.as_mapping() else {
        return zone;
    };

    for (name, entries) in names {
        let name = text(name).expect("a zone name");
        let entries = entries.as_sequence().cloned().unwrap_or_default();
        add_name(&mut zone, &name, &entries);
    }
    zone
}

/// Adds one name's entries.
fn add_name(zone: &mut ZoneResolver, name: &str, entries: &[Value]) {
    let (mut txt, mut spf, mut txt_written, mut timeout) = (Vec::new(), Vec::new(), false, false);
    // Names that mailtrail-dns cannot represent (labels with characters
    // outside letters, digits, `-` and `_`) are left out: queries for them
    // are refused as invalid names anyway.
    let mut insert = |data: RecordData| {
        let _ = zone.insert(name, 300, data);
    };

    for entry in entries {
        if text(entry).as_deref() == Some("TIMEOUT") {
            timeout = true;
            continue;
        }
        let Some((kind, value)) = entry.as_mapping().and_then(|map| map.iter().next()) else {
            panic!("{name}: unreadable zone entry {entry:?}");
        };
        match text(kind).as_deref() {
            Some("SPF") => spf.push(txt_record(value)),
            Some("TXT") if text(value).as_deref() == Some("NONE") => txt_written = true,
            Some("TXT") => {
                txt_written = true;
                txt.push(txt_record(value));
            }
            Some("A") => insert(RecordData::A(text(value).unwrap().parse().unwrap())),
            Some("AAAA") => insert(RecordData::Aaaa(text(value).unwrap().parse().unwrap())),
            Some("PTR") => insert(RecordData::Ptr(
                text(value).unwrap().trim_end_matches('.').to_owned(),
            )),
            Some("CNAME") => insert(RecordData::Cname(
                text(value).unwrap().trim_end_matches('.').to_owned(),
            )),
            Some("MX") => insert(RecordData::Mx(mx_record(value))),
            other => panic!("{name}: unknown record kind {other:?}"),
        }
    }

    for record in if txt_written { txt } else { spf } {
        insert(RecordData::Txt(record));
    }
    if timeout {
        for rtype in RecordType::ALL {
            if !zone.has(name, rtype) {
                let _ = zone.set_failure(name, rtype, mailtrail_dns::Failure::Timeout);
            }
        }
    }
}

/// A TXT record from a string or a list of strings.
fn txt_record(value: &Value) -> Txt {
    match value {
        Value::Sequence(strings) => {
            Txt::new(strings.iter().map(|string| bytes(&text(string).unwrap())))
        }
        single => Txt::new([bytes(&text(single).unwrap())]),
    }
}

fn mx_record(value: &Value) -> Mx {
    let pair = value.as_sequence().expect("MX is [preference, host]");
    let exchange = text(&pair[1]).unwrap_or_default();
    let exchange = exchange.trim_end_matches('.');
    Mx {
        preference: pair[0].as_u64().expect("a preference") as u16,
        exchange: if exchange.is_empty() {
            ".".to_owned()
        } else {
            exchange.to_owned()
        },
    }
}

/// A scalar as text.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// Latin-1 bytes when every character fits, else UTF-8 (see the module
/// documentation).
fn bytes(text: &str) -> Vec<u8> {
    if text.chars().all(|c| u32::from(c) < 0x100) {
        text.chars().map(|c| c as u8).collect()
    } else {
        text.as_bytes().to_vec()
    }
}

/// The tally of a suite run against its expectations file.
pub struct Tally {
    pub total: usize,
    pub passed: usize,
    pub recorded: usize,
}

/// Checks every difference against the recorded ones: an unrecorded
/// difference fails, and so does a recorded one that no longer happens.
/// Prints and returns the counts.
pub fn judge(suite: &str, runs: &[(String, Vec<Difference>)], recorded: &[Recorded]) -> Tally {
    let is_recorded = |difference: &Difference| {
        recorded
            .iter()
            .any(|entry| entry.case == difference.case && entry.field == difference.field)
    };
    let unrecorded: Vec<&Difference> = runs
        .iter()
        .flat_map(|(_, differences)| differences)
        .filter(|difference| !is_recorded(difference))
        .collect();
    let stale: Vec<&Recorded> = recorded
        .iter()
        .filter(|entry| {
            !runs
                .iter()
                .flat_map(|(_, differences)| differences)
                .any(|difference| entry.case == difference.case && entry.field == difference.field)
        })
        .collect();

    let passed = runs
        .iter()
        .filter(|(_, differences)| differences.is_empty())
        .count();
    let tally = Tally {
        total: runs.len(),
        passed,
        recorded: runs.len() - passed,
    };
    println!(
        "{suite}: {} / {} passed, {} with a recorded deviation",
        tally.passed, tally.total, tally.recorded
    );

    assert!(
        unrecorded.is_empty(),
        "{suite}: unexpected differences:\n{unrecorded:#?}"
    );
    assert!(
        stale.is_empty(),
        "{suite}: recorded deviations that no longer happen:\n{stale:#?}"
    );
    tally
}
