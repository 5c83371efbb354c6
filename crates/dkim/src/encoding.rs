//! Base64 as DKIM writes it ([RFC 6376 §2.4](https://www.rfc-editor.org/rfc/rfc6376#section-2.4)),
//! and the little DER that RSA keys come wrapped in
//! ([RFC 3447 Appendix A.1](https://www.rfc-editor.org/rfc/rfc3447#appendix-A.1),
//! [RFC 5280 §4.1](https://www.rfc-editor.org/rfc/rfc5280#section-4.1)).
//!
//! The DER reader reads only definite lengths of at most four octets and
//! never recurses, so it is linear in its input and cannot overflow the
//! stack.

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::tag_list::is_whitespace;

/// Standard base64 that accepts values with or without padding; whether the
/// padding was there is reported separately.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A base64 value once decoded.
pub(crate) struct Decoded {
    pub(crate) bytes: Vec<u8>,
    pub(crate) padding_missing: bool,
}

/// Decodes a base64 value in which folding white space may appear anywhere.
pub(crate) fn decode_base64(text: &str) -> Option<Decoded> {
    let bytes = text.as_bytes();
    let folded = bytes
        .iter()
        .fold(false, |found, &byte| found | is_whitespace(byte));

    let mut stack = [0; STACK_LENGTH];
    let mut heap = Vec::new();
    let compact: &[u8] = if folded {
        let room = if bytes.len() <= STACK_LENGTH {
            &mut stack[..bytes.len()]
        } else {
            heap.resize(bytes.len(), 0);
            &mut heap[..]
        };
        let length = compact_into(bytes, room);
        &room[..length]
    } else {
        bytes
    };

    let bytes = LENIENT.decode(compact).ok()?;
    Some(Decoded {
        bytes,
        padding_missing: !compact.len().is_multiple_of(4),
    })
}

/// Copies the bytes of `text` that are not white space to the start of
/// `room` (as long as `text`) and returns how many there are. Branch-free:
/// every byte is written, the count only moves past those that are kept.
fn compact_into(text: &[u8], room: &mut [u8]) -> usize {
    let mut length = 0;

    for &byte in text {
        room[length] = byte;
        length += usize::from(!is_whitespace(byte));
    }
    length
}

/// Folded base64 values up to this length (an RSA-4096 signature with its
/// folding) are gathered on the stack rather than in an allocation.
const STACK_LENGTH: usize = 1024;

/// Encodes with the standard alphabet and padding.
pub(crate) fn encode_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The DER tag of an INTEGER.
pub(crate) const INTEGER: u8 = 0x02;
/// The DER tag of a BIT STRING.
pub(crate) const BIT_STRING: u8 = 0x03;
/// The DER tag of an OCTET STRING.
pub(crate) const OCTET_STRING: u8 = 0x04;
/// The DER tag of a NULL.
pub(crate) const NULL: u8 = 0x05;
/// The DER tag of an OBJECT IDENTIFIER.
pub(crate) const OBJECT_IDENTIFIER: u8 = 0x06;
/// The DER tag of a SEQUENCE.
pub(crate) const SEQUENCE: u8 = 0x30;

/// The content octets of rsaEncryption, 1.2.840.113549.1.1.1.
pub(crate) const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
/// The content octets of id-Ed25519, 1.3.101.112 (RFC 8410).
pub(crate) const ID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];

/// A cursor over DER-encoded bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reader<'a> {
    input: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `input`.
    pub(crate) const fn new(input: &'a [u8]) -> Self {
        Self { input }
    }

    /// Whether everything has been read.
    pub(crate) const fn is_empty(&self) -> bool {
        self.input.is_empty()
    }

    /// The tag of the next element, if any.
    pub(crate) fn peek_tag(&self) -> Option<u8> {
        self.input.first().copied()
    }

    /// Reads one element that must carry `tag`, returning its contents.
    pub(crate) fn read(&mut self, tag: u8) -> Option<&'a [u8]> {
        let (&found, rest) = self.input.split_first()?;
        if found != tag {
            return None;
        }

        let (length, rest) = read_length(rest)?;
        if rest.len() < length {
            return None;
        }

        let (contents, rest) = rest.split_at(length);
        self.input = rest;
        Some(contents)
    }

    /// Reads an element carrying `tag` and returns a reader over its
    /// contents.
    pub(crate) fn nested(&mut self, tag: u8) -> Option<Self> {
        self.read(tag).map(Self::new)
    }

    /// Reads a non-negative INTEGER and returns its magnitude without leading
    /// zero octets.
    pub(crate) fn unsigned_integer(&mut self) -> Option<&'a [u8]> {
        let contents = self.read(INTEGER)?;
        if contents.first().is_none_or(|&first| first & 0x80 != 0) {
            return None;
        }

        let zeros = contents.iter().take_while(|&&byte| byte == 0).count();
        Some(&contents[zeros..])
    }
}

