//! Agreement with third-party Authentication-Results test data: the RFC 8601
//! Appendix B examples, go-msgauth's parse tests and the parses of Python
//! authres 1.2.0, all read from the shared corpora (see its README).
//!
//! Where an upstream expectation follows one implementation rather than the
//! RFC, the case is listed with its reason in `tests/expectations/`, and the
//! test checks that the listed cases still differ and the others agree.

use std::collections::BTreeMap;
use std::env;
use std::fs;
use std::path::PathBuf;

use mailtrail_authres::{AuthenticationResults, ParseOptions, Strictness, parse_fields};
use mailtrail_message::split;
use serde_json::Value;

#[test]
fn every_rfc8601_appendix_b_example_parses_as_expected_in_strict_mode() {
    let Some(corpus) = corpus("rfc8601-appendix-b.json") else {
        return;
    };
    let examples = corpus["examples"].as_array().expect("an examples array");
    let mut matched = 0;

    for example in examples {
        let header = example["header"].as_str().expect("a header string");
        let block = split(header.as_bytes());
        let fields = parse_fields(&block, Strictness::Strict);

        assert_eq!(fields.len(), 1, "one field in {header:?}");
        let parsed = fields[0].parsed.as_ref().unwrap_or_else(|error| {
            panic!("{}: {error}", example["title"]);
        });

        assert!(parsed.deviations.is_empty());
        check_appendix_b_expectations(parsed, &example["expect"]);
        matched += 1;
    }

    println!(
        "RFC 8601 Appendix B: {matched} / {} examples",
        examples.len()
    );
    assert_eq!(matched, 11, "the corpus holds 11 examples");
}

/// Compares the `expect` map of an Appendix B example, whose keys look like
/// `resinfo[0].properties.smtp.mailfrom`, with `parsed`.
fn check_appendix_b_expectations(parsed: &AuthenticationResults<'_>, expect: &Value) {
    let expect = expect.as_object().expect("an expect object");

    for (key, expected) in expect {
        let actual = match key.split_once('.') {
            Some((resinfo, path)) if resinfo.starts_with("resinfo[") => {
                let number: usize = resinfo["resinfo[".len()..resinfo.len() - 1]
                    .parse()
                    .expect("a resinfo index");
                resinfo_field(parsed, number, path)
            }
            _ => header_field(parsed, key),
        };

        assert_eq!(&actual, expected, "{key} of {parsed}");
    }
}

/// A header-level expectation: `authserv_id`, `authres_version` (1 when
/// absent) or `resinfo.length`.
fn header_field(parsed: &AuthenticationResults<'_>, key: &str) -> Value {
    match key {
        "authserv_id" => parsed.authserv_id.as_deref().into(),
        "authres_version" => parsed.version.unwrap_or(1).into(),
        "resinfo.length" => parsed.results.len().into(),
        other => panic!("unknown expectation {other}"),
    }
}

/// A result-level expectation: `method`, `method_version` (1 when absent),
/// `result`, `reason` or `properties.<ptype>.<property>`.
fn resinfo_field(parsed: &AuthenticationResults<'_>, number: usize, path: &str) -> Value {
    let result = &parsed.results[number];

    match path.split_once('.') {
        Some(("properties", property)) => {
            let (ptype, name) = property.split_once('.').expect("ptype.property");
            result.property(ptype, name).into()
        }
        _ => match path {
            "method" => result.method.as_str().into(),
            "method_version" => result.method_version.unwrap_or(1).into(),
            "result" => result.result.as_str().into(),
            "reason" => result.reason.as_deref().into(),
            other => panic!("unknown expectation {other}"),
        },
    }
}

#[test]
fn go_msgauth_parse_tests_agree_where_they_follow_the_rfc() {
    let Some(corpus) = corpus("go-msgauth-authres.json") else {
        return;
    };
    let mut expectations = expectations("go-msgauth-authres.txt");
    let cases = corpus["cases"].as_array().expect("a cases array");
    let mut agreed = 0;

    for case in cases {
        let value = case["value"].as_str().expect("a value");
        let key = serde_json::to_string(value).expect("a JSON string");
        let agrees = go_case_agrees(value, case);

        match expectations.remove(&key) {
            Some(reason) => assert!(!agrees, "stale expectation {key} ({reason})"),
            None => assert!(agrees, "go-msgauth case {key} disagrees"),
        }
        agreed += usize::from(agrees);
    }

    assert!(
        expectations.is_empty(),
        "expectations for missing cases: {expectations:?}"
    );
    println!(
        "go-msgauth: {agreed} / {} cases, the rest listed",
        cases.len()
    );
}

