//! The table of real-world Authentication-Results styles in
//! `tests/data/real-world.json`: what lenient parsing reads and reports,
//! that strict parsing rejects exactly what lenient parsing forgave, and
//! the errors of values that cannot be read at all.

use mailtrail_authres::{AuthenticationResults, FieldKind, ParseError, ParseOptions, Strictness};
use serde_json::Value;

const TABLE: &str = include_str!("data/real-world.json");

#[test]
fn lenient_parsing_reads_each_style_and_reports_its_deviations() {
    let table: Value = serde_json::from_str(TABLE).expect("the table is JSON");
    let cases = table["cases"].as_array().expect("a cases array");

    for case in cases {
        let source = &case["source"];
        let value = case["value"].as_str().expect("a value");
        let parsed = AuthenticationResults::parse_with(value, options(case, Strictness::Lenient))
            .unwrap_or_else(|error| panic!("{source}: {error}"));

        let results: Vec<String> = parsed
            .results
            .iter()
            .map(|result| format!("{}={}", result.method, result.result))
            .collect();
        let deviations: Vec<&str> = parsed
            .deviations
            .iter()
            .map(|deviation| deviation.kind.as_str())
            .collect();

        assert_eq!(
            parsed.authserv_id.as_deref(),
            case["authserv_id"].as_str(),
            "{source}"
        );
        assert_eq!(Value::from(results), case["results"], "{source}");
        assert_eq!(Value::from(deviations), case["deviations"], "{source}");
    }
}

#[test]
fn strict_parsing_rejects_exactly_the_styles_with_deviations() {
    let table: Value = serde_json::from_str(TABLE).expect("the table is JSON");

    for case in table["cases"].as_array().expect("a cases array") {
        let value = case["value"].as_str().expect("a value");
        let expected = case["deviations"].as_array().expect("a deviations array");
        let strict = AuthenticationResults::parse_with(value, options(case, Strictness::Strict));

        match (strict, expected.first()) {
            (Ok(parsed), None) => assert!(parsed.deviations.is_empty()),
            (Err(ParseError::Deviation { deviation, .. }), Some(first)) => {
                assert_eq!(deviation.as_str(), first, "{}", case["source"]);
            }
            (Err(ParseError::Expected { .. }), Some(_)) => {}
            (outcome, _) => panic!("{}: strict parse gave {outcome:?}", case["source"]),
        }
    }
}

#[test]
fn every_style_prints_and_reads_back_equal() {
    let table: Value = serde_json::from_str(TABLE).expect("the table is JSON");

    for case in table["cases"].as_array().expect("a cases array") {
        let value = case["value"].as_str().expect("a value");
        let options = options(case, Strictness::Lenient);
        let parsed = AuthenticationResults::parse_with(value, options).expect("it parses");
        let printed = parsed.to_string();
        let folded = parsed.to_field();
        let folded_value = folded
            .split_once(':')
            .map(|(_, value)| value)
            .expect("a field");

        assert_eq!(
            AuthenticationResults::parse_with(&printed, options),
            Ok(parsed.clone())
        );
        assert_eq!(
            AuthenticationResults::parse_with(folded_value, options),
            Ok(parsed)
        );
    }
}

#[test]
fn unreadable_values_give_the_error_and_offset_in_the_table() {
    let table: Value = serde_json::from_str(TABLE).expect("the table is JSON");

    for case in table["errors"].as_array().expect("an errors array") {
        let value = case["value"].as_str().expect("a value");
        let error = AuthenticationResults::parse_with(value, options(case, Strictness::Lenient))
            .expect_err("the value cannot be parsed");
        let kind = match error {
            ParseError::Expected { .. } => "expected",
            ParseError::LineBreak { .. } => "line-break",
            ParseError::NumberTooLarge { .. } => "number-too-large",
            ParseError::UnclosedComment { .. } => "unclosed-comment",
            ParseError::UnclosedQuotedString { .. } => "unclosed-quoted-string",
            other => panic!("unexpected error {other}"),
        };

        assert_eq!(kind, case["error"], "{}", case["source"]);
        assert_eq!(
            Value::from(error.offset()),
            case["offset"],
            "{}",
            case["source"]
        );

        // What lenient parsing cannot read, strict parsing cannot either.
        let strict = AuthenticationResults::parse_with(value, options(case, Strictness::Strict));
        assert!(strict.is_err(), "{}", case["source"]);
    }
}

/// The parse options a table case asks for.
fn options(case: &Value, strictness: Strictness) -> ParseOptions {
    let kind = if case["arc"].as_bool() == Some(true) {
        FieldKind::ArcAuthenticationResults
    } else {
        FieldKind::AuthenticationResults
    };

    ParseOptions::new(kind, strictness)
}
