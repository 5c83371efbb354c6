//! The byte classes and small syntax checks the cursor and the printer
//! share: RFC 2045 tokens, RFC 5321 keywords, RFC 5322 atext and dot-atoms,
//! RFC 6376 domain names, and control characters.
//!
//! Each byte's classes are bits of one 256-entry table, so a run of token or
//! keyword bytes is read with one load and one test per byte. Every
//! non-ASCII byte counts as token, atext and domain text: RFC 6532 and
//! RFC 8616 allow UTF-8 there, and the cursor only ever stops at ASCII bytes,
//! so it never cuts a character in two.

/// Byte classes, as bits of [`CLASSES`].
///
/// `TOKEN`: an RFC 2045 `token` byte, printable US-ASCII other than the
/// `tspecials`, or any byte of a UTF-8 character (RFC 8616).
pub(crate) const TOKEN: u16 = 1;
/// Token text that stops at a dot: methods and property types, which a dot
/// would run into the next part.
pub(crate) const NAME: u16 = 1 << 1;
/// A lenient value run: anything but white space, controls and the
/// delimiters of comments, quoted strings and results.
pub(crate) const RUN: u16 = 1 << 2;
/// A value run byte that is not `=`: an authserv-id cannot hold one.
pub(crate) const RUN_BEFORE_EQUALS: u16 = 1 << 3;
/// Bytes that skipping can pass over without looking: nothing that opens a
/// comment or quoted string, separates results or breaks a line.
pub(crate) const PLAIN: u16 = 1 << 4;
/// An ASCII digit.
pub(crate) const DIGIT: u16 = 1 << 5;
/// A byte of a `Keyword`: an ASCII letter, digit or hyphen.
pub(crate) const KEYWORD: u16 = 1 << 7;
/// An `atext` byte (RFC 5322 §3.2.3), or any byte of a UTF-8 character (RFC
/// 6532 §3.2).
const ATEXT: u16 = 1 << 8;
/// The first byte of `CFWS`: white space, a line break or `(`.
pub(crate) const CFWS_START: u16 = 1 << 6;
/// Comment text that needs no second look: anything but the parentheses,
/// a backslash, and control characters other than tab (line breaks
/// included).
pub(crate) const COMMENT_TEXT: u16 = 1 << 9;

/// The classes of each byte value.
static CLASSES: [u16; 256] = classes();

/// Builds [`CLASSES`].
const fn classes() -> [u16; 256] {
    let mut table = [0; 256];
    let mut byte = 0;

    while byte < 256 {
        let value = byte as u8;
        let tspecial = matches!(
            value,
            b'(' | b')'
                | b'<'
                | b'>'
                | b'@'
                | b','
                | b';'
                | b':'
                | b'\\'
                | b'"'
                | b'/'
                | b'['
                | b']'
                | b'?'
                | b'='
        );
        let token = !tspecial && matches!(value, 0x21..=0x7e | 0x80..=0xff);
        let run = !matches!(value, b';' | b'(' | b')' | b'"' | b'\\' | 0..=0x20 | 0x7f);

        let mut classes = 0;
        if token {
            classes |= TOKEN;
        }
        if token && value != b'.' {
            classes |= NAME;
        }
        if run {
            classes |= RUN;
        }
        if run && value != b'=' {
            classes |= RUN_BEFORE_EQUALS;
        }
        if !matches!(value, b';' | b'(' | b'"' | b' ' | b'\t' | b'\r' | b'\n') {
            classes |= PLAIN;
        }
        if value.is_ascii_digit() {
            classes |= DIGIT;
        }
        if value.is_ascii_alphanumeric() || value == b'-' {
            classes |= KEYWORD;
        }
        let atext_symbol = matches!(
            value,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'/'
                | b'='
                | b'?'
                | b'^'
                | b'_'
                | b'`'
                | b'{'
                | b'|'
                | b'}'
                | b'~'
        );
        if value.is_ascii_alphanumeric() || atext_symbol || value >= 0x80 {
            classes |= ATEXT;
        }
        if matches!(value, b' ' | b'\t' | b'\r' | b'\n' | b'(') {
            classes |= CFWS_START;
        }
        if !(matches!(value, b'(' | b')' | b'\\') || is_control(value)) {
            classes |= COMMENT_TEXT;
        }

        table[byte] = classes;
        byte += 1;
    }

    table
}

