//! The report URIs of `rua=` and `ruf=` (RFC 9989 §4.7, the `dmarc-uri`
//! of [RFC 7489 §6.4](https://www.rfc-editor.org/rfc/rfc7489#section-6.4)):
//! a URI with a scheme, then optionally `!` and a size limit. Checked byte
//! by byte by tables while the record is read, so a valid list is borrowed
//! without a second look.

use crate::ReportUri;
use crate::parse::skip_wsp;

/// One `dmarc-uri`: a URI with a scheme, then optionally `!` and a size
/// with an optional unit `k`, `m`, `g` or `t` (any case).
pub(crate) fn report_uri(element: &str) -> Option<ReportUri<'_>> {
    let bytes = element.as_bytes();
    let at = uri_end(bytes, 0)?;
    let (uri, limit) = match bytes.get(at) {
        None => (element, None),
        Some(b'!') => (&element[..at], Some(&element[at + 1..])),
        Some(_) => return None,
    };
    let max_size = match limit {
        None => None,
        Some(limit) => Some(size(limit.as_bytes())?),
    };
    Some(ReportUri {
        uri,
        max_size,
        max_size_text: limit,
    })
}

/// Where a `rua=` or `ruf=` value that starts at `start` ends, as
/// [`value_end`] says it, when every element of it, between commas and
/// white space, is a valid `dmarc-uri`: one pass over the bytes. `None`
/// when an element is not.
#[inline(always)]
pub(crate) fn uri_list_end(bytes: &[u8], start: usize) -> Option<(usize, usize)> {
    let mut at = start;
    loop {
        at = uri_end(bytes, skip_wsp(bytes, at))?;
        if bytes.get(at) == Some(&b'!') {
            let limit_end = limit_end(bytes, at + 1);
            size(&bytes[at + 1..limit_end])?;
            at = limit_end;
        }
        let text_end = at;
        at = skip_wsp(bytes, at);
        match bytes.get(at) {
            None | Some(b';') => return Some((at, text_end)),
            Some(b',') => at += 1,
            Some(_) => return None,
        }
    }
}

/// The end of the URI (without its size limit) that starts at `start`: a
/// scheme, `:`, then at least one URI byte; `None` when there is none.
#[inline(always)]
fn uri_end(bytes: &[u8], start: usize) -> Option<usize> {
    let scheme_end = uri_scheme_end(bytes, start)?;
    let mut at = scheme_end + 1;
    // Four bytes a test while they last: the table's answers joined without
    // a branch between them.
    while at + 4 <= bytes.len()
        && URI_BYTES[usize::from(bytes[at])]
            & URI_BYTES[usize::from(bytes[at + 1])]
            & URI_BYTES[usize::from(bytes[at + 2])]
            & URI_BYTES[usize::from(bytes[at + 3])]
    {
        at += 4;
    }
    while at < bytes.len() && URI_BYTES[usize::from(bytes[at])] {
        at += 1;
    }
    (at > scheme_end + 1).then_some(at)
}

/// The end of a size limit that starts at `start`: the next comma, white
/// space, `;` or the end.
fn limit_end(bytes: &[u8], start: usize) -> usize {
    let rest = &bytes[start..];
    let length = rest
        .iter()
        .position(|byte| matches!(byte, b',' | b' ' | b'\t' | b';'))
        .unwrap_or(rest.len());
    start + length
}

/// The offset of the `:` ending the URI scheme (`ALPHA *( ALPHA / DIGIT /
/// "+" / "-" / "." )`) that starts at `start`, or `None`.
fn uri_scheme_end(bytes: &[u8], start: usize) -> Option<usize> {
    // Nearly every report URI is a `mailto:` one: seven bytes compared at
    // once say so.
    if bytes.get(start..start + 7) == Some(b"mailto:") {
        return Some(start + 6);
    }
    if !bytes.get(start)?.is_ascii_alphabetic() {
        return None;
    }
    let mut at = start + 1;
    while at < bytes.len() && SCHEME_BYTES[usize::from(bytes[at])] {
        at += 1;
    }
    (bytes.get(at) == Some(&b':')).then_some(at)
}

/// The bytes of a URI scheme after its first letter, as a table.
static SCHEME_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let character = byte as u8;
        table[byte] = character.is_ascii_alphanumeric() || matches!(character, b'+' | b'-' | b'.');
        byte += 1;
    }
    table
};

/// The bytes allowed in a URI after its scheme: unreserved, reserved and
/// `%` (RFC 3986 §2), as a table; but `;`, which ends the tag and so is
/// never part of a URI in a record.
static URI_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let character = byte as u8;
        table[byte] = character.is_ascii_alphanumeric()
            || matches!(
                character,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b':'
                    | b'/'
                    | b'?'
                    | b'#'
                    | b'['
                    | b']'
                    | b'@'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b'='
                    | b'%'
            );
        byte += 1;
    }
    table
};

/// A size limit: at most 19 digits and an optional unit; in octets.
fn size(limit: &[u8]) -> Option<u64> {
    let (&last, before) = limit.split_last()?;
    let (digits, shift) = match last.to_ascii_lowercase() {
        b'k' => (before, 10),
        b'm' => (before, 20),
        b'g' => (before, 30),
        b't' => (before, 40),
        _ => (limit, 0),
    };
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = digits
        .iter()
        .fold(0u64, |total, digit| total * 10 + u64::from(digit - b'0'));
    value.checked_mul(1 << shift)
}
