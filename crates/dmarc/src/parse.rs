//! Reading a DMARC record: the tag-list of [RFC 6376 §3.2](https://www.rfc-editor.org/rfc/rfc6376#section-3.2)
//! with the tag grammar of RFC 9989 §4.7 and [RFC 7489 §6.4](https://www.rfc-editor.org/rfc/rfc7489#section-6.4).
//!
//! One pass over the text, no allocation for a record without deviations.
//! A broken tag-list (a tag without `=`, an empty tag between semicolons, a
//! tag name outside the grammar, a tag written twice) is an error; a bad
//! value is a deviation and the tag's default applies, as RFC 7489 §6.3
//! prescribes for "syntax errors in the remainder of the record".

use std::borrow::Cow;
use std::str::FromStr;

use mailtrail_message::{Deviation, Span};

use crate::record::{
    Alignment, DeviationKind, FailureOptions, Policy, PublicSuffix, Record, ReportUris, Tag,
    VERSION,
};
use crate::uri::{report_uri, uri_list_end};

/// Why a text is not a usable DMARC record.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at offset {position}")]
pub struct RecordError {
    /// What is wrong.
    pub kind: RecordErrorKind,
    /// Byte offset in the record text.
    pub position: usize,
}

/// What is wrong with a DMARC record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(
    feature = "serde",
    serde(tag = "kind", content = "tag", rename_all = "snake_case")
)]
pub enum RecordErrorKind {
    /// The text does not start with `v=DMARC1` followed by `;` or its end:
    /// not a DMARC record at all (discarded during policy discovery).
    #[error("not a DMARC record (it must start with v=DMARC1)")]
    NotDmarc,
    /// Nothing between two semicolons.
    #[error("empty tag")]
    EmptyTag,
    /// A tag without `=`.
    #[error("tag without '='")]
    MissingEquals,
    /// A tag name outside `ALPHA *ALNUMPUNC`.
    #[error("invalid tag name")]
    InvalidTagName,
    /// A tag written twice (RFC 6376 §3.2: the whole tag-list is invalid).
    #[error("duplicate {0}= tag")]
    DuplicateTag(Tag),
}

/// Whether a TXT record claims to be DMARC: it starts with `v`, optional
/// white space, `=`, optional white space and `DMARC1`, then `;`, white
/// space or its end. Policy discovery keeps exactly these (RFC 9989 §4.10).
pub fn is_dmarc_record(text: &str) -> bool {
    let rest = text.trim_start_matches(is_wsp);
    let Some(rest) = rest.strip_prefix(['v', 'V']) else {
        return false;
    };
    let Some(rest) = rest.trim_start_matches(is_wsp).strip_prefix('=') else {
        return false;
    };
    rest.trim_start_matches(is_wsp)
        .strip_prefix(VERSION)
        .is_some_and(|rest| {
            rest.trim_start_matches(is_wsp).is_empty()
                || rest.trim_start_matches(is_wsp).starts_with(';')
        })
}

impl<'a> Record<'a> {
    /// Reads a record, borrowing its texts from `text`.
    ///
    /// ```
    /// use mailtrail_dmarc::{Record, RecordErrorKind, Tag};
    ///
    /// let record = Record::parse("v=DMARC1; p=reject; adkim=x").unwrap();
    /// assert!(record.is_invalid(Tag::Adkim));
    ///
    /// let error = Record::parse("v=DMARC1; p=none; p=reject").unwrap_err();
    /// assert_eq!(error.kind, RecordErrorKind::DuplicateTag(Tag::P));
    /// assert_eq!(error.position, 18);
    /// ```
    pub fn parse(text: &'a str) -> Result<Self, RecordError> {
        let mut record = Record::default();
        let mut seen = 0u16;
        let mut tags = TagSpecs {
            bytes: text.as_bytes(),
            offset: 0,
        };

        match tags.next() {
            Some(Ok(spec))
                if spec.tag == Some(Tag::V)
                    && &text.as_bytes()[spec.value_span.range()] == VERSION.as_bytes() =>
            {
                record.note_case(&spec);
                seen |= Tag::V.bit();
            }
            _ => return Err(error(RecordErrorKind::NotDmarc, 0)),
        }

        for spec in tags {
            let spec = spec?;
            record.note_case(&spec);
            let Some(tag) = spec.tag else {
                record.deviate(DeviationKind::UnknownTag, spec.span);
                continue;
            };
            if seen & tag.bit() != 0 {
                let kind = RecordErrorKind::DuplicateTag(tag);
                return Err(error(kind, spec.span.start));
            }
            seen |= tag.bit();
            record.read_value(tag, text, &spec);
        }

        Ok(record)
    }