/// Reads a definite length of at most four octets.
fn read_length(input: &[u8]) -> Option<(usize, &[u8])> {
    let (&first, rest) = input.split_first()?;
    if first < 0x80 {
        return Some((usize::from(first), rest));
    }

    let count = usize::from(first & 0x7f);
    if count == 0 || count > 4 || rest.len() < count {
        return None;
    }

    let (octets, rest) = rest.split_at(count);
    let length = octets
        .iter()
        .fold(0usize, |length, &octet| (length << 8) | usize::from(octet));
    Some((length, rest))
}

/// Appends one DER element: `tag`, the length of `contents`, `contents`.
pub(crate) fn write_element(output: &mut Vec<u8>, tag: u8, contents: &[u8]) {
    output.push(tag);

    let length = contents.len();
    if length < 0x80 {
        output.push(length as u8);
    } else {
        let octets = length.to_be_bytes();
        let skip = octets.iter().take_while(|&&octet| octet == 0).count();
        output.push(0x80 | (octets.len() - skip) as u8);
        output.extend_from_slice(&octets[skip..]);
    }

    output.extend_from_slice(contents);
}

/// Appends a non-negative INTEGER whose magnitude is `magnitude`; tests use
/// it to build key records.
#[cfg(test)]
pub(crate) fn write_unsigned_integer(output: &mut Vec<u8>, magnitude: &[u8]) {
    let zeros = magnitude.iter().take_while(|&&byte| byte == 0).count();
    let magnitude = &magnitude[zeros..];
    let mut contents = Vec::with_capacity(magnitude.len() + 1);

    if magnitude.first().is_none_or(|&first| first & 0x80 != 0) {
        contents.push(0);
    }
    contents.extend_from_slice(magnitude);
    write_element(output, INTEGER, &contents);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_tolerates_white_space_and_reports_missing_padding() {
        let folded = decode_base64("aGVs\r\n bG8=").unwrap();
        let unpadded = decode_base64("aGVsbG8").unwrap();

        assert_eq!(folded.bytes, b"hello");
        assert!(!folded.padding_missing);
        assert_eq!(unpadded.bytes, b"hello");
        assert!(unpadded.padding_missing);
        assert!(decode_base64("a$b=").is_none());
    }

    #[test]
    fn der_elements_round_trip_with_short_and_long_lengths() {
        for length in [0, 1, 127, 128, 255, 256, 70_000] {
            let contents = vec![7u8; length];
            let mut encoded = Vec::new();
            write_element(&mut encoded, OCTET_STRING, &contents);

            let mut reader = Reader::new(&encoded);
            assert_eq!(reader.read(OCTET_STRING), Some(&contents[..]));
            assert!(reader.is_empty());
        }
    }

    #[test]
    fn truncated_or_mistagged_der_is_refused() {
        let mut encoded = Vec::new();
        write_element(&mut encoded, SEQUENCE, &[1, 2, 3]);

        assert!(Reader::new(&encoded[..4]).read(SEQUENCE).is_none());
        assert!(Reader::new(&encoded).read(INTEGER).is_none());
        assert!(
            Reader::new(&[0x30, 0x85, 0, 0, 0, 0, 1])
                .read(SEQUENCE)
                .is_none()
        );
    }

    #[test]
    fn integers_are_read_without_sign_octet_and_negative_ones_refused() {
        let mut encoded = Vec::new();
        write_unsigned_integer(&mut encoded, &[0x00, 0x80, 0x01]);

        assert_eq!(encoded, [0x02, 0x03, 0x00, 0x80, 0x01]);
        assert_eq!(
            Reader::new(&encoded).unsigned_integer(),
            Some(&[0x80, 0x01][..])
        );
        assert_eq!(Reader::new(&[0x02, 0x01, 0x80]).unsigned_integer(), None);
    }
}
