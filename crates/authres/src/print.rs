//! Writing Authentication-Results values, plain or folded.
//!
//! The writer produces the RFC 8601 §2.2 grammar with single spaces between
//! parts, quoting a value that is not a token or address and escaping
//! quoted strings and comments (RFC 5322 §3.2). It writes through a
//! [`Sink`] that is told where white space may be folded, so the same code
//! gives the one-line [`Display`](std::fmt::Display) form and the folded
//! form that keeps lines within 78 characters (RFC 5322 §2.1.1). A fold is
//! a line break inserted before a space the value already has; unfolding
//! (RFC 5322 §2.2.3) removes it again, inside quoted strings and comments
//! too, so the folded value means exactly what the plain one does.

use std::fmt::{self, Write};

use crate::syntax::{is_address, is_name_byte, is_token, is_token_byte};
use crate::{AuthenticationResults, Property, ResultInfo};

/// The longest line a folded field should have, line end excluded (RFC 5322
/// §2.1.1).
const LINE_WIDTH: usize = 78;

/// Where written text goes.
pub(crate) trait Sink {
    /// Writes text that must not be broken.
    fn text(&mut self, text: &str) -> fmt::Result;

    /// Writes one white space character where the value may be folded.
    fn space(&mut self, space: char) -> fmt::Result;
}

/// A sink that writes everything on one line.
pub(crate) struct PlainSink<'w, W: Write>(pub(crate) &'w mut W);

impl<W: Write> Sink for PlainSink<'_, W> {
    fn text(&mut self, text: &str) -> fmt::Result {
        self.0.write_str(text)
    }

    fn space(&mut self, space: char) -> fmt::Result {
        self.0.write_char(space)
    }
}

/// The value of `header` folded after a field name taking `start_column`
/// characters, starting with a space.
pub(crate) fn fold(header: &AuthenticationResults<'_>, start_column: usize) -> String {
    let mut folder = Folder {
        folded: String::new(),
        column: start_column,
        pending: String::new(),
        pending_width: 0,
    };

    // Writing to a String cannot fail.
    let _ = folder.space(' ');
    let _ = write_header(header, &mut folder);
    folder.flush();
    folder.folded
}

/// A sink that folds greedily: it holds the text since the last run of white
/// space and breaks the line before that run when the text would pass the
/// width.
struct Folder {
    folded: String,
    column: usize,
    pending: String,
    pending_width: usize,
}

impl Folder {
    /// Writes the held text, on a new line if it does not fit on this one.
    fn flush(&mut self) {
        let starts_with_space = self.pending.starts_with([' ', '\t']);

        if starts_with_space && self.column + self.pending_width > LINE_WIDTH {
            self.folded.push_str("\r\n");
            self.column = 0;
        }

        self.folded.push_str(&self.pending);
        self.column += self.pending_width;
        self.pending.clear();
        self.pending_width = 0;
    }
}

impl Sink for Folder {
    fn text(&mut self, text: &str) -> fmt::Result {
        self.pending.push_str(text);
        self.pending_width += text.chars().count();
        Ok(())
    }

    fn space(&mut self, space: char) -> fmt::Result {
        // A run of white space folds only before its first character, so
        // no line is left holding white space alone.
        if !self.pending.trim_start_matches([' ', '\t']).is_empty() {
            self.flush();
        }

        self.pending.push(space);
        self.pending_width += 1;
        Ok(())
    }
}

/// `[ "i=" instance ";" ] authserv-id [ version ] ( no-result / 1*resinfo )`.
pub(crate) fn write_header(
    header: &AuthenticationResults<'_>,
    sink: &mut impl Sink,
) -> fmt::Result {
    let mut started = false;

    if let Some(instance) = header.instance {
        sink.text(&format!("i={instance};"))?;
        started = true;
    }

    if let Some(id) = &header.authserv_id {
        separate(sink, &mut started)?;
        write_value(id, Place::AuthservId, sink)?;

        if let Some(version) = header.version {
            sink.space(' ')?;
            sink.text(&version.to_string())?;
        }
    }

    for comment in &header.comments {
        separate(sink, &mut started)?;
        write_comment(comment, sink)?;
    }

    if header.results.is_empty() {
        sink.text(";")?;
        sink.space(' ')?;
        return sink.text("none");
    }

    for (number, result) in header.results.iter().enumerate() {
        // With no authserv-id the first result starts the value.
        if number > 0 || header.authserv_id.is_some() {
            sink.text(";")?;
        }

        separate(sink, &mut started)?;
        write_resinfo(result, sink)?;
    }

    Ok(())
}