    /// Stores the value of one known tag, or notes it as invalid. Only the
    /// texts a record keeps are sliced out of `text`; the rest is read as
    /// bytes.
    fn read_value(&mut self, tag: Tag, text: &'a str, spec: &TagSpec) {
        let value = &text.as_bytes()[spec.value_span.range()];
        let valid = match tag {
            Tag::V => false,
            Tag::P => set(&mut self.policy, policy(value)),
            Tag::Sp => set(&mut self.subdomain_policy, policy(value)),
            Tag::Np => set(&mut self.nonexistent_policy, policy(value)),
            Tag::Adkim => set(&mut self.dkim_alignment, alignment(value)),
            Tag::Aspf => set(&mut self.spf_alignment, alignment(value)),
            Tag::Fo => set(&mut self.failure_options, failure_options(value)),
            Tag::Psd => set(&mut self.public_suffix, public_suffix(value)),
            Tag::T => set(&mut self.testing, yes_no(value)),
            Tag::Pct => set(
                &mut self.percent,
                number(value).filter(|percent| *percent <= 100),
            ),
            Tag::Ri => set(&mut self.report_interval, number(value)),
            Tag::Rf => {
                let formats =
                    keywords(value).then(|| Cow::Borrowed(&text[spec.value_span.range()]));
                set(&mut self.report_formats, formats)
            }
            Tag::Rua => {
                let uris = self.report_uris(tag, text, spec);
                set(&mut self.aggregate_reports, uris)
            }
            Tag::Ruf => {
                let uris = self.report_uris(tag, text, spec);
                set(&mut self.failure_reports, uris)
            }
        };
        if !valid {
            self.deviate(DeviationKind::InvalidValue(tag), spec.value_span);
        }
    }

    /// A URI list, with a deviation for each invalid element; `None` when no
    /// element is valid. A list whose every element is valid was checked
    /// while its tag was read; only a list with a bad element is split here
    /// to say which.
    #[inline(always)]
    fn report_uris(&mut self, tag: Tag, text: &'a str, spec: &TagSpec) -> Option<ReportUris<'a>> {
        let value = &text[spec.value_span.range()];
        if spec.uris_valid {
            return Some(ReportUris::borrowed(value));
        }
        self.some_report_uris(tag, value, spec.value_span.start)
    }

    /// [`Self::report_uris`] for a list with an invalid element, apart so
    /// that the common path stays short.
    #[cold]
    fn some_report_uris(
        &mut self,
        tag: Tag,
        value: &'a str,
        start: usize,
    ) -> Option<ReportUris<'a>> {
        let mut valid = 0;
        let mut offset = start;
        for element in pieces(value, b',') {
            let trimmed = element.trim_matches(is_wsp);
            if report_uri(trimmed).is_some() {
                valid += 1;
            } else {
                let start = offset + (element.len() - element.trim_start_matches(is_wsp).len());
                let span = Span::new(start, start + trimmed.len());
                self.deviate(DeviationKind::InvalidUri(tag), span);
            }
            offset += element.len() + 1;
        }
        (valid > 0).then(|| ReportUris::borrowed(value))
    }