/// Whether mailtrail's lenient parse gives go-msgauth's authserv-id and
/// results. go-msgauth keeps only the properties it models, so its
/// properties must be found among ours.
fn go_case_agrees(value: &str, case: &Value) -> bool {
    let Ok(parsed) = AuthenticationResults::parse(value) else {
        return false;
    };
    let expected = case["results"].as_array().expect("a results array");

    if parsed.authserv_id.as_deref() != case["authserv_id"].as_str()
        || parsed.results.len() != expected.len()
    {
        return false;
    }

    let results_agree = parsed
        .results
        .iter()
        .zip(expected)
        .all(|(result, expected)| {
            let properties = expected["props"].as_object().expect("a props object");
            let properties_agree = properties.iter().all(|(name, value)| {
                let (ptype, property) = name.split_once('.').expect("ptype.property");
                result.property(ptype, property) == value.as_str()
            });

            result.method.as_str() == expected["method"]
                && result.result.as_str() == expected["result"]
                && result.reason.as_deref() == expected["reason"].as_str()
                && properties_agree
        });

    // Whatever go-msgauth formats, mailtrail's own output must read back.
    let printed = parsed.to_string();
    let reprinted = AuthenticationResults::parse(&printed);
    results_agree && reprinted.as_ref() == Ok(&parsed)
}

#[test]
fn python_authres_parses_agree_except_the_listed_differences() {
    let Some(corpus) = corpus("python-authres-doctest-parses.json") else {
        return;
    };
    let mut expectations = expectations("python-authres-doctest-parses.txt");
    let cases = corpus["cases"].as_array().expect("a cases array");
    let mut agreed = 0;

    for case in cases {
        let key = case["doctest_line"].to_string();
        let header = case["header"].as_str().expect("a header");
        let agrees = python_case_agrees(header, &case["core"]);

        match expectations.remove(&key) {
            Some(reason) => assert!(!agrees, "stale expectation for line {key} ({reason})"),
            None => assert!(
                agrees,
                "python authres case at line {key} disagrees: {header}"
            ),
        }
        agreed += usize::from(agrees);
    }

    assert!(
        expectations.is_empty(),
        "expectations for missing cases: {expectations:?}"
    );
    println!(
        "python authres 1.2.0: {agreed} / {} cases agree",
        cases.len()
    );
}

/// Whether mailtrail's lenient parse of the field `header` equals Python
/// authres's output `core`, or both fail. authres drops comments, so
/// they are not compared.
fn python_case_agrees(header: &str, core: &Value) -> bool {
    let block = split(header.as_bytes());
    let fields = parse_fields(&block, Strictness::Lenient);
    let parsed = fields[0].parsed.as_ref();

    let Ok(parsed) = parsed else {
        return core.get("error").is_some();
    };
    if core.get("error").is_some() {
        return false;
    }

    let results: Vec<Value> = parsed
        .results
        .iter()
        .map(|result| {
            let properties: Vec<Value> = result
                .properties
                .iter()
                .map(|property| {
                    serde_json::json!({
                        "type": property.ptype.as_ref().map(|ptype| ptype.as_str()),
                        "name": property.property,
                        "value": property.value,
                    })
                })
                .collect();

            serde_json::json!({
                "method": result.method.as_str(),
                "version": result.method_version,
                "result": result.result.as_str(),
                "reason": result.reason,
                "properties": properties,
            })
        })
        .collect();

    parsed.authserv_id.as_deref() == core["authserv_id"].as_str()
        && Value::from(parsed.version) == core["version"]
        && Value::from(results) == core["results"]
}

#[test]
fn strict_mode_rejects_what_the_listed_python_differences_tolerate() {
    let Some(corpus) = corpus("python-authres-doctest-parses.json") else {
        return;
    };
    let listed = expectations("python-authres-doctest-parses.txt");

    for case in corpus["cases"].as_array().expect("a cases array") {
        let line = case["doctest_line"].to_string();
        let header = case["header"].as_str().expect("a header");
        let value = header.split_once(':').expect("a field").1;
        let strict = AuthenticationResults::parse_with(value, ParseOptions::strict());
        let lenient = AuthenticationResults::parse(value).expect("every case parses leniently");

        // Strict mode fails exactly where lenient mode forgave something.
        assert_eq!(
            strict.is_err(),
            !lenient.deviations.is_empty(),
            "line {line}"
        );
        if case["core"].get("error").is_some() {
            assert!(listed.contains_key(&line) && strict.is_err());
        }
    }
}

/// The JSON corpus `name` in the authres corpus folder, or `None` when the
/// corpora are missing outside CI.
fn corpus(name: &str) -> Option<Value> {
    let root = match env::var_os("MAILTRAIL_CORPORA") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/corpora"
        )),
    };
    let path = root.join("authres").join(name);

    match fs::read_to_string(&path) {
        Ok(text) => Some(serde_json::from_str(&text).expect("the corpus is JSON")),
        Err(error) if env::var("CI").as_deref() == Ok("true") => {
            panic!("corpus {} is missing under CI: {error}", path.display())
        }
        Err(_) => {
            eprintln!("skipped: corpus {} not found", path.display());
            None
        }
    }
}

/// The checked expectations file `name`: case key to reason.
fn expectations(name: &str) -> BTreeMap<String, String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/expectations")
        .join(name);
    let text = fs::read_to_string(&path).expect("the expectations file is committed");

    text.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (key, reason) = line.split_once('\t').expect("a key, a tab and a reason");
            (key.to_owned(), reason.to_owned())
        })
        .collect()
}
