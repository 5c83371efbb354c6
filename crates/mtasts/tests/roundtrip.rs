//! Records and policies written with any spacing, line ends and field
//! order read back to the values written, print and parse again to the
//! same value, and arbitrary text keeps the fuzz invariants. The committed
//! fuzz seeds are replayed.

use std::fs;
use std::path::Path;

use mailtrail_mtasts::{Mode, Policy, StsRecord};
use proptest::prelude::*;

#[path = "../../../fuzz/checks/mtasts_policy.rs"]
mod policy_checks;
#[path = "../../../fuzz/checks/mtasts_record.rs"]
mod record_checks;

/// Feeds every committed seed of a fuzz target to `check`.
fn replay(target: &str, check: fn(&str)) {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut seeds = 0;
    for entry in fs::read_dir(&corpus).expect("the seed corpus is committed") {
        let bytes = fs::read(entry.expect("a readable entry").path()).expect("a readable seed");
        if let Ok(text) = std::str::from_utf8(&bytes) {
            check(text);
        }
        seeds += 1;
    }
    assert!(
        seeds >= 10,
        "expected the committed seeds of {target}, found {seeds}"
    );
}

#[test]
fn every_committed_seed_passes_the_fuzz_checks() {
    replay("mtasts_record", record_checks::check_record);
    replay("mtasts_policy", policy_checks::check_policy);
}

fn mode() -> impl Strategy<Value = Mode> {
    prop_oneof![Just(Mode::Enforce), Just(Mode::Testing), Just(Mode::None)]
}

/// An `mx` pattern: a host name, or a wildcard and one.
fn pattern() -> impl Strategy<Value = String> {
    (
        "(\\*\\.)?",
        "[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?(\\.[a-z0-9]{1,8}){1,3}",
    )
        .prop_map(|(wildcard, name)| format!("{wildcard}{name}"))
}

/// White space as the ABNF allows it after a colon or at a line end.
fn space() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just(""), Just(" "), Just("\t"), Just(" \t ")]
}

/// The fields of a policy and how to write them.
#[derive(Debug, Clone)]
struct Written {
    mode: Mode,
    mx: Vec<String>,
    max_age: u32,
    extensions: Vec<(String, String)>,
    order: Vec<usize>,
    spaces: Vec<&'static str>,
    crlf: Vec<bool>,
    final_line_end: bool,
}

fn written() -> impl Strategy<Value = Written> {
    (
        mode(),
        proptest::collection::vec(pattern(), 1..4),
        0..=mailtrail_mtasts::MAX_MAX_AGE,
        proptest::collection::vec(("x[a-z0-9_.-]{0,8}", "[!-~]([ -~]{0,10}[!-~])?"), 0..3),
        Just((0..10).collect::<Vec<usize>>()).prop_shuffle(),
        proptest::collection::vec(space(), 20),
        proptest::collection::vec(any::<bool>(), 10),
        any::<bool>(),
    )
        .prop_map(
            |(mode, mx, max_age, extensions, order, spaces, crlf, final_line_end)| {
                let mut extensions = extensions;
                extensions.sort();
                extensions.dedup_by(|a, b| a.0 == b.0);
                Written {
                    mode,
                    mx,
                    max_age,
                    extensions,
                    order,
                    spaces,
                    crlf,
                    final_line_end,
                }
            },
        )
}