    /// Notes a tag name written in capitals.
    fn note_case(&mut self, spec: &TagSpec) {
        if spec.capitals {
            let span = Span::new(spec.span.start, spec.span.start + spec.name_len);
            self.deviate(DeviationKind::UppercaseTagName, span);
        }
    }

    /// Records a deviation.
    fn deviate(&mut self, kind: DeviationKind, span: Span) {
        self.deviations.push(Deviation::new(kind, span));
    }
}

impl FromStr for Record<'static> {
    type Err = RecordError;

    /// Reads a record and copies its texts; [`Record::parse`] borrows them.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Record::parse(text).map(Record::into_owned)
    }
}

/// Stores `value` if it is `Some`, saying whether it was.
#[inline(always)]
fn set<T>(slot: &mut Option<T>, value: Option<T>) -> bool {
    let valid = value.is_some();
    *slot = value;
    valid
}

/// `none`, `quarantine` or `reject`, without regard to case. The length
/// picks the keyword; the bytes are then compared a word at a time, with
/// bit 0x20 set in each, which lowercases a capital and leaves a lowercase
/// letter (and maps no other byte onto one).
#[inline(always)]
fn policy(value: &[u8]) -> Option<Policy> {
    let policy = match value.len() {
        4 => Policy::None,
        6 => Policy::Reject,
        10 => Policy::Quarantine,
        _ => return None,
    };
    // Three words, at the start, the middle and the end, cover every byte.
    let written = policy.as_str().as_bytes();
    let same = [0, (value.len() - 4) / 2, value.len() - 4]
        .into_iter()
        .all(|at| lowercase_word(value, at) == lowercase_word(written, at));
    same.then_some(policy)
}

/// The four bytes of `bytes` from `at`, with bit 0x20 set in each; `at + 4`
/// is at most the length.
fn lowercase_word(bytes: &[u8], at: usize) -> u32 {
    let word = bytes
        .get(at..at + 4)
        .and_then(|four| four.try_into().ok())
        .map_or(0, u32::from_le_bytes);
    word | 0x2020_2020
}

/// `r` or `s`.
fn alignment(value: &[u8]) -> Option<Alignment> {
    match value {
        b"r" | b"R" => Some(Alignment::Relaxed),
        b"s" | b"S" => Some(Alignment::Strict),
        _ => None,
    }
}

/// `y`, `n` or `u`.
fn public_suffix(value: &[u8]) -> Option<PublicSuffix> {
    match value {
        b"y" | b"Y" => Some(PublicSuffix::Yes),
        b"n" | b"N" => Some(PublicSuffix::No),
        b"u" | b"U" => Some(PublicSuffix::Unknown),
        _ => None,
    }
}

/// `y` or `n`.
fn yes_no(value: &[u8]) -> Option<bool> {
    match value {
        b"y" | b"Y" => Some(true),
        b"n" | b"N" => Some(false),
        _ => None,
    }
}

/// `fo=`: `0`, `1`, `d`, `s` joined by `:` with optional white space
/// around each, read in one pass: an option is due at the start and after
/// each `:`, and must be the last thing written.
fn failure_options(value: &[u8]) -> Option<FailureOptions> {
    let mut options = FailureOptions {
        all_fail: false,
        any_fail: false,
        dkim: false,
        spf: false,
    };
    let mut option_due = true;
    for &byte in value {
        match byte {
            b' ' | b'\t' => {}
            b':' if !option_due => option_due = true,
            _ if option_due => {
                let flag = match byte {
                    b'0' => &mut options.all_fail,
                    b'1' => &mut options.any_fail,
                    b'd' | b'D' => &mut options.dkim,
                    b's' | b'S' => &mut options.spf,
                    _ => return None,
                };
                *flag = true;
                option_due = false;
            }
            _ => return None,
        }
    }
    (!option_due).then_some(options)
}

