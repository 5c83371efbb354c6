//! The invariants of `mailtrail_message::address::mailboxes`, checked on any
//! input.
//!
//! Shared by the `address` fuzz target and by the address tests of the
//! message crate (`crates/message/tests/address.rs`), which include this file
//! as a module. Every check panics with a message naming the broken
//! invariant.

use mailtrail_message::address::mailboxes;

/// Reads `value` as an address field and checks every invariant of the
/// result: spans inside the value and in order, parts inside their span,
/// and printing then reading again giving the same addresses.
pub(crate) fn check_mailboxes(value: &str) {
    let Ok(found) = mailboxes(value) else {
        return;
    };

    let mut previous_end = 0;
    for mailbox in &found {
        let span = mailbox.span;
        assert!(
            span.start <= span.end && span.end <= value.len(),
            "span inside the value"
        );
        assert!(span.start >= previous_end, "mailboxes in the order written");
        previous_end = span.end;

        let text = &value[span.range()];
        assert!(
            text.contains(mailbox.local_part),
            "local part inside the span"
        );
        if let Some(domain) = mailbox.domain {
            assert!(text.contains(domain), "domain inside the span");
        }
    }

    let printed: Vec<String> = found
        .iter()
        .filter(|mailbox| mailbox.group.is_none())
        .map(ToString::to_string)
        .collect();
    let printed = printed.join(", ");
    let reread = mailboxes(&printed).expect("printed mailboxes read back");
    let parts = |list: &[mailtrail_message::address::Mailbox<'_>]| {
        list.iter()
            .map(|mailbox| {
                (
                    mailbox.local_part.to_owned(),
                    mailbox.domain.map(str::to_owned),
                )
            })
            .collect::<Vec<_>>()
    };
    let ungrouped: Vec<_> = found
        .iter()
        .filter(|mailbox| mailbox.group.is_none())
        .copied()
        .collect();
    assert_eq!(
        parts(&reread),
        parts(&ungrouped),
        "print then read gives the same mailboxes"
    );
}