/// `method [ "/" version ] "=" result`, then comments, reason and properties.
pub(crate) fn write_resinfo(result: &ResultInfo<'_>, sink: &mut impl Sink) -> fmt::Result {
    write_name(result.method.as_str(), is_name_byte, sink)?;

    if let Some(version) = result.method_version {
        sink.text(&format!("/{version}"))?;
    }

    sink.text("=")?;
    write_name(result.result.as_str(), is_token_byte, sink)?;

    for comment in &result.comments {
        sink.space(' ')?;
        write_comment(comment, sink)?;
    }

    if let Some(reason) = &result.reason {
        sink.space(' ')?;
        sink.text("reason=")?;
        write_value(reason, Place::Reason, sink)?;
    }

    for property in &result.properties {
        sink.space(' ')?;
        write_property(property, sink)?;
    }

    Ok(())
}

/// `ptype "." property "=" pvalue`, then comments.
pub(crate) fn write_property(property: &Property<'_>, sink: &mut impl Sink) -> fmt::Result {
    match &property.ptype {
        Some(ptype) => {
            write_name(ptype.as_str(), is_name_byte, sink)?;
            sink.text(".")?;
            write_name(&property.property, is_token_byte, sink)?;
        }
        None => write_name(&property.property, is_name_byte, sink)?,
    }

    sink.text("=")?;
    write_value(&property.value, Place::PropertyValue, sink)?;

    for comment in &property.comments {
        sink.space(' ')?;
        write_comment(comment, sink)?;
    }

    Ok(())
}

/// Where a value is written, which decides the forms it may take.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    AuthservId,
    Reason,
    PropertyValue,
}

/// A value as a token, an address (in a property value) or a quoted string.
fn write_value(value: &str, place: Place, sink: &mut impl Sink) -> fmt::Result {
    let bare = is_token(value) || place == Place::PropertyValue && is_address(value);
    if bare {
        return sink.text(value);
    }

    sink.text("\"")?;
    write_escaped(value, |character| matches!(character, '"' | '\\'), sink)?;
    sink.text("\"")
}

/// A comment, escaping backslashes, and parentheses unless they balance.
fn write_comment(comment: &str, sink: &mut impl Sink) -> fmt::Result {
    let balanced = parentheses_balance(comment);

    sink.text("(")?;
    write_escaped(
        comment,
        |character| character == '\\' || !balanced && matches!(character, '(' | ')'),
        sink,
    )?;
    sink.text(")")
}

/// Writes `text` with a backslash before each character `escaped` names,
/// each space or tab as a place to fold, and each line break or NUL, which
/// no quoted string or comment can hold, as a space.
fn write_escaped(text: &str, escaped: impl Fn(char) -> bool, sink: &mut impl Sink) -> fmt::Result {
    let mut run_start = 0;

    for (index, character) in text.char_indices() {
        let special = matches!(character, ' ' | '\t' | '\r' | '\n' | '\0') || escaped(character);
        if !special {
            continue;
        }

        sink.text(&text[run_start..index])?;
        run_start = index + character.len_utf8();

        match character {
            ' ' | '\t' => sink.space(character)?,
            '\r' | '\n' | '\0' => sink.space(' ')?,
            _ => {
                sink.text("\\")?;
                sink.text(character.encode_utf8(&mut [0; 4]))?;
            }
        }
    }

    sink.text(&text[run_start..])
}

/// A method, result, property type or property name, with each character
/// its place cannot hold written as `_` so it cannot break the structure.
fn write_name(name: &str, class: fn(u8) -> bool, sink: &mut impl Sink) -> fmt::Result {
    if !name.is_empty() && name.bytes().all(class) {
        return sink.text(name);
    }

    let safe: String = name
        .chars()
        .map(|character| {
            let fits = !character.is_ascii() || class(character as u8);
            if fits { character } else { '_' }
        })
        .collect();

    sink.text(if safe.is_empty() { "_" } else { &safe })
}

