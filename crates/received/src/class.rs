//! Byte classes, so that each scan of a value tests one table entry per
//! byte.
//!
//! Words of a Received value end at the delimiters of RFC 5322 §3.2.3
//! (`specials` and white space); host names and addresses are made of a few
//! classes of characters (RFC 1123 §2.1, RFC 4291 §2.2). The table gives
//! each byte its classes as bits; the union of the classes of a word's bytes
//! (its [`shape`]) tells at once whether it can be a host name or an
//! address.

/// `g`-`z` and `G`-`Z`: letters that are not hex digits.
pub(crate) const LETTER: u16 = 1 << 0;
/// `a`-`f` and `A`-`F`.
pub(crate) const HEX_LETTER: u16 = 1 << 1;
/// `0`-`9`.
pub(crate) const DIGIT: u16 = 1 << 2;
/// `.`
pub(crate) const DOT: u16 = 1 << 3;
/// `:`
pub(crate) const COLON: u16 = 1 << 4;
/// `-` and `_`, allowed in host names.
pub(crate) const HYPHEN: u16 = 1 << 5;
/// `/`, in Domino server names.
pub(crate) const SLASH: u16 = 1 << 6;
/// `%`, before an IPv6 zone index.
pub(crate) const PERCENT: u16 = 1 << 7;
/// SP, HTAB, CR and LF: white space and folding.
pub(crate) const SPACE: u16 = 1 << 8;
/// Ends a word at the top level of a value: white space, `(`, `)`, `;`,
/// `"`.
pub(crate) const WORD_END: u16 = 1 << 9;
/// Ends a word inside a comment: white space, `,`, `(`, `)`, `[`, `<`,
/// `"`.
pub(crate) const PIECE_END: u16 = 1 << 10;
/// `(`, `)` and `\`: what matters when looking for a comment's end.
pub(crate) const COMMENT_SYNTAX: u16 = 1 << 11;
/// Any other byte: punctuation, controls, non-ASCII.
pub(crate) const OTHER: u16 = 1 << 12;
/// `@`
pub(crate) const AT: u16 = 1 << 13;
/// White space, `,` and `)`: what lies between the words of a comment.
pub(crate) const BETWEEN_PIECES: u16 = 1 << 14;

/// Letters of either kind.
pub(crate) const ALPHA: u16 = LETTER | HEX_LETTER;

/// The classes of every byte.
pub(crate) static CLASSES: [u16; 256] = classes();

/// The union of the classes of the bytes of `bytes`.
pub(crate) fn shape(bytes: &[u8]) -> u16 {
    bytes
        .iter()
        .fold(0, |shape, &byte| shape | CLASSES[usize::from(byte)])
}

/// The end of the run of bytes of `bytes` from `start` that have none of
/// the classes in `stop`, and the union of their classes. Four bytes are
/// classed per step while none of them stops the run.
#[inline]
pub(crate) fn run_end(bytes: &[u8], start: usize, stop: u16) -> (usize, u16) {
    let rest = bytes.get(start..).unwrap_or_default();
    let class = |byte: u8| CLASSES[usize::from(byte)];
    let mut length = 0;
    let mut shape = 0;

    for four in rest.chunks_exact(4) {
        let classes = class(four[0]) | class(four[1]) | class(four[2]) | class(four[3]);
        if classes & stop != 0 {
            break;
        }
        shape |= classes;
        length += 4;
    }

    for &byte in &rest[length..] {
        if class(byte) & stop != 0 {
            break;
        }
        shape |= class(byte);
        length += 1;
    }

    (start + length, shape)
}

/// Whether `byte` has one of the classes in `mask`.
pub(crate) fn is(byte: u8, mask: u16) -> bool {
    CLASSES[usize::from(byte)] & mask != 0
}

const fn classes() -> [u16; 256] {
    let mut table = [OTHER; 256];
    let mut byte = 0;

    while byte < 256 {
        let character = byte as u8;
        table[byte] = match character {
            b'a'..=b'f' | b'A'..=b'F' => HEX_LETTER,
            b'g'..=b'z' | b'G'..=b'Z' => LETTER,
            b'0'..=b'9' => DIGIT,
            b'.' => DOT,
            b':' => COLON,
            b'-' | b'_' => HYPHEN,
            b'/' => SLASH,
            b'%' => PERCENT,
            b' ' | b'\t' | b'\r' | b'\n' => SPACE | WORD_END | PIECE_END | BETWEEN_PIECES,
            b'(' => WORD_END | PIECE_END | COMMENT_SYNTAX | OTHER,
            b')' => WORD_END | PIECE_END | COMMENT_SYNTAX | OTHER | BETWEEN_PIECES,
            b'\\' => COMMENT_SYNTAX | OTHER,
            b';' => WORD_END | OTHER,
            b'"' => WORD_END | PIECE_END | OTHER,
            b',' => PIECE_END | OTHER | BETWEEN_PIECES,
            b'@' => AT | OTHER,
            b'[' | b'<' => PIECE_END | OTHER,
            _ => OTHER,
        };
        byte += 1;
    }

    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_tell_names_from_addresses() {
        assert_eq!(shape(b"mx1.example.com"), ALPHA | DIGIT | DOT);
        assert_eq!(shape(b"2001:db8::1"), HEX_LETTER | DIGIT | COLON);
        assert_eq!(shape(b""), 0);
        assert!(shape(b"user@example.com") & AT != 0);
    }

    #[test]
    fn delimiters_end_words_and_pieces() {
        for byte in *b" \t\r\n();\"" {
            assert!(is(byte, WORD_END), "{}", byte as char);
        }
        for byte in *b" ,([<\")" {
            assert!(is(byte, PIECE_END), "{}", byte as char);
        }
        assert!(!is(b'[', WORD_END) && !is(b';', PIECE_END) && !is(b'a', SPACE));
    }
}
