//! The invariants of `mailtrail_mtasts::Policy::parse` and of MX matching,
//! checked on any input.
//!
//! Shared by the `mtasts_policy` fuzz target and by the round-trip tests of
//! the MTA-STS crate (`crates/mtasts/tests/roundtrip.rs`), which include
//! this file as a module.

use mailtrail_mtasts::{MAX_MAX_AGE, Mode, MxPattern, Policy};

/// Parses `text` and checks: errors and deviations point inside the text,
/// the fields keep their limits, printing then parsing strictly gives the
/// same policy without its deviations, and each pattern matches a host
/// made from it (one label for the wildcard) but not one with an extra
/// label.
pub(crate) fn check_policy(text: &str) {
    let policy = match Policy::parse(text) {
        Ok(policy) => policy,
        Err(error) => {
            assert!(error.span.start <= error.span.end, "error span ordered");
            assert!(error.span.end <= text.len(), "error span inside the text");
            return;
        }
    };
    for deviation in &policy.deviations {
        assert!(deviation.span.start <= deviation.span.end);
        assert!(
            deviation.span.end <= text.len(),
            "deviation inside the text"
        );
    }
    assert!(policy.max_age <= MAX_MAX_AGE, "max_age within its limit");
    assert!(
        policy.mode == Mode::None || !policy.mx.is_empty(),
        "mx unless mode is none"
    );

    let printed = policy.to_string();
    let reparsed = Policy::parse_strict(&printed).expect("a printed policy parses strictly");
    let mut clean = policy.clone();
    clean.deviations.clear();
    assert_eq!(
        reparsed, clean,
        "print then parse gives the same policy: {printed}"
    );
    assert_eq!(reparsed.to_string(), printed, "printing is stable");

    for pattern in &policy.mx {
        let host = pattern.as_str().replace("*.", "mx.");
        assert!(pattern.matches(&host), "{pattern} matches {host}");
        assert!(
            pattern.matches(&format!("{}.", host.to_ascii_uppercase())),
            "case and dot ignored"
        );
        assert!(
            !pattern.matches(&format!("extra.{host}")),
            "{pattern} spans one label only"
        );
        assert!(MxPattern::new(pattern.as_str()).is_some_and(|again| again.matches(&host)));
    }
}
