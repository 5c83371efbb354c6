//! parse(print(x)) == x for arbitrary values, printed plain and folded.
//!
//! The generated values use names that are valid in their place and texts
//! drawn from printable ASCII (quotes, backslashes, parentheses and
//! semicolons included), tab, a control character and UTF-8, so every
//! quoting and escaping path of the writer is taken. Line breaks and NUL
//! are left out: no field can hold them inside a text, and the writer
//! replaces them (see the crate's known gaps).

use std::borrow::Cow;

use mailtrail_authres::{
    AuthenticationResults, FieldKind, Method, ParseOptions, Property, PropertyType, ResultInfo,
    ResultValue, Strictness,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

/// Text for values and comments.
const TEXT: &str = "[\\t\\x01 -~éü日本]{0,20}";

/// Text without control characters, which strict parsing rejects.
const VALID_TEXT: &str = "[\\t -~éü日本]{0,20}";

/// An RFC 5321 `Keyword`.
const KEYWORD: &str = "[a-zA-Z0-9]([a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?";

fn text() -> impl Strategy<Value = Cow<'static, str>> {
    TEXT.prop_map(Cow::Owned)
}

fn method() -> impl Strategy<Value = Method<'static>> {
    let registered = prop_oneof![
        Just(Method::Arc),
        Just(Method::Auth),
        Just(Method::Bimi),
        Just(Method::Dkim),
        Just(Method::DkimAdsp),
        Just(Method::DkimAtps),
        Just(Method::Dmarc),
        Just(Method::Dnswl),
        Just(Method::DomainKeys),
        Just(Method::Iprev),
        Just(Method::Rrvs),
        Just(Method::SenderId),
        Just(Method::Smime),
        Just(Method::Spf),
        Just(Method::Vbr),
    ];
    let other = KEYWORD.prop_map(|name| Method::new(name).into_owned());

    prop_oneof![3 => registered, 1 => other]
}

fn result_value() -> impl Strategy<Value = ResultValue<'static>> {
    const WORDS: [&str; 14] = [
        "declined",
        "discard",
        "fail",
        "hardfail",
        "neutral",
        "none",
        "nxdomain",
        "pass",
        "permerror",
        "policy",
        "skipped",
        "softfail",
        "temperror",
        "unknown",
    ];
    let registered = proptest::sample::select(&WORDS[..]).prop_map(ResultValue::new);
    let other = KEYWORD.prop_map(|word| ResultValue::new(word).into_owned());

    prop_oneof![3 => registered, 1 => other]
}

fn property() -> impl Strategy<Value = Property<'static>> {
    let ptype = prop_oneof![
        Just(Some(PropertyType::Smtp)),
        Just(Some(PropertyType::Header)),
        Just(Some(PropertyType::Body)),
        Just(Some(PropertyType::Policy)),
        Just(Some(PropertyType::Dns)),
        KEYWORD.prop_map(|name| Some(PropertyType::new(name).into_owned())),
        Just(None),
    ];
    let value = prop_oneof![
        text(),
        "[a-z0-9.+]{1,12}@[a-z0-9]{1,8}\\.[a-z]{2,4}".prop_map(Cow::Owned),
    ];

    (ptype, KEYWORD, value, vec(text(), 0..2))
        .prop_filter(
            "a property without a type that reads as a method or reason",
            |parts| {
                let (ptype, name, _, _) = parts;
                ptype.is_some()
                    || !(Method::new(name.as_str()).is_registered()
                        || name.eq_ignore_ascii_case("reason"))
            },
        )
        .prop_map(|(ptype, name, value, comments)| {
            let mut property = Property::new(PropertyType::Smtp, name, value);
            property.ptype = ptype;
            property.comments = comments.into();
            property
        })
}

fn result_info() -> impl Strategy<Value = ResultInfo<'static>> {
    (
        method(),
        option::of(any::<u32>()),
        result_value(),
        option::of(text()),
        vec(property(), 0..4),
        vec(text(), 0..3),
    )
        .prop_map(|(method, version, result, reason, properties, comments)| {
            let mut info = ResultInfo::new(method, result);
            info.method_version = version;
            info.reason = reason;
            info.properties = properties.into();
            info.comments = comments.into();
            info
        })
}