/// `rf=`: keywords (`ALPHA / DIGIT` then `-` inside, not at the end) joined
/// by `:`.
fn keywords(value: &[u8]) -> bool {
    value.split(|byte| *byte == b':').all(|keyword| {
        let bytes = trim_wsp(keyword);
        !bytes.is_empty()
            && bytes
                .iter()
                .all(|byte| byte.is_ascii_alphanumeric() || *byte == b'-')
            && bytes[0] != b'-'
            && bytes[bytes.len() - 1] != b'-'
    })
}

/// A decimal number of at most 10 digits that fits its type.
fn number<T: TryFrom<u64>>(digits: &[u8]) -> Option<T> {
    if digits.is_empty() || digits.len() > 10 {
        return None;
    }
    let mut number = 0u64;
    for &digit in digits {
        if !digit.is_ascii_digit() {
            return None;
        }
        number = number * 10 + u64::from(digit - b'0');
    }
    T::try_from(number).ok()
}

/// The offset of the first `byte` in `text`. A plain loop: the parts of a
/// record are short, and `memchr`'s set-up costs more than it saves there.
fn position(text: &str, byte: u8) -> Option<usize> {
    text.bytes().position(|candidate| candidate == byte)
}

/// `text` split at the first `byte`, which is dropped.
fn split_at_byte(text: &str, byte: u8) -> Option<(&str, &str)> {
    let at = position(text, byte)?;
    Some((&text[..at], &text[at + 1..]))
}

/// The pieces of `text` between `separator` bytes, like `str::split`.
pub(crate) fn pieces(text: &str, separator: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match split_at_byte(current, separator) {
            Some((piece, after)) => {
                rest = Some(after);
                Some(piece)
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// White space inside a record: space and tab.
fn is_wsp(character: char) -> bool {
    character == ' ' || character == '\t'
}

/// `bytes` without white space at either end.
fn trim_wsp(bytes: &[u8]) -> &[u8] {
    let start = skip_wsp(bytes, 0);
    let mut end = bytes.len();
    while end > start && is_wsp_byte(bytes[end - 1]) {
        end -= 1;
    }
    &bytes[start..end]
}

/// One `tag=value` of the list, trimmed, by its place in the text.
struct TagSpec {
    /// The tag, when its name is one of ours.
    tag: Option<Tag>,
    /// Whether the name holds a capital letter.
    capitals: bool,
    name_len: usize,
    /// Whether the value is a `rua=` or `ruf=` list whose every element is
    /// valid, found while looking for its end.
    uris_valid: bool,
    /// From the tag name to the end of the value.
    span: Span,
    value_span: Span,
}

/// Iterates over the tag specs of a record, reporting broken ones.
struct TagSpecs<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl Iterator for TagSpecs<'_> {
    type Item = Result<TagSpec, RecordError>;

    /// One pass over the bytes of a tag spec: white space, the name (packed
    /// into an integer as it goes, which finds its tag), white space, `=`,
    /// white space, the value up to `;` without trailing white space; the
    /// URIs of `rua=` and `ruf=` are checked on the way to their `;`. Every
    /// offset lands next to an ASCII byte, so slicing the text there is
    /// safe.
    ///
    /// Always inlined into [`Record::parse`], its only caller, so that a spec
    /// stays in registers instead of being written out and read back.
    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.bytes;
        let len = bytes.len();
        if self.offset > len {
            return None;
        }
        let mut at = skip_wsp(bytes, self.offset);
        let start = at;
        if at >= len {
            // White space after a trailing `;` ends the list.
            self.offset = len + 1;
            return None;
        }
        if bytes[at] == b';' {
            self.offset = at + 1;
            return Some(Err(error(RecordErrorKind::EmptyTag, start)));
        }

        let mut key = 0u64;
        while at < len && NAME_BYTES[usize::from(bytes[at])] {
            key = key << 8 | u64::from(bytes[at]);
            at += 1;
        }
        let name_end = at;
        at = skip_wsp(bytes, at);

        if at >= len || bytes[at] != b'=' {
            return Some(self.broken_spec(start, at));
        }
        if name_end == start || !bytes[start].is_ascii_alphabetic() {
            self.offset = self.end_of_spec(at) + 1;
            return Some(Err(error(RecordErrorKind::InvalidTagName, start)));
        }

        let name_len = name_end - start;
        let (tag, capitals) = match name_len {
            // A name found as written is in lowercase, as every tag's key
            // is: only other names need their capitals lowercased.
            0..=8 => match Tag::from_key(key) {
                Some(tag) => (Some(tag), false),
                None => {
                    let (key, capitals) = lowercase_packed(key);
                    (Tag::from_key(key), capitals)
                }
            },
            // No tag name is that long.
            _ => (
                None,
                bytes[start..name_end].iter().any(u8::is_ascii_uppercase),
            ),
        };

        let value_start = skip_wsp(bytes, at + 1);
        let listed = match tag {
            Some(Tag::Rua | Tag::Ruf) => uri_list_end(bytes, value_start),
            _ => None,
        };
        let uris_valid = listed.is_some();
        let (at, value_end) = listed.unwrap_or_else(|| value_end(bytes, value_start));
        self.offset = at + 1;
        Some(Ok(TagSpec {
            tag,
            capitals,
            name_len,
            uris_valid,
            span: Span::new(start, value_end),
            value_span: Span::new(value_start, value_end),
        }))
    }
}

impl TagSpecs<'_> {
    /// A spec whose name is not followed by `=`: a name with a bad
    /// character, or a tag without `=`. Moves past it.
    fn broken_spec(&mut self, start: usize, at: usize) -> Result<TagSpec, RecordError> {
        let end = self.end_of_spec(at);
        self.offset = end + 1;
        let has_equals = self.bytes[start..end].contains(&b'=');
        let kind = if has_equals {
            RecordErrorKind::InvalidTagName
        } else {
            RecordErrorKind::MissingEquals
        };
        Err(error(kind, start))
    }

    /// The offset of the `;` ending the spec that contains `at`, or the end.
    fn end_of_spec(&self, at: usize) -> usize {
        let bytes = self.bytes;
        bytes[at.min(bytes.len())..]
            .iter()
            .position(|byte| *byte == b';')
            .map_or(bytes.len(), |offset| at + offset)
    }
}

