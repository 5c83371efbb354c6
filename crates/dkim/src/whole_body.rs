//! Relaxed body canonicalization
//! ([RFC 6376 §3.4.4](https://www.rfc-editor.org/rfc/rfc6376#section-3.4.4))
//! of a body held whole in memory, by its few edits.
//!
//! In nearly every body relaxed canonicalization meets, each line ends in
//! CRLF and no tab appears. Then the only changes are to runs of spaces (a
//! run of two or more becomes one space, a run before a line end goes) and
//! the removal of the empty lines at the end. [`relaxed`] checks for such a
//! body in one branch-free pass (it vectorizes), finds the runs to change
//! with substring searches, and hands the sink the long stretches between
//! them, borrowed from the body. Any other body is left to the streaming
//! [`BodyCanonicalizer`](crate::BodyCanonicalizer), which gives the same
//! bytes.

use memchr::memmem;

/// Writes the relaxed canonical form of `body` to `sink` and returns true;
/// or writes nothing and returns false when `body` has a tab, a bare LF or
/// a CR that ends no line.
pub(crate) fn relaxed(body: &[u8], sink: &mut impl FnMut(&[u8])) -> bool {
    if is_irregular(body) {
        return false;
    }

    // Only spaces and CRLFs: every line is empty, and so is the body.
    let Some(last) = body
        .iter()
        .rposition(|&byte| !matches!(byte, b' ' | b'\r' | b'\n'))
    else {
        return true;
    };

    let line_end = memmem::find(&body[last..], b"\r\n").map(|offset| last + offset + 2);
    write_compressing_spaces(&body[..line_end.unwrap_or(last + 1)], sink);
    if line_end.is_none() {
        sink(b"\r\n");
    }
    true
}

/// Whether `body` has a tab, an LF without a CR before it, or a CR without
/// an LF after it.
fn is_irregular(body: &[u8]) -> bool {
    let pairs = body.iter().zip(body.iter().skip(1));
    let inside = pairs.fold(false, |found, (&previous, &byte)| {
        let bare_line_feed = (byte == b'\n') & (previous != b'\r');
        let lone_carriage_return = (previous == b'\r') & (byte != b'\n');
        found | (byte == b'\t') | bare_line_feed | lone_carriage_return
    });

    inside || matches!(body.first(), Some(b'\t' | b'\n')) || body.last() == Some(&b'\r')
}

/// Writes `lines` (CRLF line ends, no tab, the last line complete or with
/// no space at its end) with each run of two or more spaces made one space
/// and each run before a line end removed.
fn write_compressing_spaces(lines: &[u8], sink: &mut impl FnMut(&[u8])) {
    let mut runs = Runs::new(lines);
    let mut written = 0;

    while let Some(start) = runs.next_from(written) {
        let length = lines[start..].iter().position(|&byte| byte != b' ');
        let end = start + length.unwrap_or(lines.len() - start);

        sink(&lines[written..start]);
        if lines.get(end) != Some(&b'\r') {
            sink(b" ");
        }
        written = end;
    }

    sink(&lines[written..]);
}

/// The runs of spaces that change: those of two or more, found as `"  "`,
/// and single ones before a line end, found as `" \r"`. Each search resumes
/// past the last match, so the body is scanned once for each.
struct Runs<'a> {
    lines: &'a [u8],
    double: Search,
    trailing: Search,
}

/// One needle's next match at or after some offset (`usize::MAX` for none),
/// or nothing searched yet.
struct Search {
    finder: memmem::Finder<'static>,
    next: Option<usize>,
}

impl<'a> Runs<'a> {
    fn new(lines: &'a [u8]) -> Self {
        Self {
            lines,
            double: Search::new(b"  "),
            trailing: Search::new(b" \r"),
        }
    }

    /// Where the first run that changes at or after `from` starts. A run
    /// starts at the earlier of the two matches: a longer run is matched
    /// as `"  "` at its first space.
    fn next_from(&mut self, from: usize) -> Option<usize> {
        let double = self.double.next_from(self.lines, from);
        let trailing = self.trailing.next_from(self.lines, from);
        let first = double.min(trailing);

        (first != usize::MAX).then_some(first)
    }
}

impl Search {
    fn new(needle: &'static [u8]) -> Self {
        Self {
            finder: memmem::Finder::new(needle),
            next: None,
        }
    }

    fn next_from(&mut self, lines: &[u8], from: usize) -> usize {
        if let Some(next) = self.next
            && next >= from
        {
            return next;
        }

        let found = self.finder.find(&lines[from..]);
        let next = found.map_or(usize::MAX, |offset| from + offset);
        self.next = Some(next);
        next
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::{BodyCanonicalizer, Canonicalization};

    /// The fast form, or `None` when it declines.
    fn fast(body: &[u8]) -> Option<Vec<u8>> {
        let mut output = Vec::new();
        relaxed(body, &mut |bytes| output.extend_from_slice(bytes)).then_some(output)
    }

    /// The streaming canonicalizer's output.
    fn streamed(body: &[u8]) -> Vec<u8> {
        let mut output = Vec::new();
        let mut sink = |bytes: &[u8]| output.extend_from_slice(bytes);
        let mut canonicalizer = BodyCanonicalizer::new(Canonicalization::Relaxed);
        canonicalizer.feed(body, &mut sink);
        canonicalizer.finish(&mut sink);
        output
    }

    #[test]
    fn runs_of_spaces_are_compressed_and_trailing_ones_removed() {
        assert_eq!(fast(b""), Some(Vec::new()));
        assert_eq!(fast(b"  \r\n \r\n\r\n"), Some(Vec::new()));
        assert_eq!(
            fast(b"  a  b c \r\n\r\n   \r\nd   e   \r\n\r\n"),
            Some(b" a b c\r\n\r\n\r\nd e\r\n".to_vec())
        );
        assert_eq!(
            fast(b"a\r\nlast line  "),
            Some(b"a\r\nlast line\r\n".to_vec())
        );
    }

    #[test]
    fn bodies_it_does_not_handle_are_declined() {
        for body in [
            &b"a\tb\r\n"[..],
            b"a\nb\r\n",
            b"\nb",
            b"\tb",
            b"a\rb\r\n",
            b"a\r",
        ] {
            assert_eq!(fast(body), None, "{body:?}");
        }
    }

    proptest! {
        #[test]
        fn any_body_it_handles_gives_the_streamed_bytes(
            body in proptest::collection::vec(
                prop_oneof![Just(b' '), Just(b'\t'), Just(b'\r'), Just(b'\n'), Just(b'a')],
                0..64,
            ),
        ) {
            if let Some(output) = fast(&body) {
                prop_assert_eq!(output, streamed(&body));
            }
        }

        #[test]
        fn crlf_bodies_are_handled_and_give_the_streamed_bytes(
            lines in proptest::collection::vec("[ a]{0,8}", 0..12),
            last in "[ a]{0,4}",
        ) {
            let body = format!("{}{last}", lines.iter().map(|line| format!("{line}\r\n")).collect::<String>());
            let output = fast(body.as_bytes());

            prop_assert_eq!(output, Some(streamed(body.as_bytes())));
        }
    }
}
