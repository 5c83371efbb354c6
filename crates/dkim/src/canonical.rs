//! Header canonicalization, simple and relaxed
//! ([RFC 6376 §3.4.1 and §3.4.2](https://www.rfc-editor.org/rfc/rfc6376#section-3.4)).
//!
//! Both work on a field's raw bytes as the message splitter returns them.
//! Messages stored with bare LF line ends are read as if each LF were CRLF,
//! which is what the message looked like on the wire; a CR that ends no line
//! is an ordinary byte. The body canonicalizers live in
//! [`body`](crate::BodyCanonicalizer).

use std::fmt;
use std::str::FromStr;

/// A canonicalization algorithm, for the header or the body (§3.4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Canonicalization {
    /// `simple`: the bytes as they are (§3.4.1, §3.4.3).
    #[default]
    Simple,
    /// `relaxed`: white space and header name case normalized (§3.4.2,
    /// §3.4.4).
    Relaxed,
}

impl Canonicalization {
    /// The name written in the `c=` tag.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Simple => "simple",
            Self::Relaxed => "relaxed",
        }
    }
}

impl fmt::Display for Canonicalization {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for Canonicalization {
    type Err = UnknownCanonicalization;

    /// Reads `simple` or `relaxed`, without regard to case.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim_matches(|character| matches!(character, ' ' | '\t' | '\r' | '\n'));

        if text.eq_ignore_ascii_case("simple") {
            Ok(Self::Simple)
        } else if text.eq_ignore_ascii_case("relaxed") {
            Ok(Self::Relaxed)
        } else {
            Err(UnknownCanonicalization(text.to_owned()))
        }
    }
}

/// A canonicalization name other than `simple` and `relaxed`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown canonicalization {0:?}")]
pub struct UnknownCanonicalization(pub String);

/// Appends the canonical form of one header field to `output`, line end
/// included.
///
/// `raw` is the whole field as received (name, colon, value, folding, final
/// line end); `name_length` is the length of its name. A field cut short by
/// the end of the input gets its CRLF.
///
/// ```
/// use mailtrail_dkim::{Canonicalization, canonicalize_header};
///
/// let raw = b"SubjeCT \t:\t Kimi \t \r\n No \t\r\n Na Wa\r\n";
/// let mut relaxed = Vec::new();
/// let mut simple = Vec::new();
/// canonicalize_header(Canonicalization::Relaxed, raw, 7, &mut relaxed);
/// canonicalize_header(Canonicalization::Simple, raw, 7, &mut simple);
///
/// assert_eq!(relaxed, b"subject:Kimi No Na Wa\r\n");
/// assert_eq!(simple, raw);
/// ```
pub fn canonicalize_header(
    canonicalization: Canonicalization,
    raw: &[u8],
    name_length: usize,
    output: &mut Vec<u8>,
) {
    let content = strip_line_end(raw);

    match canonicalization {
        Canonicalization::Simple => simple_header(content, output),
        Canonicalization::Relaxed => {
            let name_length = name_length.min(content.len());
            relaxed_header(&content[..name_length], &content[name_length..], output);
        }
    }

    output.extend_from_slice(b"\r\n");
}

/// Appends a field's bytes unchanged (§3.4.1), each bare LF of its folding
/// written as CRLF; no final line end.
pub(crate) fn simple_header(content: &[u8], output: &mut Vec<u8>) {
    let mut start = 0;

    for newline in memchr::memchr_iter(b'\n', content) {
        if newline > 0 && content[newline - 1] == b'\r' {
            continue;
        }
        output.extend_from_slice(&content[start..newline]);
        output.extend_from_slice(b"\r\n");
        start = newline + 1;
    }

    output.extend_from_slice(&content[start..]);
}

/// Appends `name:value` relaxed (§3.4.2): the name in lowercase, white space
/// before and after the colon removed, the value unfolded, runs of white
/// space made one space, and white space at the end removed; no final line
/// end. `rest` starts after the name: optional white space, the colon, the
/// value.
///
/// A value whose white space is already single spaces and plain folds is
/// copied at once, less its CRLFs ([`write_plain_value`]); any other goes
/// through [`relaxed_value`].
pub(crate) fn relaxed_header(name: &[u8], rest: &[u8], output: &mut Vec<u8>) {
    output.reserve(name.len() + rest.len() + 1);
    output.extend(name.iter().map(u8::to_ascii_lowercase));
    output.push(b':');

    let colon = memchr::memchr(b':', rest).map_or(0, |position| position + 1);
    let value = &rest[colon..];
    if !write_plain_value(value, output) {
        relaxed_value(value, output);
    }
}