/// Writes a space after what came before, if anything did.
fn separate(sink: &mut impl Sink, started: &mut bool) -> fmt::Result {
    if *started {
        sink.space(' ')?;
    }

    *started = true;
    Ok(())
}

/// Whether every `(` in `text` is closed by a later `)` and no `)` comes
/// before its `(`, so the text can stand in a comment unescaped.
fn parentheses_balance(text: &str) -> bool {
    let mut depth = 0_usize;

    for byte in text.bytes() {
        match byte {
            b'(' => depth += 1,
            b')' if depth == 0 => return false,
            b')' => depth -= 1,
            _ => {}
        }
    }

    depth == 0
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::{Method, PropertyType, ResultValue};

    fn plain(header: &AuthenticationResults<'_>) -> String {
        header.to_string()
    }

    #[test]
    fn empty_results_are_written_as_none() {
        let header = AuthenticationResults::new("example.org");

        assert_eq!(plain(&header), "example.org; none");
    }

    #[test]
    fn values_that_are_not_tokens_are_quoted_and_escaped() {
        let result = ResultInfo::new(Method::Dkim, ResultValue::Fail)
            .with_reason("bad \"sig\" \\ key")
            .with_property(Property::new(PropertyType::Header, "b", "ab/cd"))
            .with_property(Property::new(PropertyType::Header, "i", "@example.com"));

        assert_eq!(
            result.to_string(),
            r#"dkim=fail reason="bad \"sig\" \\ key" header.b="ab/cd" header.i=@example.com"#
        );
    }

    #[test]
    fn comments_escape_parentheses_only_when_unbalanced() {
        let result = ResultInfo::new(Method::Spf, ResultValue::Pass)
            .with_comment("a (nested) one")
            .with_comment("a ) stray");

        assert_eq!(
            result.to_string(),
            r"spf=pass (a (nested) one) (a \) stray)"
        );
    }

    #[test]
    fn line_breaks_in_text_become_spaces() {
        let value = "x\r\nAuthentication-Results: ourcompany.com; dkim=pass";
        let header = AuthenticationResults::new("mx.example.com").with_result(
            ResultInfo::new(Method::Spf, ResultValue::Pass).with_property(Property::new(
                PropertyType::Smtp,
                "mailfrom",
                value,
            )),
        );
        let printed = plain(&header);

        assert!(!printed.contains(['\r', '\n']));
        assert!(
            printed.ends_with(
                "smtp.mailfrom=\"x  Authentication-Results: ourcompany.com; dkim=pass\""
            )
        );
    }

    #[test]
    fn names_with_characters_their_place_cannot_hold_are_neutralised() {
        let result = ResultInfo::new(
            Method::Other(Cow::Borrowed("dkim=pass; spf")),
            ResultValue::Other(Cow::Borrowed("")),
        );

        assert_eq!(result.to_string(), "dkim_pass__spf=_");
    }

    #[test]
    fn folding_breaks_before_spaces_and_keeps_lines_short() {
        let long = "word ".repeat(30);
        let header = AuthenticationResults::new("mx.example.com").with_result(
            ResultInfo::new(Method::Dkim, ResultValue::Pass).with_comment(long.trim_end()),
        );
        let field = header.to_field();

        assert!(
            field
                .lines()
                .all(|line| line.trim_end_matches('\r').len() <= LINE_WIDTH)
        );
        assert!(field.lines().skip(1).all(|line| line.starts_with(' ')));
        assert_eq!(
            field.replace("\r\n", ""),
            format!("Authentication-Results: {header}")
        );
    }

    #[test]
    fn a_word_longer_than_a_line_is_not_broken() {
        let id = "a".repeat(100);
        let field = AuthenticationResults::new(id.as_str()).to_field();

        assert_eq!(
            field,
            format!("Authentication-Results:\r\n {id};\r\n none\r\n")
        );
    }

    #[test]
    fn instance_comes_first_in_arc_values() {
        let header = AuthenticationResults::new("mx.example.com").with_instance(2);

        assert_eq!(plain(&header), "i=2; mx.example.com; none");
        assert!(
            header
                .to_field()
                .starts_with("ARC-Authentication-Results: i=2;")
        );
    }
}