/// Whether `byte` is in `class`.
#[inline]
pub(crate) fn is(byte: u8, class: u16) -> bool {
    CLASSES[usize::from(byte)] & class != 0
}

/// Every class `byte` is in.
#[inline]
pub(crate) fn classes_of(byte: u8) -> u16 {
    CLASSES[usize::from(byte)]
}

/// Whether `byte` can be part of an RFC 2045 `token`.
pub(crate) fn is_token_byte(byte: u8) -> bool {
    is(byte, TOKEN)
}

/// Whether `byte` can be part of a method or property type name.
pub(crate) fn is_name_byte(byte: u8) -> bool {
    is(byte, NAME)
}

/// Whether `text` is a non-empty RFC 2045 `token`.
pub(crate) fn is_token(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| is(byte, TOKEN))
}

/// Whether `text` is a `Keyword` (RFC 5321 §4.1.2 `Ldh-str`): letters,
/// digits and hyphens, ending with a letter or digit.
pub(crate) fn is_keyword(text: &str) -> bool {
    let bytes = text.as_bytes();

    bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && bytes
            .iter()
            .all(|&byte| byte.is_ascii_alphanumeric() || byte == b'-')
}

/// Whether `text` is an address as a `pvalue` allows it:
/// `[ [ local-part ] "@" ] domain-name`, with a dot-atom local part (RFC
/// 8601 §2.2). A quoted local part is read by the parser itself.
pub(crate) fn is_address(text: &str) -> bool {
    let bytes = text.as_bytes();
    let Some(at) = bytes.iter().position(|&byte| byte == b'@') else {
        return false;
    };

    let local_part = &bytes[..at];
    let local_part_ok = local_part.is_empty() || is_dot_atom_text(local_part);

    local_part_ok && is_domain_name(&text[at + 1..])
}

/// Whether `bytes` is a `dot-atom-text` (RFC 5322 §3.2.3): runs of `atext`
/// joined by single dots, non-ASCII allowed (RFC 6532).
fn is_dot_atom_text(bytes: &[u8]) -> bool {
    let mut after_dot = true;

    for &byte in bytes {
        if byte == b'.' {
            if after_dot {
                return false;
            }
            after_dot = true;
        } else if is(byte, ATEXT) {
            after_dot = false;
        } else {
            return false;
        }
    }

    !after_dot
}

/// Whether `text` is a `domain-name` (RFC 6376 §3.5): two or more labels of
/// letters, digits and inner hyphens, where U-labels are allowed (RFC 8616).
/// One pass: each byte is checked against the one before it.
pub(crate) fn is_domain_name(text: &str) -> bool {
    let mut labels = 1;
    let mut previous = b'.';

    for &byte in text.as_bytes() {
        let fits = match byte {
            // A label is never empty and never ends with a hyphen.
            b'.' => !matches!(previous, b'.' | b'-'),
            // Nor starts with one.
            b'-' => previous != b'.',
            _ => is(byte, KEYWORD) || !byte.is_ascii(),
        };
        if !fits {
            return false;
        }

        labels += usize::from(byte == b'.');
        previous = byte;
    }

    labels >= 2 && !matches!(previous, b'.' | b'-')
}

/// Whether `text` may hold a control character other than tab: exact,
/// except that a tab also answers yes (and sends the text down the careful
/// path, which is correct, only slower). Looks at eight bytes at a time.
pub(crate) fn has_control(text: &str) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);

    let chunks = text.as_bytes().chunks_exact(8);
    let tail = chunks.remainder();

    // A byte below 0x20, or equal to 0x7f, sets its high bit here.
    let below_space = |word: u64| word.wrapping_sub(ONES * 0x20) & !word & HIGH;
    let delete = |word: u64| {
        let zeroed = word ^ (ONES * 0x7f);
        zeroed.wrapping_sub(ONES) & !zeroed & HIGH
    };

    let found = chunks.fold(0, |found, chunk| {
        let word = u64::from_ne_bytes(chunk.try_into().unwrap_or_default());
        found | below_space(word) | delete(word)
    });

    found != 0 || tail.iter().any(|&byte| byte < 0x20 || byte == 0x7f)
}