/// Appends `value` relaxed when its white space needs no more than
/// unfolding and trimming: inside it, only single spaces and folds of a
/// CRLF and one space, each between two other characters. One branch-free
/// pass checks that (it vectorizes); the value then goes out as it is, less
/// its CRLFs and the white space at its ends. Returns false, having written
/// nothing, for any other value.
fn write_plain_value(value: &[u8], output: &mut Vec<u8>) -> bool {
    let is_space = |byte: &u8| matches!(byte, b' ' | b'\t');
    let Some(start) = value.iter().position(|byte| !is_space(byte)) else {
        return true;
    };
    let end = value
        .iter()
        .rposition(|byte| !is_space(byte))
        .map_or(start, |end| end + 1);
    let value = &value[start..end];

    let line_end_at_an_end = |byte: Option<&u8>| matches!(byte, Some(b'\r' | b'\n'));
    if line_end_at_an_end(value.first())
        || line_end_at_an_end(value.last())
        || has_irregular_space(value)
    {
        return false;
    }

    let mut written = 0;
    for carriage_return in memchr::memchr_iter(b'\r', value) {
        output.extend_from_slice(&value[written..carriage_return]);
        written = carriage_return + 2;
    }
    output.extend_from_slice(&value[written..]);
    true
}

/// Whether `value`, which neither starts nor ends with white space or a
/// line end, has a
/// tab, two spaces in a row, a space before a CR, a CR not followed by LF,
/// an LF not after a CR, or an LF not followed by a space.
fn has_irregular_space(value: &[u8]) -> bool {
    let pairs = value.iter().zip(value.iter().skip(1));

    pairs.fold(false, |found, (&previous, &byte)| {
        let after_space = (previous == b' ') & ((byte == b' ') | (byte == b'\r'));
        let after_carriage_return = (previous == b'\r') & (byte != b'\n');
        let around_line_feed = (byte == b'\n') & (previous != b'\r');
        let after_line_feed = (previous == b'\n') & (byte != b' ');
        found
            | (byte == b'\t')
            | after_space
            | after_carriage_return
            | around_line_feed
            | after_line_feed
    })
}

/// Appends `value` relaxed, any white space in it. Stretches without tab,
/// CR, LF or two spaces in a row, usually whole lines, are copied at once.
fn relaxed_value(value: &[u8], output: &mut Vec<u8>) {
    let mut space = Space::Leading;
    let mut index = 0;

    while index < value.len() {
        let plain_end = plain_stretch_end(value, index);
        if plain_end > index {
            let stretch = &value[index..plain_end];
            let content = trim_spaces(stretch, space != Space::None);
            if !content.is_empty() {
                if space == Space::Pending {
                    output.push(b' ');
                }
                output.extend_from_slice(content);
                space = Space::None;
            }
            if stretch.ends_with(b" ") && space != Space::Leading {
                space = Space::Pending;
            }
            index = plain_end;
            continue;
        }

        match value[index] {
            b' ' | b'\t' if space != Space::Leading => space = Space::Pending,
            b'\r' if value.get(index + 1) != Some(&b'\n') => {
                if space == Space::Pending {
                    output.push(b' ');
                }
                output.push(b'\r');
                space = Space::None;
            }
            _ => {}
        }
        index += 1;
    }
}

/// White space seen in a relaxed value and not yet written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Space {
    /// Before the first content: dropped.
    Leading,
    /// None pending.
    None,
    /// Written as one space if content follows.
    Pending,
}

/// End of the stretch from `start` holding no tab, CR, LF or two spaces in
/// a row (it may end with one space).
fn plain_stretch_end(value: &[u8], start: usize) -> usize {
    let special = memchr::memchr3(b'\t', b'\r', b'\n', &value[start..])
        .map_or(value.len(), |offset| start + offset);
    let stretch = &value[start..special];

    match find_double_space(stretch) {
        Some(offset) => start + offset + 1,
        None => special,
    }
}

/// Position of the first two spaces in a row, eight bytes at a time.
pub(crate) fn find_double_space(bytes: &[u8]) -> Option<usize> {
    const SPACES: u64 = 0x2020_2020_2020_2020;
    const LOW_SEVEN: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let mut previous_space = false;
    let mut chunks = bytes.chunks_exact(8);

    for (index, chunk) in chunks.by_ref().enumerate() {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes")) ^ SPACES;
        // The top bit of each byte that was a space, exactly (no carries).
        let spaces = !(((word & LOW_SEVEN).wrapping_add(LOW_SEVEN)) | word | LOW_SEVEN);

        if previous_space && spaces & 0x80 != 0 {
            return Some(index * 8 - 1);
        }
        let pairs = spaces & (spaces >> 8);
        if pairs != 0 {
            return Some(index * 8 + pairs.trailing_zeros() as usize / 8);
        }
        previous_space = spaces >> 63 != 0;
    }

    let tail_start = bytes.len() - chunks.remainder().len();
    let tail_from = tail_start.saturating_sub(usize::from(previous_space));
    bytes[tail_from..]
        .windows(2)
        .position(|pair| pair == b"  ")
        .map(|offset| tail_from + offset)
}