/// Writes the policy's lines in the chosen order, spacing and line ends.
fn write(written: &Written) -> String {
    let mut lines = vec![
        ("version".to_owned(), "STSv1".to_owned()),
        ("mode".to_owned(), written.mode.to_string()),
        ("max_age".to_owned(), written.max_age.to_string()),
    ];
    lines.extend(written.mx.iter().map(|mx| ("mx".to_owned(), mx.clone())));
    lines.extend(written.extensions.iter().cloned());

    // Shuffle the lines, then put the mx lines, and the extension lines,
    // back in their own order: the parser keeps each list in file order.
    let mut all: Vec<usize> = written
        .order
        .iter()
        .copied()
        .filter(|index| *index < lines.len())
        .collect();
    let mx_end = 3 + written.mx.len();
    for range in [3..mx_end, mx_end..lines.len()] {
        let mut sorted: Vec<usize> = all.iter().copied().filter(|i| range.contains(i)).collect();
        sorted.sort_unstable();
        let mut sorted = sorted.into_iter();
        for slot in all.iter_mut().filter(|i| range.contains(*i)) {
            *slot = sorted.next().expect("as many as taken");
        }
    }

    let mut text = String::new();
    for (position, index) in all.iter().enumerate() {
        let (key, value) = &lines[*index];
        let after_colon = written.spaces[position % 20];
        let at_end = written.spaces[(position + 7) % 20];
        text.push_str(&format!("{key}:{after_colon}{value}{at_end}"));
        let last = position + 1 == all.len();
        if !last || written.final_line_end {
            text.push_str(if written.crlf[position % 10] {
                "\r\n"
            } else {
                "\n"
            });
        }
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn written_policies_read_back_and_round_trip(written in written()) {
        let text = write(&written);
        let policy = Policy::parse_strict(&text).expect("a written policy parses strictly");

        prop_assert_eq!(policy.mode, written.mode);
        prop_assert_eq!(policy.max_age, written.max_age);
        let mx: Vec<&str> = policy.mx.iter().map(|mx| mx.as_str()).collect();
        prop_assert_eq!(mx, written.mx.iter().map(String::as_str).collect::<Vec<_>>());
        let extensions: Vec<(String, String)> = policy
            .extensions
            .iter()
            .map(|e| (e.name.to_string(), e.value.to_string()))
            .collect();
        prop_assert_eq!(extensions, written.extensions.clone());

        let printed = policy.to_string();
        prop_assert_eq!(printed.parse::<Policy<'static>>().unwrap(), policy.into_owned());
        policy_checks::check_policy(&text);
    }

    #[test]
    fn written_records_read_back_and_round_trip(
        id in "[A-Za-z0-9]{1,32}",
        extensions in proptest::collection::vec(("[a-z][a-z0-9_.-]{0,10}", "[!-:<>-~]{1,10}"), 0..3),
        spaces in proptest::collection::vec(space(), 8),
        final_delimiter in any::<bool>(),
    ) {
        let extensions: Vec<_> = extensions.into_iter().filter(|(name, _)| name != "id").collect();
        let mut text = format!("v=STSv1{};{}id={id}", spaces[0], spaces[1]);
        for (index, (name, value)) in extensions.iter().enumerate() {
            text.push_str(&format!("{};{}{name}={value}", spaces[(index + 2) % 8], spaces[(index + 5) % 8]));
        }
        if final_delimiter {
            text.push_str(&format!("{};{}", spaces[6], spaces[7]));
        }

        let record = StsRecord::parse_strict(&text).expect("a written record parses strictly");
        prop_assert_eq!(record.id.as_ref(), id.as_str());
        prop_assert_eq!(record.extensions.len(), extensions.len());
        prop_assert_eq!(record.to_string().parse::<StsRecord<'static>>().unwrap(), record.into_owned());
        record_checks::check_record(&text);
    }

    #[test]
    fn arbitrary_policy_text_keeps_the_fuzz_invariants(
        text in "(version|mode|mx|max_age|x)?[: \t]{0,2}(STSv1|enforce|testing|none|\\*\\.[a-z.]{1,8}|[0-9]{1,11}|[ -~]{0,6})[ \t]?(\r?\n(version|mode|mx|max_age|x)[: ]{0,2}(STSv1|enforce|testing|none|\\*?\\.?[a-z.-]{1,8}|[0-9]{1,11})[ \t]?){0,6}\r?\n?",
    ) {
        policy_checks::check_policy(&text);
    }

    #[test]
    fn arbitrary_record_text_keeps_the_fuzz_invariants(
        text in "v=(STSv1|TLSRPTv1)([ \t]{0,2};[ \t]?(id|rua|[a-z]{1,4})=[ -:<-~]{0,12}){0,5}[ ;]{0,2}",
    ) {
        record_checks::check_record(&text);
    }
}