/// The length of the comment text at the start of `bytes`: the bytes before
/// the first parenthesis, backslash or control character, except that a tab
/// may also end it (the caller then reads on, correct, only slower). Looks
/// at eight bytes at a time.
pub(crate) fn comment_text_length(bytes: &[u8]) -> usize {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGH: u64 = ONES * 0x80;

    // The lowest byte flagged is exact, whatever a borrow does above it.
    let zero = |word: u64| word.wrapping_sub(ONES) & !word & HIGH;
    let equal = |word: u64, byte: u8| zero(word ^ (ONES * u64::from(byte)));
    let below_space = |word: u64| word.wrapping_sub(ONES * 0x20) & !word & HIGH;

    let mut chunks = bytes.chunks_exact(8);
    let mut length = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let stops = equal(word, b'(') | equal(word, b')') | equal(word, b'\\') | equal(word, 0x7f);

        let stops = stops | below_space(word);
        if stops != 0 {
            return length + stops.trailing_zeros() as usize / 8;
        }
        length += 8;
    }

    let tail = chunks.remainder();
    length
        + tail
            .iter()
            .position(|&byte| !is(byte, COMMENT_TEXT))
            .unwrap_or(tail.len())
}

/// Whether `byte` is an ASCII control character other than tab.
pub(crate) const fn is_control(byte: u8) -> bool {
    (byte < 0x20 && byte != b'\t') || byte == 0x7f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_letters_digits_and_inner_hyphens() {
        assert!(is_keyword("dkim-adsp") && is_keyword("x1") && is_keyword("-a"));
        assert!(!is_keyword("perm_fail") && !is_keyword("pass-") && !is_keyword(""));
        assert!(!is_keyword("café"));
    }

    #[test]
    fn tokens_exclude_tspecials_and_allow_utf8() {
        assert!(is_token("example.com") && is_token("bücher.example") && is_token("a+b"));
        assert!(!is_token("ab/cd") && !is_token("a b") && !is_token("2001:db8::1"));
        assert!(!is_token(""));
    }

    #[test]
    fn addresses_need_a_domain_name_of_two_labels() {
        assert!(is_address("sender@example.com") && is_address("@mail.example.net"));
        assert!(is_address("first.last+tag@bücher.example"));
        assert!(!is_address("sender@localhost") && !is_address("a..b@example.com"));
        assert!(!is_address("example.com") && !is_address("a@-example.com"));
    }

    #[test]
    fn comment_text_stops_at_the_first_delimiter_or_control_byte() {
        for length in 0..20 {
            for position in 0..length {
                for stop in [b'(', b')', b'\\', 0x00, b'\n', b'\r', 0x1f, 0x7f] {
                    let mut bytes = "aZ ~é".repeat(length).into_bytes();
                    bytes.truncate(length);
                    bytes[position] = stop;
                    bytes.extend_from_slice(b"(x)");

                    assert_eq!(comment_text_length(&bytes), position, "{bytes:?}");
                }
            }

            let text = "aZ ~é\u{80}".repeat(length);
            assert_eq!(comment_text_length(text.as_bytes()), text.len());
        }
    }

    #[test]
    fn control_check_finds_every_control_byte_in_any_position() {
        for length in 0..20 {
            for position in 0..length {
                for control in [0x00_u8, 0x01, b'\t', b'\n', b'\r', 0x1f, 0x7f] {
                    let mut bytes = vec![b'a'; length];
                    bytes[position] = control;
                    let text = String::from_utf8(bytes).unwrap();

                    assert!(has_control(&text), "{text:?}");
                }
            }

            let plain = "aZ ~é\u{80}".repeat(length);
            assert!(!has_control(&plain));
        }
    }
}
