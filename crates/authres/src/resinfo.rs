//! One `resinfo` of an Authentication-Results value: the method and result,
//! the reason, and the properties with their values ([RFC 8601 §2.2]).
//!
//! ```text
//! resinfo    = [CFWS] ";" methodspec [ CFWS reasonspec ] [ CFWS 1*propspec ]
//! methodspec = [CFWS] method [CFWS] "=" [CFWS] result
//! reasonspec = "reason" [CFWS] "=" [CFWS] value
//! propspec   = ptype [CFWS] "." [CFWS] property [CFWS] "=" pvalue
//! pvalue     = [CFWS] ( value / [ [ local-part ] "@" ] domain-name ) [CFWS]
//! ```
//!
//! Most real results are written without comments between their parts, as
//! `dkim=pass header.d=example.com`; each part has a fast path for that
//! form, read in one pass, and falls back to the general reader for
//! anything else, so both give the same value.
//!
//! [RFC 8601 §2.2]: https://www.rfc-editor.org/rfc/rfc8601#section-2.2

use std::borrow::Cow;

use crate::lex::Cursor;
use crate::parse::{Next, byte_after_cfws};
use crate::syntax::{
    KEYWORD, NAME, RUN, TOKEN, is, is_address, is_domain_name, is_keyword, is_token,
};
use crate::{
    Comments, DeviationKind, Expected, Method, ParseError, Property, PropertyType, ResultInfo,
    ResultValue, Results,
};

/// One `resinfo` after its `;`: `methodspec [ CFWS reasonspec ] [ CFWS
/// 1*propspec ]`, added to `results` unless lenient parsing skipped it.
/// Returns where the next one starts.
pub(crate) fn resinfo<'a>(
    cursor: &mut Cursor<'a>,
    results: &mut Results<'a>,
    comments: Comments<'a>,
    section_start: usize,
) -> Result<Next, ParseError> {
    // Filled in where it stands: a result is too large to move around.
    let start = cursor.position();
    let info = results.push_empty();
    info.comments = comments;

    if !methodspec(cursor, info, section_start)? {
        results.pop();
        return Ok(Next::Semicolon);
    }

    let next = properties(cursor, info)?;
    info.span = cursor.span(start, cursor.trimmed_end(start));
    Ok(next)
}

/// `methodspec = [CFWS] method [CFWS] "=" [CFWS] result` into `info`, the
/// comments before it given; `false` when lenient parsing skipped the
/// result.
fn methodspec<'a>(
    cursor: &mut Cursor<'a>,
    info: &mut ResultInfo<'a>,
    section_start: usize,
) -> Result<bool, ParseError> {
    if plain_methodspec(cursor, info) {
        return Ok(true);
    }

    let start = cursor.position();
    let Some(method) = cursor.word(NAME) else {
        cursor.skip_or_expect(section_start, Expected::Method)?;
        return Ok(false);
    };

    if !is_keyword(method) {
        cursor.deviate(DeviationKind::InvalidKeyword, start, cursor.position())?;
    }

    info.method = Method::new(method);
    cursor.cfws(&mut info.comments)?;

    if cursor.eat(b'/') {
        cursor.cfws(&mut info.comments)?;
        let Some(version) = cursor.number()? else {
            cursor.skip_or_expect(section_start, Expected::Version)?;
            return Ok(false);
        };

        info.method_version = Some(version);
        cursor.cfws(&mut info.comments)?;
    }

    if !cursor.eat(b'=') {
        cursor.skip_or_expect(section_start, Expected::Equals)?;
        return Ok(false);
    }

    cursor.cfws(&mut info.comments)?;
    let result_start = cursor.position();
    let Some(result) = cursor.word(TOKEN) else {
        cursor.skip_or_expect(section_start, Expected::Result)?;
        return Ok(false);
    };

    info.result = ResultValue::new(result);
    check_result(cursor, info, result_start)?;
    Ok(true)
}

/// The common form of a methodspec, `keyword=keyword` with a registered
/// result and nothing between the parts, read in one pass into `info`;
/// `false`, with nothing read, for anything else, which [`methodspec`]
/// then reads.
fn plain_methodspec<'a>(cursor: &mut Cursor<'a>, info: &mut ResultInfo<'a>) -> bool {
    let method_length = cursor.run_length_at(0, KEYWORD);
    if method_length == 0 || cursor.peek_at(method_length) != Some(b'=') {
        return false;
    }

    let result_length = cursor.run_length_at(method_length + 1, KEYWORD);
    let after = cursor.peek_at(method_length + 1 + result_length);
    if result_length == 0 || after.is_some_and(|byte| is(byte, TOKEN) || byte == b'/') {
        return false;
    }

    let start = cursor.position();
    let method = Method::new(cursor.take(method_length));
    cursor.take(1);
    let result = ResultValue::new(cursor.take(result_length));

    let keywords = !method.as_str().ends_with('-') && !result.as_str().ends_with('-');
    if !(keywords && is_registered_result(&method, &result)) {
        cursor.rewind(start);
        return false;
    }

    info.method = method;
    info.result = result;
    true
}

