//! Forged and injected Authentication-Results, after the attacks in the
//! CVE history of A-R parsers and consumers: comments hidden in the
//! authserv-id, values that try to close the field or start another result,
//! duplicated trusted fields, and look-alike ids (RFC 8601 §7.1, §7.8).

use mailtrail_authres::{
    AuthenticationResults, Method, ParseError, Property, PropertyType, ResultInfo, ResultValue,
    Strictness, Trust, TrustConfig, TrustReason, Verdict, parse_fields,
};
use mailtrail_message::split;

const OURS: &str = "mx.ourcompany.example";

/// The verdicts for every A-R field of `message`, trusting only [`OURS`].
fn verdicts(message: &str, boundary: Option<usize>) -> Vec<Verdict> {
    let block = split(message.as_bytes());
    let fields = parse_fields(&block, Strictness::Lenient);

    TrustConfig::new([OURS]).classify(&fields, boundary)
}

fn trust(verdicts: &[Verdict]) -> Vec<Trust> {
    verdicts.iter().map(|verdict| verdict.trust).collect()
}

#[test]
fn unclosed_comment_in_the_authserv_id_makes_the_field_unparseable_and_untrusted() {
    // A naive parser strips `(.example.com` oddly and reads `example.com`.
    let message =
        "Authentication-Results: example.net(.example.com; dkim=pass header.d=example.com\r\n\r\n";
    let block = split(message.as_bytes());
    let fields = parse_fields(&block, Strictness::Lenient);

    assert_eq!(
        fields[0].parsed,
        Err(ParseError::UnclosedComment { offset: 35 })
    );
    let verdicts = TrustConfig::new(["example.com"]).classify(&fields, Some(0));
    assert_eq!(verdicts[0].trust, Trust::Untrusted);
    assert_eq!(verdicts[0].reason, TrustReason::Unparseable);
}

#[test]
fn closed_comment_next_to_the_authserv_id_does_not_change_it() {
    for value in [
        "example.net(.example.com) ; dkim=pass",
        "(example.com) example.net; dkim=pass",
        "example.net (example.com); dkim=pass",
    ] {
        let parsed = AuthenticationResults::parse(value).unwrap();

        assert_eq!(
            parsed.authserv_id.as_deref(),
            Some("example.net"),
            "{value}"
        );
        assert!(!TrustConfig::new(["example.com"]).trusts("example.net"));
    }
}

#[test]
fn semicolon_inside_a_quoted_value_does_not_start_another_result() {
    let value = r#"mx.example.net; spf=fail smtp.mailfrom="x@evil.example; dkim=pass header.d=bank.example""#;
    let parsed = AuthenticationResults::parse(value).unwrap();

    assert_eq!(parsed.results.len(), 1);
    assert_eq!(parsed.results[0].result, ResultValue::Fail);
    assert_eq!(
        parsed.results[0].property("smtp", "mailfrom"),
        Some("x@evil.example; dkim=pass header.d=bank.example")
    );
    assert!(parsed.deviations.is_empty());
}

#[test]
fn semicolon_and_escaped_parenthesis_inside_a_comment_do_not_start_another_result() {
    let value = r"mx.example.net; spf=fail (x \) ; dkim=pass header.d=bank.example) smtp.mailfrom=evil.example";
    let parsed = AuthenticationResults::parse(value).unwrap();

    assert_eq!(parsed.results.len(), 1);
    assert_eq!(
        parsed.results[0].comments,
        ["x ) ; dkim=pass header.d=bank.example"]
    );
    assert_eq!(
        parsed.results[0].property("smtp", "mailfrom"),
        Some("evil.example")
    );
}

#[test]
fn line_break_inside_a_value_cannot_carry_a_second_field() {
    let value = "mx.example.net; spf=fail smtp.mailfrom=\"a\r\nAuthentication-Results: \
                 mx.ourcompany.example; dkim=pass\"";

    assert_eq!(
        AuthenticationResults::parse(value),
        Err(ParseError::LineBreak { offset: 41 })
    );
}

#[test]
fn field_split_by_an_injected_line_break_is_distrusted_on_both_sides() {
    // The sender wrote one value; the line break made it two fields, the
    // second claiming our authserv-id. Our entry host wrote fields 0 and 1.
    let message = format!(
        "Authentication-Results: {OURS}; spf=pass smtp.mailfrom=evil.example\r\n\
         Received: from evil.example by {OURS}\r\n\
         Authentication-Results: evil.example; spf=fail smtp.mailfrom=x (\r\n\
         Authentication-Results: {OURS}; dkim=pass header.d=bank.example)\r\n\r\n"
    );
    let verdicts = verdicts(&message, Some(1));

    assert_eq!(
        trust(&verdicts),
        [Trust::Trusted, Trust::Untrusted, Trust::Forged]
    );
    assert_eq!(verdicts[1].reason, TrustReason::Unparseable);
    assert_eq!(
        verdicts[2].reason,
        TrustReason::BelowBoundary { boundary: 1 }
    );
}

#[test]
fn duplicated_trusted_field_below_the_boundary_is_forged() {
    let message = format!(
        "Authentication-Results: {OURS}; dkim=fail header.d=bank.example\r\n\
         Received: from evil.example by {OURS}\r\n\
         Authentication-Results: {OURS}; dkim=pass header.d=bank.example\r\n\r\n"
    );
    let verdicts = verdicts(&message, Some(1));

    assert_eq!(trust(&verdicts), [Trust::Trusted, Trust::Forged]);
    assert_eq!(verdicts[1].index, 2);
}

