//! Replays the committed fuzz corpora through the checks of the `authres`
//! and `authres_roundtrip` fuzz targets, so every `cargo test` runs them
//! without a fuzzer, and feeds them header-like text from proptest.

use std::fs;
use std::path::Path;

use proptest::prelude::*;

#[path = "../../../fuzz/checks/authres.rs"]
mod checks;

/// Every seed of the committed corpus of `target`.
fn seeds(target: &str) -> Vec<Vec<u8>> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let entries = fs::read_dir(&corpus).expect("the seed corpus is committed");

    entries
        .map(|entry| fs::read(entry.expect("a readable entry").path()).expect("a readable seed"))
        .collect()
}

#[test]
fn every_committed_parse_seed_passes_the_fuzz_checks() {
    let seeds = seeds("authres");

    for seed in &seeds {
        checks::check_parse(seed);
    }
    assert!(
        seeds.len() >= 50,
        "expected the committed seeds, found {}",
        seeds.len()
    );
}

#[test]
fn every_committed_roundtrip_seed_passes_the_fuzz_checks() {
    let seeds = seeds("authres_roundtrip");

    for seed in &seeds {
        checks::check_roundtrip(seed);
    }
    assert!(
        seeds.len() >= 50,
        "expected the committed seeds, found {}",
        seeds.len()
    );
}

#[test]
fn bench_field_passes_the_fuzz_checks() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../benches/data/authres-field.eml");
    let field = fs::read(path).expect("the bench field is committed");

    checks::check_parse(&field);
    checks::check_roundtrip(&field["Authentication-Results:".len()..]);
}

/// Pieces of Authentication-Results syntax, to be put together at random.
const PIECE: &str = "[ \t]|\r\n[ \t]|\n |;|=|\\.|/|@|\\(|\\)|\"|\\\\|[a-z]{1,6}|[0-9]{1,3}|é|i=1;|none|reason|\u{1}";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn header_like_text_passes_the_fuzz_checks(pieces in proptest::collection::vec(PIECE, 0..40)) {
        let text = pieces.concat();

        checks::check_parse(text.as_bytes());
        checks::check_roundtrip(text.as_bytes());
    }

    #[test]
    fn arbitrary_bytes_pass_the_fuzz_checks(input in proptest::collection::vec(any::<u8>(), 0..256)) {
        checks::check_parse(&input);
        checks::check_roundtrip(&input);
    }
}