/// Reports a result word not registered for its method (RFC 8601 §2.7).
fn check_result(
    cursor: &mut Cursor<'_>,
    info: &ResultInfo<'_>,
    start: usize,
) -> Result<(), ParseError> {
    let end = cursor.position();
    let deprecated = info.result == ResultValue::HardFail
        && matches!(info.method, Method::Spf | Method::SenderId);

    if deprecated {
        cursor.deviate(DeviationKind::DeprecatedResult, start, end)
    } else if !is_registered_result(&info.method, &info.result) {
        cursor.deviate(DeviationKind::UnregisteredResult, start, end)
    } else {
        Ok(())
    }
}

/// Whether `result` is registered for `method`, or is a keyword when the
/// method is not registered.
fn is_registered_result(method: &Method<'_>, result: &ResultValue<'_>) -> bool {
    // No registered list holds `Other`, so the variant alone decides.
    let variant = std::mem::discriminant(result);

    match method.registered_results() {
        Some(results) => results
            .iter()
            .any(|registered| std::mem::discriminant(registered) == variant),
        None => is_keyword(result.as_str()),
    }
}

/// `[ CFWS reasonspec ] [ CFWS 1*propspec ]`, up to the next `;` or the
/// next result when the `;` before it is missing.
fn properties<'a>(cursor: &mut Cursor<'a>, info: &mut ResultInfo<'a>) -> Result<Next, ParseError> {
    loop {
        let comments = match info.properties.last_mut() {
            Some(property) => &mut property.comments,
            None => &mut info.comments,
        };
        let spaced = cursor.cfws(comments)?;
        if cursor.at_separator() {
            return Ok(Next::Semicolon);
        }

        let start = cursor.position();
        if !spaced {
            cursor.deviate(DeviationKind::MissingSpace, start, start)?;
        } else if plain_property(cursor, info) {
            continue;
        }

        let name_length = cursor.word_length(NAME);
        let name = &cursor.rest()[..name_length];
        let after_name = byte_after_cfws(&cursor.rest()[name_length..]);

        match after_name {
            _ if name.is_empty() => {}
            Some(b'.') => {
                property(cursor, info, true)?;
                continue;
            }
            Some(b'=') if name.eq_ignore_ascii_case("reason") && info.reason.is_none() => {
                reason(cursor, info)?;
                continue;
            }
            Some(b'=' | b'/') if Method::new(name).is_registered() => {
                cursor.deviate(DeviationKind::MissingSemicolon, start, start)?;
                return Ok(Next::Resinfo);
            }
            Some(b'=') => {
                property(cursor, info, false)?;
                continue;
            }
            _ => {}
        }

        cursor.skip_or_expect(start, Expected::Property)?;
        return Ok(Next::Semicolon);
    }
}

/// The common form of a property, `keyword.keyword=token` or
/// `keyword.keyword=address` with nothing between the parts and white
/// space, `;`, a comment or the end after it, read in one pass. Leaves the
/// cursor alone and returns `false` for anything else, which
/// [`property`] then reads.
fn plain_property<'a>(cursor: &mut Cursor<'a>, info: &mut ResultInfo<'a>) -> bool {
    let ptype_length = cursor.run_length_at(0, KEYWORD);
    if ptype_length == 0 || cursor.peek_at(ptype_length) != Some(b'.') {
        return false;
    }

    let name_start = ptype_length + 1;
    let name_length = cursor.run_length_at(name_start, KEYWORD);
    let value_start = name_start + name_length;
    if name_length == 0 || cursor.peek_at(value_start) != Some(b'=') {
        return false;
    }

    let (value_length, value_classes) = cursor.run_and_classes_at(value_start + 1, RUN);
    let after = cursor.peek_at(value_start + 1 + value_length);
    if value_length == 0
        || !matches!(
            after,
            None | Some(b' ' | b'\t' | b';' | b'(' | b'\r' | b'\n')
        )
    {
        return false;
    }

    let start = cursor.position();
    let ptype = cursor.take(ptype_length);
    let dot_and_name = cursor.take(1 + name_length);
    let name = &dot_and_name[1..];
    cursor.take(1);
    let value = cursor.take(value_length);

    // A non-empty run whose bytes are all token bytes is a token.
    let names_are_keywords = !ptype.ends_with('-') && !name.ends_with('-');
    let token = value_classes & TOKEN != 0;
    if !(names_are_keywords && (token || is_address(value))) {
        cursor.rewind(start);
        return false;
    }

    let span = cursor.span(start, cursor.position());
    let property = info.properties.push_empty();
    property.ptype = Some(PropertyType::new(ptype));
    property.property = Cow::Borrowed(name);
    property.value = Cow::Borrowed(value);
    property.span = span;
    true
}