#[test]
fn without_a_boundary_a_trusted_id_below_an_untrusted_field_is_forged() {
    let message = format!(
        "Authentication-Results: {OURS}; dkim=fail header.d=bank.example\r\n\
         Authentication-Results: mail.evil.example; spf=pass smtp.mailfrom=evil.example\r\n\
         Authentication-Results: {OURS}; dkim=pass header.d=bank.example\r\n\r\n"
    );
    let verdicts = verdicts(&message, None);

    assert_eq!(
        trust(&verdicts),
        [Trust::Trusted, Trust::Untrusted, Trust::Forged]
    );
    assert_eq!(verdicts[0].reason, TrustReason::AboveUntrustedFields);
    assert_eq!(
        verdicts[2].reason,
        TrustReason::BelowUntrustedField { field: 1 }
    );
}

#[test]
fn without_a_boundary_a_forged_copy_directly_below_cannot_be_told_apart() {
    // The documented limit of classifying without a boundary.
    let message = format!(
        "Authentication-Results: {OURS}; dkim=fail header.d=bank.example\r\n\
         Received: from evil.example by {OURS}\r\n\
         Authentication-Results: {OURS}; dkim=pass header.d=bank.example\r\n\r\n"
    );

    assert_eq!(
        trust(&verdicts(&message, None)),
        [Trust::Trusted, Trust::Trusted]
    );
    assert_eq!(
        trust(&verdicts(&message, Some(1))),
        [Trust::Trusted, Trust::Forged]
    );
}

#[test]
fn ghost_mx_authserv_id_is_untrusted_wherever_it_sits() {
    let message = "Authentication-Results: mta.old-vendor.com; dkim=pass (signature was verified)\r\n \
                   header.d=vendor.com; spf=pass smtp.mailfrom=notifications@vendor.com\r\n\
                   Received: from mta.vendor.com by mta.old-vendor.com\r\n\r\n";
    let verdicts = verdicts(message, Some(1));

    assert_eq!(verdicts[0].trust, Trust::Untrusted);
    assert_eq!(verdicts[0].reason, TrustReason::UnlistedAuthservId);
}

#[test]
fn missing_authserv_id_is_never_trusted() {
    let message = "Authentication-Results: spf=pass (sender IP is 198.51.100.24)\r\n \
                   smtp.mailfrom=vendor.com; dkim=pass header.d=vendor.com\r\n\r\n";
    let verdicts = verdicts(message, Some(5));

    assert_eq!(verdicts[0].trust, Trust::Untrusted);
    assert_eq!(verdicts[0].reason, TrustReason::MissingAuthservId);
}

#[test]
fn look_alike_and_near_miss_ids_are_not_trusted() {
    let config = TrustConfig::new([OURS]);

    // Cyrillic о (U+043E) for Latin o, a fullwidth dot, a trailing dot, a
    // subdomain and a parent domain.
    for id in [
        "mx.\u{43e}urcompany.example",
        "mx\u{ff0e}ourcompany.example",
        "mx.ourcompany.example.",
        "evil.mx.ourcompany.example",
        "ourcompany.example",
    ] {
        assert!(!config.trusts(id), "{id}");
    }
    assert!(config.trusts("MX.OurCompany.Example"));
}

#[test]
fn quoted_authserv_id_is_compared_by_its_meaning() {
    let message = format!(
        "Authentication-Results: \"{OURS}\"; spf=pass smtp.mailfrom=vendor.com\r\n\
         Authentication-Results: \"{OURS}; dkim=pass\"; spf=fail\r\n\r\n"
    );
    let block = split(message.as_bytes());
    let fields = parse_fields(&block, Strictness::Lenient);
    let verdicts = TrustConfig::new([OURS]).classify(&fields, Some(1));

    assert_eq!(trust(&verdicts), [Trust::Trusted, Trust::Untrusted]);
    assert_eq!(
        fields[1].authserv_id(),
        Some("mx.ourcompany.example; dkim=pass")
    );
}

#[test]
fn arc_authentication_results_are_classified_by_the_same_rule() {
    let message = format!(
        "ARC-Authentication-Results: i=2; {OURS}; arc=pass\r\n\
         Received: from relay.example.org by {OURS}\r\n\
         ARC-Authentication-Results: i=1; relay.example.org; dkim=pass header.d=vendor.com\r\n\
         ARC-Authentication-Results: i=1; {OURS}; dkim=pass header.d=bank.example\r\n\r\n"
    );
    let verdicts = verdicts(&message, Some(1));

    assert_eq!(
        trust(&verdicts),
        [Trust::Trusted, Trust::Untrusted, Trust::Forged]
    );
}

#[test]
fn printed_values_cannot_be_made_to_start_another_result_or_field() {
    let hostile = "x\"; dkim=pass header.d=bank.example\r\nAuthentication-Results: evil; spf=pass";
    let header = AuthenticationResults::new(OURS).with_result(
        ResultInfo::new(Method::Spf, ResultValue::Fail)
            .with_reason(hostile)
            .with_comment(hostile)
            .with_property(Property::new(PropertyType::Smtp, "mailfrom", hostile)),
    );

    let field = header.to_field();
    let block = split(field.as_bytes());
    let fields = parse_fields(&block, Strictness::Lenient);

    assert_eq!(fields.len(), 1);
    let parsed = fields[0].parsed.as_ref().unwrap();
    assert_eq!(parsed.results.len(), 1);
    assert_eq!(parsed.results[0].result, ResultValue::Fail);
    assert!(parsed.deviations.is_empty());
    assert!(!header.to_string().contains(['\r', '\n']));
}
