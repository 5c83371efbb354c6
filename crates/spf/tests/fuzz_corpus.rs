//! Replays the committed fuzz seeds through the checks of the `spf_record`
//! and `spf_macro` fuzz targets, and runs the same checks on generated
//! input: records built from the grammar must survive parse, print, parse.

use std::fs;
use std::path::Path;

use proptest::prelude::*;

#[path = "../../../fuzz/checks/spf_record.rs"]
mod record_checks;

#[path = "../../../fuzz/checks/spf_macro.rs"]
mod macro_checks;

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let entries = fs::read_dir(&corpus).expect("the seed corpus is committed");
    entries
        .map(|entry| {
            fs::read(entry.expect("a readable corpus entry").path()).expect("a readable seed")
        })
        .collect()
}

#[test]
fn every_committed_record_seed_passes_the_fuzz_checks() {
    let seeds = seeds("spf_record");
    assert!(
        seeds.len() >= 10,
        "expected the committed seeds, found {}",
        seeds.len()
    );

    for seed in seeds {
        record_checks::check_record(&seed);
    }
}

#[test]
fn every_committed_macro_seed_passes_the_fuzz_checks() {
    let seeds = seeds("spf_macro");
    assert!(
        seeds.len() >= 8,
        "expected the committed seeds, found {}",
        seeds.len()
    );

    for seed in seeds {
        macro_checks::check_macro(&seed);
    }
}

/// A domain-spec: literal labels, macros, an optional trailing dot.
const DOMAIN_SPEC: &str = "(%\\{[slodiphvSLODIPHV]([1-9][0-9]?)?r?[.+,/_=-]{0,2}\\}\\.)?([a-z0-9_-]{1,8}\\.){1,3}[a-z][a-z0-9]{0,5}\\.?";

/// One term, drawn from every production of the grammar.
fn term() -> impl Strategy<Value = String> {
    let qualifier = prop::sample::select(vec!["", "+", "-", "~", "?"]);
    let cidr4 =
        prop::option::of(0u8..=32).prop_map(|l| l.map_or(String::new(), |l| format!("/{l}")));
    let cidr6 =
        prop::option::of(0u8..=128).prop_map(|l| l.map_or(String::new(), |l| format!("//{l}")));
    let domain =
        prop::option::of(DOMAIN_SPEC).prop_map(|d| d.map_or(String::new(), |d| format!(":{d}")));
    let ip4 = (any::<[u8; 4]>(), prop::option::of(0u8..=32)).prop_map(|(octets, length)| {
        let network = std::net::Ipv4Addr::from(octets);
        format!(
            "ip4:{network}{}",
            length.map_or(String::new(), |l| format!("/{l}"))
        )
    });
    let ip6 = (any::<u128>(), prop::option::of(0u8..=128)).prop_map(|(bits, length)| {
        let network = std::net::Ipv6Addr::from(bits);
        format!(
            "ip6:{network}{}",
            length.map_or(String::new(), |l| format!("/{l}"))
        )
    });

    let mechanism = prop_oneof![
        Just("all".to_owned()),
        DOMAIN_SPEC.prop_map(|d| format!("include:{d}")),
        (domain.clone(), cidr4.clone(), cidr6.clone())
            .prop_map(|(d, c4, c6)| format!("a{d}{c4}{c6}")),
        (domain.clone(), cidr4, cidr6).prop_map(|(d, c4, c6)| format!("mx{d}{c4}{c6}")),
        domain.prop_map(|d| format!("ptr{d}")),
        ip4,
        ip6,
        DOMAIN_SPEC.prop_map(|d| format!("exists:{d}")),
    ];
    let directive = (qualifier, mechanism).prop_map(|(q, m)| format!("{q}{m}"));
    let unknown = ("[a-z][a-z0-9._-]{0,6}", "[!-$&-~]{0,10}")
        .prop_filter("not a known modifier", |(name, _)| {
            name != "exp" && name != "redirect"
        })
        .prop_map(|(name, value)| format!("{name}={value}"));
    prop_oneof![4 => directive, 1 => unknown]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn generated_records_survive_parse_print_parse(
        terms in prop::collection::vec(term(), 0..12),
        redirect in prop::option::of(DOMAIN_SPEC),
        explanation in prop::option::of(DOMAIN_SPEC),
        spaces in 1usize..3,
    ) {
        let mut text = String::from("v=spf1");
        for term in terms {
            text.push_str(&" ".repeat(spaces));
            text.push_str(&term);
        }
        if let Some(redirect) = redirect {
            text.push_str(&format!(" redirect={redirect}"));
        }
        if let Some(explanation) = explanation {
            text.push_str(&format!(" exp={explanation}"));
        }

        let record = mailtrail_spf::Record::parse(&text);
        prop_assert!(record.is_ok(), "{text:?}: {:?}", record.err());
        record_checks::check_record(text.as_bytes());
    }

    #[test]
    fn arbitrary_bytes_pass_the_record_checks(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        record_checks::check_record(&bytes);
        let mut prefixed = b"v=spf1 ".to_vec();
        prefixed.extend_from_slice(&bytes);
        record_checks::check_record(&prefixed);
    }

    #[test]
    fn macro_like_text_passes_the_macro_checks(text in "([a-z.%{}_-]|%\\{[slodiphvcrtSLODIPHVCRT][0-9]{0,3}[rR]?[.+,/_=-]{0,3}\\}){0,24}") {
        macro_checks::check_macro(text.as_bytes());
    }
}