/// The end of the value that starts at `start`: the offset of the `;`
/// ending it (or of the end of the record), and the end of its text
/// without trailing white space. Most values are a few bytes, shorter than
/// what `memchr` needs to pay off.
#[inline(always)]
fn value_end(bytes: &[u8], start: usize) -> (usize, usize) {
    let at = start + semicolon(&bytes[start..]);
    let mut text_end = at;
    while text_end > start && is_wsp_byte(bytes[text_end - 1]) {
        text_end -= 1;
    }
    (at, text_end)
}

/// The offset of the first `;` in `bytes`, or their length, eight bytes at
/// a time: a byte of `word ^ ";;;;;;;;"` is zero where `bytes` holds `;`,
/// and subtracting one from every byte of `word` sets the high bit of the
/// lowest zero byte first (a borrow only runs upwards).
fn semicolon(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let word =
            u64::from_le_bytes(chunk.try_into().unwrap_or_default()) ^ (ONES * u64::from(b';'));
        let zeros = word.wrapping_sub(ONES) & !word & HIGH;
        if zeros != 0 {
            return offset + zeros.trailing_zeros() as usize / 8;
        }
        offset += 8;
    }
    let rest = chunks.remainder();
    offset
        + rest
            .iter()
            .position(|byte| *byte == b';')
            .unwrap_or(rest.len())
}

/// Up to eight ASCII bytes packed into an integer with their capitals
/// lowercased, and whether there were any: a byte is a capital when adding
/// `0x80 - b'A'` sets its high bit and adding `0x80 - b'Z' - 1` does not,
/// which no carry between bytes can disturb, since every byte is below
/// `0x80`.
const fn lowercase_packed(key: u64) -> (u64, bool) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let at_least_a = key + ONES * (0x80 - b'A' as u64);
    let above_z = key + ONES * (0x80 - b'Z' as u64 - 1);
    let capitals = at_least_a & !above_z & HIGH;
    (key | capitals >> 2, capitals != 0)
}

