//! The field list shared by the `_mta-sts` record ([RFC 8461 §3.1]) and the
//! `_smtp._tls` record ([RFC 8460 §3]): a version, then fields of
//! `name=value` separated by `*WSP ";" *WSP`, with an optional delimiter at
//! the end.
//!
//! [RFC 8461 §3.1]: https://www.rfc-editor.org/rfc/rfc8461#section-3.1
//! [RFC 8460 §3]: https://www.rfc-editor.org/rfc/rfc8460#section-3

use mailtrail_message::Span;

/// One `name=value` field, with the offset of its name in the record.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Field<'a> {
    /// The field name, as written.
    pub(crate) name: &'a str,
    /// The value, without the white space around it.
    pub(crate) value: &'a str,
    /// Offset of the name in the record.
    pub(crate) start: usize,
    /// Offset of the value in the record.
    pub(crate) value_start: usize,
}

/// What the lexer found wrong, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LexError {
    /// The version is not followed by a delimiter or the end.
    BadVersion,
    /// Two delimiters with no field between them.
    EmptyField(usize),
    /// A field without `=`.
    MissingEquals(usize),
    /// A field without a name before `=`.
    EmptyName(usize),
}

/// Splits `text`, which starts with `version`, into its fields and hands
/// each to `visit`. Returns the span of white space that ends the record
/// without a delimiter, which the ABNF does not allow, if there is any.
pub(crate) fn fields<'a, E: From<LexError>>(
    text: &'a str,
    version: &str,
    mut visit: impl FnMut(Field<'a>) -> Result<(), E>,
) -> Result<Option<Span>, E> {
    let Some(rest) = text.strip_prefix(version) else {
        return Err(E::from(LexError::BadVersion));
    };
    let mut offset = version.len();
    let mut segments = rest.split(';');
    let head = segments.next().unwrap_or_default();
    if !head.bytes().all(is_wsp) {
        return Err(E::from(LexError::BadVersion));
    }
    if rest.len() == head.len() {
        return Ok(trailing_space(text, offset));
    }

    offset += head.len() + 1;
    let mut segments = segments.peekable();
    while let Some(segment) = segments.next() {
        let last = segments.peek().is_none();
        let start = offset;
        offset += segment.len() + 1;

        let trimmed = segment.trim_start_matches([' ', '\t']);
        let lead = segment.len() - trimmed.len();
        let field = trimmed.trim_end_matches([' ', '\t']);
        if field.is_empty() {
            if last {
                return Ok(None);
            }
            return Err(E::from(LexError::EmptyField(start)));
        }

        let field_start = start + lead;
        let Some((name, value)) = field.split_once('=') else {
            return Err(E::from(LexError::MissingEquals(field_start)));
        };
        if name.is_empty() {
            return Err(E::from(LexError::EmptyName(field_start)));
        }
        visit(Field {
            name,
            value,
            start: field_start,
            value_start: field_start + name.len() + 1,
        })?;

        if last {
            return Ok(trailing_space(text, field_start + field.len()));
        }
    }
    Ok(None)
}

/// The span of white space from `from` to the end of `text`, if any.
fn trailing_space(text: &str, from: usize) -> Option<Span> {
    (from < text.len()).then(|| Span::new(from, text.len()))
}

/// `WSP`: a space or a horizontal tab.
pub(crate) const fn is_wsp(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t')
}

/// `(ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")`: the name of an
/// extension field, in both records and in the policy file.
pub(crate) fn is_extension_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let Some(first) = bytes.first() else {
        return false;
    };

    bytes.len() <= 32
        && first.is_ascii_alphanumeric()
        && bytes[1..]
            .iter()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.'))
}

/// `1*(%x21-3A / %x3C / %x3E-7E)`: the value of an extension field of a
/// record: visible ASCII but `=` and `;`.
pub(crate) fn is_extension_value(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|byte| matches!(byte, 0x21..=0x3a | 0x3c | 0x3e..=0x7e))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fields of a record as name and value, and its trailing space.
    type Collected = (Vec<(String, String)>, Option<Span>);

    fn collect(text: &str) -> Result<Collected, LexError> {
        let mut found = Vec::new();
        let end = fields::<LexError>(text, "v=X", |field| {
            found.push((field.name.to_owned(), field.value.to_owned()));
            Ok(())
        })?;
        Ok((found, end))
    }

    #[test]
    fn fields_are_split_at_delimiters_with_white_space_around() {
        let (found, end) = collect("v=X \t; a=1 ;\tb=2;").unwrap();
        assert_eq!(found, [("a".into(), "1".into()), ("b".into(), "2".into())]);
        assert_eq!(end, None);
    }

    #[test]
    fn white_space_at_the_end_without_a_delimiter_is_reported() {
        let (_, end) = collect("v=X; a=1  ").unwrap();
        assert_eq!(end, Some(Span::new(8, 10)));
        assert_eq!(collect("v=X; a=1;  ").unwrap().1, None);
    }

    #[test]
    fn two_delimiters_in_a_row_are_an_error_with_their_offset() {
        assert_eq!(collect("v=X; a=1;;"), Err(LexError::EmptyField(9)));
        assert_eq!(collect("v=X; a"), Err(LexError::MissingEquals(5)));
        assert_eq!(collect("v=X; =a"), Err(LexError::EmptyName(5)));
        assert_eq!(collect("v=XY; a=1"), Err(LexError::BadVersion));
    }

    #[test]
    fn extension_names_and_values_follow_the_abnf() {
        assert!(is_extension_name("a.b_c-d"));
        assert!(!is_extension_name("_bad"));
        assert!(!is_extension_name(&"a".repeat(33)));
        assert!(is_extension_value("x:y/z"));
        assert!(!is_extension_value("a=b"));
        assert!(!is_extension_value("a b"));
        assert!(!is_extension_value(""));
    }
}
