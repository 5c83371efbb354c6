//! Properties of the address-field reader: arbitrary text never panics and
//! keeps the fuzz invariants, generated mailbox lists print and read back to
//! the same parts, and the committed fuzz seeds pass the fuzz checks.

use std::fs;
use std::path::Path;

use mailtrail_message::address::mailboxes;
use proptest::prelude::*;

#[path = "../../../fuzz/checks/address.rs"]
mod checks;

#[test]
fn every_committed_seed_passes_the_fuzz_checks() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/address");
    let mut seeds = 0;
    for entry in fs::read_dir(&corpus).expect("the seed corpus is committed") {
        let bytes = fs::read(entry.expect("a readable entry").path()).expect("a readable seed");
        if let Ok(value) = std::str::from_utf8(&bytes) {
            checks::check_mailboxes(value);
        }
        seeds += 1;
    }
    assert!(seeds >= 10, "expected the committed seeds, found {seeds}");
}

/// A display name: atoms, or a quoted string with specials inside.
fn display_name() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        "[A-Za-z]{1,8}( [A-Za-z.]{1,8}){0,2}".prop_map(Some),
        "[A-Za-z ,<>@:;()]{0,12}".prop_map(|text| Some(format!("\"{text}\""))),
    ]
}

/// A local part: a dot-atom or a quoted string.
fn local_part() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9!#$%&'*+/=?^_`{|}~-]{1,8}(\\.[a-z0-9_-]{1,6}){0,2}",
        "[a-z ,@<>]{1,10}".prop_map(|text| format!("\"{text}\"")),
    ]
}

/// A domain: a dot-atom of labels or an address literal.
fn domain() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9-]{1,10}(\\.[a-zA-Z0-9-]{1,10}){0,3}",
        (0u8..=255, 0u8..=255).prop_map(|(a, b)| format!("[192.0.{a}.{b}]")),
    ]
}

proptest! {
    #[test]
    fn arbitrary_text_keeps_the_fuzz_invariants(value in "[ -~\u{e9}]{0,64}") {
        checks::check_mailboxes(&value);
    }

    #[test]
    fn printed_mailbox_lists_read_back_to_the_same_parts(
        list in proptest::collection::vec((display_name(), local_part(), domain()), 1..6),
        comment in any::<bool>(),
    ) {
        let printed: Vec<String> = list
            .iter()
            .map(|(name, local, domain)| match name {
                Some(name) => format!("{name} <{local}@{domain}>"),
                None => format!("{local}@{domain}"),
            })
            .collect();
        let separator = if comment { " (a, b), " } else { "," };
        let value = printed.join(separator);

        let found = mailboxes(&value).expect("a generated list reads");
        prop_assert_eq!(found.len(), list.len());
        for (mailbox, (name, local, domain)) in found.iter().zip(&list) {
            prop_assert_eq!(mailbox.display_name, name.as_deref());
            prop_assert_eq!(mailbox.local_part, local.as_str());
            prop_assert_eq!(mailbox.domain, Some(domain.as_str()));
        }
    }
}