/// The first offset from `at` that is not white space.
pub(crate) fn skip_wsp(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && is_wsp_byte(bytes[at]) {
        at += 1;
    }
    at
}

/// The characters of a tag name: letters, digits and `_`, as a table.
static NAME_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let character = byte as u8;
        table[byte] = character.is_ascii_alphanumeric() || character == b'_';
        byte += 1;
    }
    table
};

/// Space or tab.
const fn is_wsp_byte(byte: u8) -> bool {
    byte == b' ' || byte == b'\t'
}

/// An error at an offset.
const fn error(kind: RecordErrorKind, position: usize) -> RecordError {
    RecordError { kind, position }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_must_come_first_and_match_exactly() {
        for text in [
            "",
            "v=",
            "v=DMARC12",
            "v=dmarc1; p=none",
            "v=DMARC1 p=none",
            "p=none; v=DMARC1",
        ] {
            let error = Record::parse(text).unwrap_err();
            assert_eq!(error.kind, RecordErrorKind::NotDmarc, "{text:?}");
            assert!(!is_dmarc_record(text), "{text:?}");
        }
        assert!(is_dmarc_record("v = DMARC1 ; p=none"));
        assert!(is_dmarc_record("v=DMARC1"));
    }

    #[test]
    fn broken_tag_lists_name_the_offset() {
        let cases = [
            ("v=DMARC1;; p=none", RecordErrorKind::EmptyTag, 9),
            ("v=DMARC1; p", RecordErrorKind::MissingEquals, 10),
            ("v=DMARC1; 1p=none", RecordErrorKind::InvalidTagName, 10),
            (
                "v=DMARC1; p=none; sp=none; sp=reject",
                RecordErrorKind::DuplicateTag(Tag::Sp),
                27,
            ),
            (
                "v=DMARC1; p=none; v=DMARC1",
                RecordErrorKind::DuplicateTag(Tag::V),
                18,
            ),
        ];
        for (text, kind, position) in cases {
            assert_eq!(
                Record::parse(text),
                Err(RecordError { kind, position }),
                "{text}"
            );
        }
    }

    #[test]
    fn a_semicolon_is_found_in_every_lane_of_a_word() {
        for length in 0..20 {
            for at in 0..=length {
                let mut bytes = vec![b'x'; length];
                if at < length {
                    bytes[at] = b';';
                    bytes[length - 1] = b';';
                }
                assert_eq!(semicolon(&bytes), at, "{length} {at}");
            }
        }
        assert_eq!(semicolon(b"ab\x01;\x01;\xbbcdefgh"), 3);
        assert_eq!(semicolon("é;".as_bytes()), 2);
    }

    #[test]
    fn trailing_semicolon_and_white_space_are_allowed() {
        let record = Record::parse(" v=DMARC1 ;\tp = quarantine ;  ").unwrap();
        assert_eq!(record.policy, Some(Policy::Quarantine));
        assert!(record.deviations.is_empty());
    }

    #[test]
    fn policies_are_read_without_regard_to_case_and_only_whole() {
        for (value, expected) in [
            ("none", Some(Policy::None)),
            ("NoNe", Some(Policy::None)),
            ("REJECT", Some(Policy::Reject)),
            ("QuArAnTiNe", Some(Policy::Quarantine)),
            ("quaXantine", None),
            ("quarantind", None),
            ("rejec", None),
            ("rejectt", None),
            ("nonf", None),
            ("n\u{e9}ne", None),
            ("", None),
        ] {
            assert_eq!(policy(value.as_bytes()), expected, "{value:?}");
        }
    }

    #[test]
    fn values_with_inner_or_trailing_white_space_end_at_their_semicolon() {
        let text = "v=DMARC1; p=reject ; fo=1 : d\t; ri=60 \t; sp=none";
        let record = Record::parse(text).unwrap();
        assert_eq!(record.policy, Some(Policy::Reject));
        assert!(record.failure_options.is_some_and(|options| options.dkim));
        assert_eq!(record.report_interval, Some(60));
        assert_eq!(record.subdomain_policy, Some(Policy::None));
        let record = Record::parse("v=DMARC1; p=re ject; t=y\x01").unwrap();
        assert_eq!(record.deviations[0].span, Span::new(12, 19));
        assert_eq!(record.deviations[1].span, Span::new(23, 25));
    }

    #[test]
    fn invalid_values_are_ignored_with_the_tag_named() {
        let record = Record::parse("v=DMARC1; p=reject; adkim=x; pct=110; fo=01; t=maybe").unwrap();
        assert_eq!(record.dkim_alignment, None);
        assert_eq!(record.percent, None);
        assert_eq!(record.failure_options, None);
        assert_eq!(record.testing, None);
        let kinds: Vec<_> = record
            .deviations
            .iter()
            .map(|deviation| deviation.kind)
            .collect();
        assert_eq!(
            kinds,
            [Tag::Adkim, Tag::Pct, Tag::Fo, Tag::T].map(DeviationKind::InvalidValue)
        );
        assert_eq!(record.deviations[0].span, Span::new(26, 27));
    }

    #[test]
    fn report_uris_keep_valid_elements_and_sizes() {
        let record = Record::parse(
            "v=DMARC1; rua=mailto:a@example.com!10m , bogus,\tmailto:b@example.net!0G",
        )
        .unwrap();
        let uris: Vec<_> = record.aggregate_reports.as_ref().unwrap().iter().collect();
        assert_eq!(uris.len(), 2);
        assert_eq!(uris[0].max_size, Some(10 << 20));
        assert_eq!(uris[1].uri, "mailto:b@example.net");
        assert_eq!(uris[1].max_size, Some(0));
        assert_eq!(
            record.deviations[0].kind,
            DeviationKind::InvalidUri(Tag::Rua)
        );
        assert_eq!(
            &"v=DMARC1; rua=mailto:a@example.com!10m , bogus,\tmailto:b@example.net!0G"
                [record.deviations[0].span.range()],
            "bogus"
        );
    }

    #[test]
    fn bad_sizes_make_the_uri_invalid() {
        for limit in [
            "",
            "10p",
            "99999999999999999999999",
            "18446744073709551615t",
        ] {
            assert_eq!(
                report_uri(&format!("mailto:a@example.com!{limit}")),
                None,
                "{limit}"
            );
        }
    }

    #[test]
    fn unknown_tags_and_capitals_are_reported_but_read() {
        let record = Record::parse("V=DMARC1; P=reject; future=1").unwrap();
        assert_eq!(record.policy, Some(Policy::Reject));
        let kinds: Vec<_> = record
            .deviations
            .iter()
            .map(|deviation| deviation.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                DeviationKind::UppercaseTagName,
                DeviationKind::UppercaseTagName,
                DeviationKind::UnknownTag
            ]
        );
    }

    #[test]
    fn printing_writes_every_valid_tag_in_order() {
        let text = "v=DMARC1; ri=3600; rf=afrf; pct=50; t=y; psd=n; ruf=mailto:f@example.com; \
                    rua=mailto:a@example.com!1k; fo=1:d; aspf=s; adkim=r; np=reject; sp=none; p=quarantine";
        let record = Record::parse(text).unwrap();
        assert_eq!(
            record.to_string(),
            "v=DMARC1; p=quarantine; sp=none; np=reject; adkim=r; aspf=s; fo=1:d; \
             rua=mailto:a@example.com!1k; ruf=mailto:f@example.com; psd=n; t=y; pct=50; rf=afrf; ri=3600"
        );
        assert_eq!(record.legacy_tags(), [Tag::Pct, Tag::Rf, Tag::Ri]);
    }
}