/// `reasonspec = "reason" [CFWS] "=" [CFWS] value`.
fn reason<'a>(cursor: &mut Cursor<'a>, info: &mut ResultInfo<'a>) -> Result<(), ParseError> {
    let start = cursor.position();
    cursor.word(NAME);
    cursor.cfws(&mut info.comments)?;
    cursor.eat(b'=');
    cursor.cfws(&mut info.comments)?;

    let reason = value(cursor, false)?;
    if !info.properties.is_empty() {
        cursor.deviate(
            DeviationKind::ReasonAfterProperties,
            start,
            cursor.position(),
        )?;
    }

    info.reason = Some(reason);
    Ok(())
}

/// `propspec = ptype [CFWS] "." [CFWS] property [CFWS] "=" pvalue`, or
/// in lenient mode `property "=" pvalue` without a type when `typed` is
/// false.
fn property<'a>(
    cursor: &mut Cursor<'a>,
    info: &mut ResultInfo<'a>,
    typed: bool,
) -> Result<(), ParseError> {
    let start = cursor.position();
    let mut property = Property {
        ptype: None,
        property: Cow::Borrowed(""),
        value: Cow::Borrowed(""),
        comments: Comments::new(),
        span: cursor.span(start, start),
    };

    if typed {
        let ptype = cursor.word(NAME).unwrap_or_default();
        if !is_keyword(ptype) {
            cursor.deviate(DeviationKind::InvalidKeyword, start, cursor.position())?;
        }

        property.ptype = Some(PropertyType::new(ptype));
        cursor.cfws(&mut property.comments)?;
        cursor.eat(b'.');
        cursor.cfws(&mut property.comments)?;
    }

    let name_start = cursor.position();
    let name_class = if typed { TOKEN } else { NAME };
    let Some(name) = cursor.word(name_class) else {
        return cursor.skip_or_expect(start, Expected::Property);
    };
    if !is_keyword(name) {
        cursor.deviate(DeviationKind::InvalidKeyword, name_start, cursor.position())?;
    }

    property.property = Cow::Borrowed(name);
    cursor.cfws(&mut property.comments)?;
    if !cursor.eat(b'=') {
        return cursor.skip_or_expect(start, Expected::Equals);
    }

    cursor.cfws(&mut property.comments)?;
    property.value = value(cursor, true)?;
    // An empty value leaves white space read; the span stops before it.
    property.span = cursor.span(start, cursor.trimmed_end(start));

    if !typed {
        cursor.deviate(DeviationKind::PropertyWithoutType, start, cursor.position())?;
    }

    info.properties.push(property);
    Ok(())
}

/// A `value` (RFC 2045 token or quoted string), or with `address` also
/// `[ [ local-part ] "@" ] domain-name` as a `pvalue` allows. Lenient mode
/// reads other text up to the next space, `;` or comment as the value.
fn value<'a>(cursor: &mut Cursor<'a>, address: bool) -> Result<Cow<'a, str>, ParseError> {
    let start = cursor.position();

    if cursor.peek() == Some(b'"') {
        let text = cursor.quoted_string()?;
        if !(address && cursor.eat(b'@')) {
            return Ok(text);
        }

        // A quoted local part: the address is kept as written.
        let domain = cursor.value_run(true);
        if !is_domain_name(domain) {
            cursor.deviate(DeviationKind::InvalidValue, start, cursor.position())?;
        }

        // Unfolded (RFC 5322 §2.2.3), or the value would hold line breaks.
        let address = cursor.slice(start);
        if address.contains('\n') {
            return Ok(Cow::Owned(address.replace("\r\n", "").replace('\n', "")));
        }
        return Ok(Cow::Borrowed(address));
    }

    let run = cursor.value_run(true);
    if run.is_empty() {
        cursor.deviate(DeviationKind::EmptyValue, start, start)?;
    } else if !(is_token(run) || address && is_address(run)) {
        cursor.deviate(DeviationKind::InvalidValue, start, cursor.position())?;
    }

    Ok(Cow::Borrowed(run))
}

#[cfg(test)]
mod tests {
    use crate::AuthenticationResults;

    #[test]
    fn empty_value_span_stops_before_the_white_space_after_it() {
        let value = "mx.example.net; dmarc=pass action= ";
        let header = AuthenticationResults::parse(value).unwrap();
        let result = &header.results[0];

        assert_eq!(&value[result.properties[0].span.range()], "action=");
        assert!(result.span.contains(result.properties[0].span));
    }

    #[test]
    fn folded_quoted_local_part_is_unfolded_in_the_value() {
        let header = AuthenticationResults::parse(
            "mx.example.net; auth=pass smtp.auth=\"a\r\n b\"@example.org",
        )
        .unwrap();

        assert_eq!(
            header.results[0].property("smtp", "auth"),
            Some("\"a b\"@example.org")
        );
    }

    #[test]
    fn plain_and_general_paths_read_the_same_property() {
        let plain = AuthenticationResults::parse("a.example; spf=pass smtp.mailfrom=x@example.org");
        let general =
            AuthenticationResults::parse("a.example; spf = pass smtp . mailfrom = x@example.org");

        assert_eq!(plain, general);
        assert_eq!(plain.unwrap().results[0].properties[0].span.range(), 20..47);
    }
}
