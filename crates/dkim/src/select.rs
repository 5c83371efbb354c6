//! Choosing the header fields a signature covers, and building the data the
//! header hash is computed over
//! ([RFC 6376 §5.4.2 and §3.7](https://www.rfc-editor.org/rfc/rfc6376#section-5.4.2)).
//!
//! Each name in `h=` takes the bottom-most field of that name not taken yet;
//! a name listed more often than fields exist (oversigning) takes nothing
//! and adds nothing to the hash. The DKIM-Signature field itself comes last,
//! canonicalized with its `b=` value blanked and without its final CRLF.

use std::collections::HashMap;

use mailtrail_message::HeaderBlock;

use crate::canonical::{relaxed_header, simple_header, strip_line_end};
use crate::{Canonicalization, canonicalize_header};

/// The names of a block's fields as bytes, read once per message.
pub(crate) struct FieldNames<'b> {
    names: Vec<&'b [u8]>,
}

impl<'b> FieldNames<'b> {
    /// The names of every field of `block`, top to bottom.
    pub(crate) fn new(block: &'b HeaderBlock<'_>) -> Self {
        let bytes = block.as_bytes();
        let names = block
            .fields()
            .map(|field| &bytes[field.name_span().range()])
            .collect();

        Self { names }
    }

    /// How many fields are called `name`, without regard to case.
    pub(crate) fn count(&self, name: &str) -> usize {
        self.names
            .iter()
            .filter(|field| field.eq_ignore_ascii_case(name.as_bytes()))
            .count()
    }

    /// The indexes of the fields called `name`, top to bottom.
    pub(crate) fn indexes_of(&self, name: &str) -> Vec<usize> {
        self.names
            .iter()
            .enumerate()
            .filter(|(_, field)| field.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(index, _)| index)
            .collect()
    }

    /// For each name of `signed`, the index of the field it selects, or
    /// `None` when no field of that name is left.
    pub(crate) fn select(&self, signed: &[&str]) -> Vec<Option<usize>> {
        if signed.len().saturating_mul(self.names.len()) <= LINEAR_LIMIT {
            return signed
                .iter()
                .enumerate()
                .map(|(position, name)| self.select_linear(signed, position, name))
                .collect();
        }

        self.select_indexed(signed)
    }

    /// Selection by scanning, for the usual small header blocks.
    fn select_linear(&self, signed: &[&str], position: usize, name: &str) -> Option<usize> {
        let earlier = signed[..position]
            .iter()
            .filter(|other| other.eq_ignore_ascii_case(name))
            .count();

        self.names
            .iter()
            .enumerate()
            .rev()
            .filter(|(_, field)| field.eq_ignore_ascii_case(name.as_bytes()))
            .nth(earlier)
            .map(|(index, _)| index)
    }

    /// Selection through a map from lowercase name to field indexes, linear
    /// in the number of fields and names.
    fn select_indexed(&self, signed: &[&str]) -> Vec<Option<usize>> {
        let mut by_name: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
        for (index, name) in self.names.iter().enumerate() {
            by_name
                .entry(name.to_ascii_lowercase())
                .or_default()
                .push(index);
        }

        signed
            .iter()
            .map(|name| {
                let fields = by_name.get_mut(&name.as_bytes().to_ascii_lowercase())?;
                fields.pop()
            })
            .collect()
    }
}

/// Above this many comparisons, selection builds a map.
const LINEAR_LIMIT: usize = 4096;

/// Appends the canonical selected fields, then the signature field with its
/// `b=` value (at `blank` inside the field's raw bytes) removed.
pub(crate) fn header_data(
    block: &HeaderBlock<'_>,
    canonicalization: Canonicalization,
    selected: &[Option<usize>],
    signature_field: usize,
    blank: std::ops::Range<usize>,
    output: &mut Vec<u8>,
) {
    for index in selected.iter().flatten() {
        if let Some(field) = block.field(*index) {
            let name_length = field.name_span().len();
            canonicalize_header(canonicalization, field.raw(), name_length, output);
        }
    }

    let Some(field) = block.field(signature_field) else {
        return;
    };
    let raw = strip_line_end(field.raw());
    let blank = blank.start.min(raw.len())..blank.end.min(raw.len());
    signature_without_value(
        canonicalization,
        raw,
        field.name_span().len(),
        blank,
        output,
    );
}

/// Appends the signature field `raw` (without final line end) canonicalized,
/// with the bytes at `blank` left out and no line end (§3.7).
pub(crate) fn signature_without_value(
    canonicalization: Canonicalization,
    raw: &[u8],
    name_length: usize,
    blank: std::ops::Range<usize>,
    output: &mut Vec<u8>,
) {
    match canonicalization {
        Canonicalization::Simple => {
            simple_header(&raw[..blank.start], output);
            simple_header(&raw[blank.end..], output);
        }
        Canonicalization::Relaxed => {
            let mut rest = Vec::with_capacity(raw.len() - blank.len());
            rest.extend_from_slice(&raw[name_length..blank.start]);
            rest.extend_from_slice(&raw[blank.end..]);
            relaxed_header(&raw[..name_length], &rest, output);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailtrail_message::split;

    const MESSAGE: &[u8] = b"From: first\r\nTo: x\r\nfrom: second\r\nSubject: s\r\n\r\n";

    #[test]
    fn names_select_bottom_up_and_oversigned_names_select_nothing() {
        let block = split(MESSAGE);
        let names = FieldNames::new(&block);

        assert_eq!(
            names.select(&["from", "FROM", "from", "subject", "cc"]),
            [Some(2), Some(0), None, Some(3), None]
        );
        assert_eq!(names.count("From"), 2);
    }

    #[test]
    fn indexed_selection_agrees_with_linear_selection() {
        let mut message = Vec::new();
        for index in 0..200 {
            message.extend_from_slice(format!("X-{}: {index}\r\n", index % 7).as_bytes());
        }
        message.extend_from_slice(b"\r\n");
        let block = split(&message);
        let names = FieldNames::new(&block);
        let signed: Vec<String> = (0..60).map(|index| format!("x-{}", index % 9)).collect();
        let signed: Vec<&str> = signed.iter().map(String::as_str).collect();

        let linear: Vec<_> = (0..signed.len())
            .map(|position| names.select_linear(&signed, position, signed[position]))
            .collect();
        assert!(signed.len() * block.len() > LINEAR_LIMIT);
        assert_eq!(names.select(&signed), linear);
    }

    #[test]
    fn the_signature_field_is_added_blank_and_without_line_end() {
        let message = b"DKIM-Signature: a=1; b=abc\r\n def; c=2\r\n\r\n";
        let block = split(message);
        let raw = block.field(0).unwrap().raw();
        let start = raw.windows(2).position(|pair| pair == b"b=").unwrap() + 2;
        let end = start + raw[start..].iter().position(|&byte| byte == b';').unwrap();

        let mut simple = Vec::new();
        header_data(
            &block,
            Canonicalization::Simple,
            &[],
            0,
            start..end,
            &mut simple,
        );
        let mut relaxed = Vec::new();
        header_data(
            &block,
            Canonicalization::Relaxed,
            &[],
            0,
            start..end,
            &mut relaxed,
        );

        assert_eq!(simple, b"DKIM-Signature: a=1; b=; c=2");
        assert_eq!(relaxed, b"dkim-signature:a=1; b=; c=2");
    }
}
