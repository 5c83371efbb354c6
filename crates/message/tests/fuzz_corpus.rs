//! Replays the committed fuzz corpus through the checks of the fuzz target,
//! so every `cargo test` runs them without a fuzzer.

use std::fs;
use std::path::Path;

use proptest::prelude::*;

#[path = "../../../fuzz/checks/message.rs"]
mod checks;

#[test]
fn every_committed_seed_passes_the_fuzz_checks() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/message");
    let entries = fs::read_dir(&corpus).expect("the seed corpus is committed");
    let mut seeds = 0;

    for entry in entries {
        let path = entry.expect("a readable corpus entry").path();
        let message = fs::read(&path).expect("a readable seed");

        checks::check_split(&message);
        seeds += 1;
    }

    assert!(
        seeds >= 10,
        "expected the committed seeds in {}, found {seeds}",
        corpus.display()
    );
}

#[test]
fn realistic_bench_message_passes_the_fuzz_checks() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../benches/data/realistic.eml");

    checks::check_split(&fs::read(path).expect("the bench message is committed"));
}

/// A line that may continue, start a field, open a comment or quote, or not
/// be a field at all.
const HEADER_LIKE_LINE: &str = "[ \t]?[A-Za-z(\"\\\\]{0,4}[ :]?[ -~\u{e9}]{0,24}";

proptest! {
    #[test]
    fn arbitrary_bytes_pass_the_fuzz_checks(
        message in proptest::collection::vec(any::<u8>(), 0..1024),
    ) {
        checks::check_split(&message);
    }

    #[test]
    fn header_like_text_passes_the_fuzz_checks(
        lines in proptest::collection::vec(HEADER_LIKE_LINE, 0..16),
        crlf in any::<bool>(),
    ) {
        let message = lines.join(if crlf { "\r\n" } else { "\n" });

        checks::check_split(message.as_bytes());
    }
}