fn header() -> impl Strategy<Value = AuthenticationResults<'static>> {
    let authserv_id = prop_oneof![
        Just(None),
        "[a-z0-9-]{1,10}(\\.[a-z0-9-]{1,10}){0,2}".prop_map(|id| Some(Cow::Owned(id))),
        text().prop_map(Some),
    ];

    (
        authserv_id,
        option::of(any::<u32>()),
        option::of(any::<u32>()),
        vec(result_info(), 0..4),
        vec(text(), 0..2),
    )
        .prop_filter("a value with neither authserv-id nor result", |parts| {
            parts.0.is_some() || !parts.3.is_empty()
        })
        .prop_map(|(authserv_id, version, instance, results, comments)| {
            let mut header = AuthenticationResults::new("");
            // The writer puts a version only after an authserv-id.
            header.version = version.filter(|_| authserv_id.is_some());
            header.authserv_id = authserv_id;
            header.instance = instance;
            header.results = results.into();
            header.comments = comments.into();
            header
        })
}

/// A value strict parsing accepts as printed: an authserv-id, an instance
/// in range, results registered for their methods, typed properties, and
/// texts without control characters.
fn valid_header() -> impl Strategy<Value = AuthenticationResults<'static>> {
    let valid_text = || VALID_TEXT.prop_map(Cow::Owned);
    let result = method().prop_flat_map(move |method| {
        let result = match method.registered_results() {
            Some(registered) => proptest::sample::select(registered).boxed(),
            None => result_value().boxed(),
        };
        let property = (KEYWORD, KEYWORD, valid_text())
            .prop_map(|(ptype, name, value)| Property::new(PropertyType::new(ptype), name, value));

        (
            result,
            option::of(valid_text()),
            vec(property, 0..3),
            vec(valid_text(), 0..2),
        )
            .prop_map(move |(result, reason, properties, comments)| {
                let mut info = ResultInfo::new(method.clone(), result);
                info.reason = reason;
                info.properties = properties.into();
                info.comments = comments.into();
                info
            })
    });

    (
        "[a-z0-9-]{1,10}(\\.[a-z0-9-]{1,10}){0,2}",
        option::of(1..=50_u32),
        vec(result, 0..4),
    )
        .prop_map(|(authserv_id, instance, results)| {
            let mut header = AuthenticationResults::new(authserv_id);
            header.instance = instance;
            header.results = results.into();
            header
        })
}

/// Lenient options for the kind of field `header` belongs to.
fn options(header: &AuthenticationResults<'_>) -> ParseOptions {
    ParseOptions::new(header.kind(), Strictness::Lenient)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn printed_value_parses_back_equal(header in header()) {
        let printed = header.to_string();
        let parsed = AuthenticationResults::parse_with(&printed, options(&header));

        prop_assert_eq!(parsed, Ok(header));
    }

    #[test]
    fn folded_field_parses_back_equal_with_short_lines(header in header()) {
        let field = header.to_field();
        let (name, value) = field.split_once(':').expect("a field");
        let parsed = AuthenticationResults::parse_with(value, options(&header));

        prop_assert_eq!(FieldKind::of(name), Some(header.kind()));
        prop_assert!(field.ends_with("\r\n"));
        for line in field.trim_end().split("\r\n") {
            prop_assert!(line.chars().count() <= 78, "line too long: {:?}", line);
        }
        prop_assert_eq!(parsed, Ok(header));
    }

    #[test]
    fn strict_parse_of_a_valid_value_reports_nothing(header in valid_header()) {
        let printed = header.to_string();
        let strict = AuthenticationResults::parse_with(
            &printed,
            options(&header).with_strictness(Strictness::Strict),
        );

        prop_assert_eq!(strict, Ok(header));
    }
}
