//! Records written in any tag order, spacing and case read back to the
//! values written, print and parse again to the same record, and arbitrary
//! text keeps the fuzz invariants. The committed fuzz seeds are replayed.

use std::fs;
use std::path::Path;

use mailtrail_dmarc::{Alignment, Policy, PublicSuffix, Record};
use proptest::prelude::*;

#[path = "../../../fuzz/checks/dmarc_record.rs"]
mod checks;

#[test]
fn every_committed_seed_passes_the_fuzz_checks() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/dmarc_record");
    let mut seeds = 0;
    for entry in fs::read_dir(&corpus).expect("the seed corpus is committed") {
        let bytes = fs::read(entry.expect("a readable entry").path()).expect("a readable seed");
        if let Ok(text) = std::str::from_utf8(&bytes) {
            checks::check_record(text);
        }
        seeds += 1;
    }
    assert!(seeds >= 10, "expected the committed seeds, found {seeds}");
}

fn policy() -> impl Strategy<Value = Policy> {
    prop_oneof![
        Just(Policy::None),
        Just(Policy::Quarantine),
        Just(Policy::Reject)
    ]
}

fn alignment() -> impl Strategy<Value = Alignment> {
    prop_oneof![Just(Alignment::Relaxed), Just(Alignment::Strict)]
}

fn public_suffix() -> impl Strategy<Value = PublicSuffix> {
    prop_oneof![
        Just(PublicSuffix::Yes),
        Just(PublicSuffix::No),
        Just(PublicSuffix::Unknown)
    ]
}

/// A report URI with an optional size limit.
fn uri() -> impl Strategy<Value = String> {
    (
        "[a-z]{1,8}",
        "[a-z]{1,8}\\.example",
        proptest::option::of("[0-9]{1,4}[kmgt]?"),
    )
        .prop_map(|(local, domain, limit)| match limit {
            Some(limit) => format!("mailto:{local}@{domain}!{limit}"),
            None => format!("mailto:{local}@{domain}"),
        })
}

/// The tags of a record: each present or not.
#[derive(Debug, Clone)]
struct Tags {
    p: Option<Policy>,
    sp: Option<Policy>,
    np: Option<Policy>,
    adkim: Option<Alignment>,
    aspf: Option<Alignment>,
    rua: Vec<String>,
    psd: Option<PublicSuffix>,
    t: Option<bool>,
    pct: Option<u8>,
    ri: Option<u32>,
}

fn tags() -> impl Strategy<Value = Tags> {
    (
        (
            proptest::option::of(policy()),
            proptest::option::of(policy()),
            proptest::option::of(policy()),
        ),
        (
            proptest::option::of(alignment()),
            proptest::option::of(alignment()),
        ),
        proptest::collection::vec(uri(), 0..3),
        (
            proptest::option::of(public_suffix()),
            proptest::option::of(any::<bool>()),
        ),
        (
            proptest::option::of(0u8..=100),
            proptest::option::of(any::<u32>()),
        ),
    )
        .prop_map(
            |((p, sp, np), (adkim, aspf), rua, (psd, t), (pct, ri))| Tags {
                p,
                sp,
                np,
                adkim,
                aspf,
                rua,
                psd,
                t,
                pct,
                ri,
            },
        )
}

/// Writes the tags in the given order, spacing and case.
fn write(tags: &Tags, order: &[usize], spaced: bool, upper: bool) -> String {
    let mut specs: Vec<(&str, String)> = Vec::new();
    let mut add = |name: &'static str, value: Option<String>| {
        if let Some(value) = value {
            specs.push((name, value));
        }
    };
    add("p", tags.p.map(|value| value.to_string()));
    add("sp", tags.sp.map(|value| value.to_string()));
    add("np", tags.np.map(|value| value.to_string()));
    add("adkim", tags.adkim.map(|value| value.to_string()));
    add("aspf", tags.aspf.map(|value| value.to_string()));
    add(
        "rua",
        (!tags.rua.is_empty()).then(|| tags.rua.join(if spaced { " , " } else { "," })),
    );
    add("psd", tags.psd.map(|value| value.to_string()));
    add(
        "t",
        tags.t.map(|value| if value { "y" } else { "n" }.to_owned()),
    );
    add("pct", tags.pct.map(|value| value.to_string()));
    add("ri", tags.ri.map(|value| value.to_string()));

    let mut text = String::from("v=DMARC1");
    for index in order.iter().filter(|index| **index < specs.len()) {
        let (name, value) = &specs[*index];
        let name = if upper {
            name.to_ascii_uppercase()
        } else {
            (*name).to_owned()
        };
        let (around, separator) = if spaced { (" ", " ;\t") } else { ("", ";") };
        text.push_str(&format!("{separator}{name}{around}={around}{value}"));
    }
    text
}

proptest! {
    #[test]
    fn written_tags_read_back_and_round_trip(
        tags in tags(),
        order in Just((0..10).collect::<Vec<usize>>()).prop_shuffle(),
        spaced in any::<bool>(),
        upper in any::<bool>(),
    ) {
        let text = write(&tags, &order, spaced, upper);
        let record = Record::parse(&text).expect("a written record parses");

        prop_assert_eq!(record.policy, tags.p);
        prop_assert_eq!(record.subdomain_policy, tags.sp);
        prop_assert_eq!(record.nonexistent_policy, tags.np);
        prop_assert_eq!(record.dkim_alignment, tags.adkim);
        prop_assert_eq!(record.spf_alignment, tags.aspf);
        prop_assert_eq!(record.public_suffix, tags.psd);
        prop_assert_eq!(record.testing, tags.t);
        prop_assert_eq!(record.percent, tags.pct);
        prop_assert_eq!(record.report_interval, tags.ri);
        let uris: Vec<String> = record
            .aggregate_reports
            .iter()
            .flat_map(|uris| uris.iter().map(|uri| uri.to_string()))
            .collect();
        prop_assert_eq!(uris, tags.rua.clone());

        checks::check_record(&text);
    }

    #[test]
    fn arbitrary_text_keeps_the_fuzz_invariants(
        text in "v=DMARC1(;[ \t]?[a-zA-Z]{1,5}[ ]?=[ -:<-~]{0,12}){0,6};?",
    ) {
        checks::check_record(&text);
    }
}