/// The stretch without its final space, and without its first when
/// `leading` white space is already pending or dropped (single spaces at
/// most, as `plain_stretch_end` cuts).
fn trim_spaces(stretch: &[u8], leading: bool) -> &[u8] {
    let stretch = stretch.strip_suffix(b" ").unwrap_or(stretch);

    if leading {
        return stretch.strip_prefix(b" ").unwrap_or(stretch);
    }
    stretch
}

/// The field without its final CRLF or LF.
pub(crate) fn strip_line_end(raw: &[u8]) -> &[u8] {
    let raw = raw.strip_suffix(b"\n").unwrap_or(raw);

    raw.strip_suffix(b"\r").unwrap_or(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relaxed(raw: &[u8], name_length: usize) -> Vec<u8> {
        let mut output = Vec::new();
        canonicalize_header(Canonicalization::Relaxed, raw, name_length, &mut output);
        output
    }

    #[test]
    fn relaxed_unfolds_and_compresses_white_space() {
        assert_eq!(
            relaxed(b"SubjeCT: Your Name\r\n", 7),
            b"subject:Your Name\r\n"
        );
        assert_eq!(
            relaxed(b"Subject \t:\t Your Name\t \r\n", 7),
            b"subject:Your Name\r\n"
        );
        assert_eq!(
            relaxed(b"Subject \t:\t Ki \tmi \t \r\n No \t\r\n Na Wa\r\n", 7),
            b"subject:Ki mi No Na Wa\r\n"
        );
    }

    #[test]
    fn relaxed_keeps_a_lone_carriage_return_and_an_empty_value_empty() {
        assert_eq!(relaxed(b"X-Empty:   \r\n", 7), b"x-empty:\r\n");
        assert_eq!(relaxed(b"X-Cr: a\rb \r\n", 4), b"x-cr:a\rb\r\n");
        assert_eq!(relaxed(b"X-Fold:\n a\n\tb\n", 6), b"x-fold:a b\r\n");
    }

    #[test]
    fn simple_writes_bare_lf_folding_as_crlf_and_completes_a_cut_line() {
        let mut output = Vec::new();
        canonicalize_header(Canonicalization::Simple, b"To: a,\n b\n", 2, &mut output);
        assert_eq!(output, b"To: a,\r\n b\r\n");

        output.clear();
        canonicalize_header(Canonicalization::Simple, b"To: a\r", 2, &mut output);
        assert_eq!(output, b"To: a\r\n");
    }

    #[test]
    fn double_spaces_are_found_at_every_offset() {
        for length in 0..40 {
            for first in 0..length.max(1) {
                let mut bytes = vec![b'a'; length];
                let expected = (first + 1 < length).then_some(first);
                if let Some(position) = expected {
                    bytes[position] = b' ';
                    bytes[position + 1] = b' ';
                    // Single spaces around must not be taken for a pair.
                    if position >= 2 {
                        bytes[position - 2] = b' ';
                    }
                }
                assert_eq!(find_double_space(&bytes), expected, "{length} {first}");
            }
        }
        assert_eq!(find_double_space(b"a a a a a a a a a a"), None);
        assert_eq!(find_double_space(b"\xa0\xa0\x20\x20"), Some(2));
    }

    /// `value` relaxed by the general walk alone.
    fn walked(value: &[u8]) -> Vec<u8> {
        let mut output = Vec::new();
        relaxed_value(value, &mut output);
        output
    }

    #[test]
    fn plain_values_and_folds_are_copied_without_their_line_ends() {
        let plain = |value: &[u8]| {
            let mut output = Vec::new();
            write_plain_value(value, &mut output).then_some(output)
        };

        assert_eq!(plain(b" a b\r\n c \t"), Some(b"a b c".to_vec()));
        assert_eq!(plain(b" \t "), Some(Vec::new()));
        for irregular in [
            &b"a  b"[..],
            b"a\tb",
            b"a \r\n b",
            b"a\r\n\tb",
            b"a\rb",
            b"a\nb",
            b"\r\n a",
            b"\r",
        ] {
            assert_eq!(plain(irregular), None, "{irregular:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn plain_values_are_written_as_the_walk_writes_them(
            value in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just(&b" "[..]),
                    proptest::strategy::Just(&b"\t"[..]),
                    proptest::strategy::Just(&b"\r"[..]),
                    proptest::strategy::Just(&b"\n"[..]),
                    proptest::strategy::Just(&b"\r\n "[..]),
                    proptest::strategy::Just(&b"a"[..]),
                ],
                0..24,
            ),
        ) {
            let value = value.concat();
            let mut output = Vec::new();
            if write_plain_value(&value, &mut output) {
                proptest::prop_assert_eq!(output, walked(&value));
            }
        }
    }

    #[test]
    fn names_parse_without_regard_to_case() {
        assert_eq!("RELAXED".parse(), Ok(Canonicalization::Relaxed));
        assert_eq!(" simple".parse(), Ok(Canonicalization::Simple));
        assert!("nowsp".parse::<Canonicalization>().is_err());
        assert_eq!(Canonicalization::Relaxed.to_string(), "relaxed");
    }
}
