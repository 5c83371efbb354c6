//! Replays the committed fuzz corpus through the checks of the fuzz target,
//! and runs the same checks on generated input, so every `cargo test` runs
//! them without a fuzzer.

use std::fs;
use std::path::Path;

use proptest::prelude::*;

#[path = "../../../fuzz/checks/received.rs"]
mod checks;

#[test]
fn every_committed_seed_passes_the_fuzz_checks() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/received");
    let entries = fs::read_dir(&corpus).expect("the seed corpus is committed");
    let mut seeds = 0;

    for entry in entries {
        let path = entry.expect("a readable corpus entry").path();
        checks::check_received(&fs::read(&path).expect("a readable seed"));
        seeds += 1;
    }

    assert!(
        seeds >= 15,
        "expected the committed seeds in {}, found {seeds}",
        corpus.display()
    );
}

/// Pieces of Received values: keywords, hosts, literals, comments and
/// dates, so that generated values reach the dialect readers.
const PIECE: &str = "(from|by|with|id|for|via|tls|envelope-from|FROM|helo=|HELO|\
    mx\\.example\\.com|unknown|\\[192\\.0\\.2\\.1\\]|\\[IPv6:2001:db8::1\\]:25|198\\.51\\.100\\.7|\
    \\(|\\)|<a@example\\.com>|;|ESMTPSA|TLSv1\\.3:C:256|version=TLS1_2,|cipher=X|using|\
    AUTH:|authenticated|Tue,|12 Mar 2024|09:14:21|\\+0100|GMT|\"q\"|\\\\|\r\n\t| |,)";

proptest! {
    #[test]
    fn arbitrary_bytes_pass_the_fuzz_checks(input in proptest::collection::vec(any::<u8>(), 0..512)) {
        checks::check_received(&input);
    }

    #[test]
    fn received_like_values_pass_the_fuzz_checks(pieces in proptest::collection::vec(PIECE, 0..40)) {
        let value = pieces.join(" ");
        checks::check_received(value.as_bytes());

        let message = format!("Received:{value}\r\nReceived: from a by b; 1 Mar 2024 10:00 +0000\r\n\r\n");
        checks::check_received(message.as_bytes());
    }
}
