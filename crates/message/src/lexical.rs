//! The lexical tokens of header values, shared by the field parsers.
//!
//! These are the rules of
//! [RFC 5322 §3.2](https://www.rfc-editor.org/rfc/rfc5322#section-3.2):
//! folding white space and comments (§3.2.2), atoms (§3.2.3) and quoted
//! strings (§3.2.4), with the UTF-8 text of
//! [RFC 6532 §3.2](https://www.rfc-editor.org/rfc/rfc6532#section-3.2) and the
//! obsolete folding of RFC 5322 §4.2.
//!
//! Each parser is a plain function with the signature nom expects, input
//! first and the rest returned: `fn(&str) -> nom::IResult<&str, T>`. Hand
//! written parsers call them directly; nom combinators take them as they are.
//! A parser that does not find its token returns [`nom::Err::Error`]; a
//! comment or quoted string that is opened but never closed is a
//! [`nom::Err::Failure`] whose input starts at the unclosed delimiter.
//!
//! A line break counts as folding when a CRLF or a bare LF is followed by
//! white space, so the parsers run directly on a raw field value
//! ([`FieldValue::raw_str`](crate::FieldValue::raw_str)) and every slice they
//! return still points into the message. The offset of a position is
//! `whole.len() - rest.len()`, or [`nom::Offset::offset`].
//!
//! ```
//! use nom::Parser;
//! use nom::sequence::preceded;
//! use mailtrail_message::lexical::{cfws, dot_atom_text};
//!
//! let value = " (relay)\r\n\tmx.example.net; rest";
//! let (rest, host) = preceded(cfws, dot_atom_text).parse(value)?;
//!
//! assert_eq!(host, "mx.example.net");
//! assert_eq!(rest, "; rest");
//! assert_eq!(value.len() - rest.len(), 25);
//! # Ok::<(), nom::Err<nom::error::Error<&str>>>(())
//! ```
//!
//! The parsers are lenient inside comments and quoted strings: any character
//! other than the delimiters and the backslash counts as content, where the
//! RFC would exclude most control characters.

use std::borrow::Cow;

use nom::IResult;
use nom::error::{Error, ErrorKind};

/// `FWS`, folding white space (RFC 5322 §3.2.2), with `obs-FWS` (§4.2).
///
/// Matches white space that may span lines, each line break (CRLF or bare LF)
/// followed by at least one space or tab. Returns the matched text, line
/// breaks included. Fails when the input does not start with white space or
/// a folded line break.
///
/// ```
/// use mailtrail_message::lexical::fws;
///
/// assert_eq!(fws(" \r\n\tnext"), Ok(("next", " \r\n\t")));
/// assert_eq!(fws("\n by"), Ok(("by", "\n ")));
/// assert!(fws("\r\nBody").is_err());
/// ```
pub fn fws(input: &str) -> IResult<&str, &str> {
    let rest = skip_fws(input);

    if rest.len() == input.len() {
        return Err(error(input, ErrorKind::Space));
    }

    Ok((rest, consumed(input, rest)))
}

/// `comment` (RFC 5322 §3.2.2): text in parentheses, with nested comments
/// and quoted-pairs.
///
/// Returns the text between the outer parentheses as written, nested
/// comments, backslashes and folding included; [`unescape`] gives its meaning.
/// Nesting is counted, not recursed into, so no depth of parentheses can
/// exhaust the stack.
///
/// ```
/// use mailtrail_message::lexical::comment;
///
/// let (rest, text) = comment("(sender IP is 198.51.100.24) smtp.mailfrom=x").unwrap();
/// assert_eq!(text, "sender IP is 198.51.100.24");
/// assert_eq!(rest, " smtp.mailfrom=x");
///
/// assert_eq!(comment(r"(a (nested \) one) b)"), Ok(("", r"a (nested \) one) b")));
///
/// let unclosed = "x=1 (never closed";
/// let Err(nom::Err::Failure(failure)) = comment(&unclosed[4..]) else { panic!() };
/// assert_eq!(unclosed.len() - failure.input.len(), 4);
/// ```
pub fn comment(input: &str) -> IResult<&str, &str> {
    if !input.starts_with('(') {
        return Err(error(input, ErrorKind::Char));
    }

    let mut depth = 0_usize;
    let mut bytes = input.bytes().enumerate();

    while let Some((position, byte)) = bytes.next() {
        match byte {
            b'(' => depth += 1,
            b')' if depth == 1 => return Ok((&input[position + 1..], &input[1..position])),
            b')' => depth -= 1,
            b'\\' => {
                bytes.next();
            }
            _ => {}
        }
    }

    Err(failure(input, ErrorKind::Char))
}

/// `CFWS`, comments and folding white space (RFC 5322 §3.2.2).
///
/// Returns the matched text. Fails when there is neither white space nor a
/// comment at the start; see [`opt_cfws`] for the optional `[CFWS]`.
///
/// ```
/// use mailtrail_message::lexical::cfws;
///
/// assert_eq!(cfws(" (one) (two)\r\n example"), Ok(("example", " (one) (two)\r\n ")));
/// assert!(cfws("example").is_err());
/// ```
pub fn cfws(input: &str) -> IResult<&str, &str> {
    let (rest, matched) = opt_cfws(input)?;

    if matched.is_empty() {
        return Err(error(input, ErrorKind::Space));
    }

    Ok((rest, matched))
}

/// `[CFWS]`, optional comments and folding white space (RFC 5322 §3.2.2).
///
/// Like [`cfws`] but matches nothing rather than failing. It still fails on
/// an unclosed comment.
///
/// ```
/// use mailtrail_message::lexical::opt_cfws;
///
/// assert_eq!(opt_cfws("(note) id"), Ok(("id", "(note) ")));
/// assert_eq!(opt_cfws("id"), Ok(("id", "")));
/// ```
pub fn opt_cfws(input: &str) -> IResult<&str, &str> {
    walk_cfws(input, |_| {})
}

/// `[CFWS]`, returning the text of each comment in order.
///
/// Authentication-Results keeps its comments, for example
/// `(sender IP is 198.51.100.24)`: this is how to collect them. Nested
/// comments stay inside the text of the comment around them.
///
/// ```
/// use mailtrail_message::lexical::cfws_comments;
///
/// let value = " (signature was verified) (a (b))\n\theader.d=x";
/// let (rest, comments) = cfws_comments(value).unwrap();
///
/// assert_eq!(comments, ["signature was verified", "a (b)"]);
/// assert_eq!(rest, "header.d=x");
/// ```
pub fn cfws_comments(input: &str) -> IResult<&str, Vec<&str>> {
    let mut comments = Vec::new();
    let (rest, _) = walk_cfws(input, |text| comments.push(text))?;

    Ok((rest, comments))
}

/// `atom` (RFC 5322 §3.2.3): `[CFWS] 1*atext [CFWS]`.
///
/// Returns the atext run; the comments around it are skipped. Use
/// [`atom_text`] to keep them.
///
/// ```
/// use mailtrail_message::lexical::atom;
///
/// assert_eq!(atom(" ESMTPS (TLS) id"), Ok(("id", "ESMTPS")));
/// ```
pub fn atom(input: &str) -> IResult<&str, &str> {
    surrounded_by_cfws(input, atom_text)
}

/// `1*atext`, an atom without the `[CFWS]` around it (RFC 5322 §3.2.3).
///
/// `atext` includes the non-ASCII characters of RFC 6532 §3.2.
///
/// ```
/// use mailtrail_message::lexical::atom_text;
///
/// assert_eq!(atom_text("header.d=x"), Ok((".d=x", "header")));
/// assert_eq!(atom_text("café;"), Ok((";", "café")));
/// assert!(atom_text(" dkim").is_err());
/// ```
pub fn atom_text(input: &str) -> IResult<&str, &str> {
    let length = atext_length(input);

    if length == 0 {
        return Err(error(input, ErrorKind::TakeWhile1));
    }

    Ok((&input[length..], &input[..length]))
}

/// `dot-atom` (RFC 5322 §3.2.3): `[CFWS] dot-atom-text [CFWS]`.
///
/// ```
/// use mailtrail_message::lexical::dot_atom;
///
/// assert_eq!(dot_atom(" mx1.example.com (Postfix)\r\n with"), Ok(("with", "mx1.example.com")));
/// ```
pub fn dot_atom(input: &str) -> IResult<&str, &str> {
    surrounded_by_cfws(input, dot_atom_text)
}

/// `dot-atom-text` (RFC 5322 §3.2.3): atext runs joined by single dots.
///
/// A dot that is not followed by atext is not part of the token and stays in
/// the rest, so a trailing dot or a double dot ends it.
///
/// ```
/// use mailtrail_message::lexical::dot_atom_text;
///
/// assert_eq!(dot_atom_text("mail.example.org."), Ok((".", "mail.example.org")));
/// assert_eq!(dot_atom_text("a..b"), Ok(("..b", "a")));
/// assert!(dot_atom_text(".a").is_err());
/// ```
pub fn dot_atom_text(input: &str) -> IResult<&str, &str> {
    let (_, first) = atom_text(input)?;
    let mut length = first.len();

    while input[length..].starts_with('.') {
        let run = atext_length(&input[length + 1..]);
        if run == 0 {
            break;
        }

        length += 1 + run;
    }

    Ok((&input[length..], &input[..length]))
}

/// `quoted-string` (RFC 5322 §3.2.4): `[CFWS] DQUOTE *([FWS] qcontent)
/// [FWS] DQUOTE [CFWS]`.
///
/// Returns the text between the quotes as written; [`unescape`] gives its
/// meaning. The comments around it are skipped; use [`quoted_string_text`]
/// to keep them.
///
/// ```
/// use mailtrail_message::lexical::{quoted_string, unescape};
///
/// let (rest, text) = quoted_string(r#" "Jane \"JD\" Doe" <jd@example.com>"#).unwrap();
/// assert_eq!(text, r#"Jane \"JD\" Doe"#);
/// assert_eq!(unescape(text), r#"Jane "JD" Doe"#);
/// assert_eq!(rest, "<jd@example.com>");
/// ```
pub fn quoted_string(input: &str) -> IResult<&str, &str> {
    surrounded_by_cfws(input, quoted_string_text)
}

/// A `quoted-string` without the `[CFWS]` around it (RFC 5322 §3.2.4):
/// `DQUOTE *([FWS] qcontent) [FWS] DQUOTE`, with quoted-pairs.
///
/// Returns the text between the quotes as written. An opening quote that is
/// never closed is a [`nom::Err::Failure`] at that quote.
///
/// ```
/// use mailtrail_message::lexical::quoted_string_text;
///
/// assert_eq!(quoted_string_text(r#""a\"b" (c)"#), Ok((" (c)", r#"a\"b"#)));
/// assert!(matches!(quoted_string_text("\"open"), Err(nom::Err::Failure(_))));
/// ```
pub fn quoted_string_text(input: &str) -> IResult<&str, &str> {
    if !input.starts_with('"') {
        return Err(error(input, ErrorKind::Char));
    }

    let mut bytes = input.bytes().enumerate().skip(1);

    while let Some((position, byte)) = bytes.next() {
        match byte {
            b'"' => return Ok((&input[position + 1..], &input[1..position])),
            b'\\' => {
                bytes.next();
            }
            _ => {}
        }
    }

    Err(failure(input, ErrorKind::Char))
}

/// The meaning of the text of a quoted string or comment: each quoted-pair
/// replaced by the character it quotes (RFC 5322 §3.2.1), and the line
/// breaks of folding removed (§3.2.4). Borrowed when there is nothing to
/// change.
///
/// ```
/// use mailtrail_message::lexical::unescape;
///
/// assert_eq!(unescape(r"a \(b\) \\ c"), r"a (b) \ c");
/// assert_eq!(unescape("folded\r\n text"), "folded text");
/// ```
pub fn unescape(text: &str) -> Cow<'_, str> {
    if !text.contains(['\\', '\r', '\n']) {
        return Cow::Borrowed(text);
    }

    let mut meaning = String::with_capacity(text.len());
    let mut characters = text.chars();

    while let Some(character) = characters.next() {
        match character {
            '\\' => meaning.extend(characters.next()),
            '\r' if characters.as_str().starts_with('\n') => {}
            '\n' => {}
            other => meaning.push(other),
        }
    }

    Cow::Owned(meaning)
}

/// Whether `character` is `atext` (RFC 5322 §3.2.3): a letter, a digit, one
/// of ``!#$%&'*+-/=?^_`{|}~``, or any non-ASCII character (RFC 6532 §3.2).
///
/// ```
/// use mailtrail_message::lexical::is_atext;
///
/// assert!(is_atext('~') && is_atext('é'));
/// assert!(!is_atext('.') && !is_atext('@') && !is_atext(' '));
/// ```
pub fn is_atext(character: char) -> bool {
    !character.is_ascii() || is_atext_byte(character as u8)
}

/// Skips `[CFWS]`, handing the text of each comment to `on_comment`.
fn walk_cfws<'a>(input: &'a str, mut on_comment: impl FnMut(&'a str)) -> IResult<&'a str, &'a str> {
    let mut rest = skip_fws(input);

    while rest.starts_with('(') {
        let (after, text) = comment(rest)?;
        on_comment(text);
        rest = skip_fws(after);
    }

    Ok((rest, consumed(input, rest)))
}

/// Runs `token` between two optional `[CFWS]`.
fn surrounded_by_cfws<'a>(
    input: &'a str,
    token: fn(&'a str) -> IResult<&'a str, &'a str>,
) -> IResult<&'a str, &'a str> {
    let (rest, _) = opt_cfws(input)?;
    let (rest, matched) = token(rest)?;
    let (rest, _) = opt_cfws(rest)?;

    Ok((rest, matched))
}

/// Skips folding white space, returning what follows it.
fn skip_fws(input: &str) -> &str {
    let bytes = input.as_bytes();
    let mut position = 0;

    loop {
        let spaces = bytes[position..].iter().take_while(|&&byte| is_wsp(byte));
        position += spaces.count();

        let rest = &bytes[position..];
        let line_break = if rest.starts_with(b"\r\n") {
            2
        } else if rest.starts_with(b"\n") {
            1
        } else {
            break;
        };

        // A line break is folding only when white space follows it.
        if !rest.get(line_break).copied().is_some_and(is_wsp) {
            break;
        }

        position += line_break;
    }

    &input[position..]
}

/// Length in bytes of the run of atext at the start of `input`.
fn atext_length(input: &str) -> usize {
    let bytes = input.as_bytes();

    bytes
        .iter()
        .position(|&byte| !is_atext_byte(byte))
        .unwrap_or(bytes.len())
}

/// The part of `input` that a parser consumed to leave `rest`.
fn consumed<'a>(input: &'a str, rest: &str) -> &'a str {
    &input[..input.len() - rest.len()]
}

/// Whether `byte` can be part of atext in UTF-8 text: an ASCII atext
/// character, or any byte of a non-ASCII character.
fn is_atext_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&byte) || !byte.is_ascii()
}

const fn is_wsp(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t')
}

fn error(input: &str, kind: ErrorKind) -> nom::Err<Error<&str>> {
    nom::Err::Error(Error::new(input, kind))
}

fn failure(input: &str, kind: ErrorKind) -> nom::Err<Error<&str>> {
    nom::Err::Failure(Error::new(input, kind))
}

#[cfg(test)]
mod tests {
    use nom::Parser;
    use nom::bytes::complete::tag;
    use nom::multi::separated_list1;
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn fws_accepts_obsolete_runs_of_folded_lines() {
        assert_eq!(fws("  \r\n \r\n\tx"), Ok(("x", "  \r\n \r\n\t")));
    }

    #[test]
    fn fws_leaves_a_line_break_not_followed_by_white_space() {
        assert_eq!(fws(" \r\nX-Next: 1"), Ok(("\r\nX-Next: 1", " ")));
        assert_eq!(fws(" \n"), Ok(("\n", " ")));
        assert_eq!(fws(" \r"), Ok(("\r", " ")));
    }

    #[test]
    fn fws_fails_without_white_space() {
        assert_eq!(fws("x"), Err(error("x", ErrorKind::Space)));
        assert_eq!(fws(""), Err(error("", ErrorKind::Space)));
    }

    #[test]
    fn comment_keeps_nested_comments_and_quoted_pairs_as_written() {
        let (rest, text) = comment(r"(outer (inner \( (deeper)) \\) tail").unwrap();

        assert_eq!(text, r"outer (inner \( (deeper)) \\");
        assert_eq!(rest, " tail");
    }

    #[test]
    fn quoted_parenthesis_does_not_close_a_comment() {
        assert!(matches!(comment(r"(a \)"), Err(nom::Err::Failure(_))));
        assert_eq!(comment(r"(a \))"), Ok(("", r"a \)")));
    }

    #[test]
    fn comment_may_span_folded_lines_and_hold_utf8() {
        assert_eq!(comment("(vérifié\r\n ok)x"), Ok(("x", "vérifié\r\n ok")));
    }

    #[test]
    fn unbalanced_comment_fails_at_its_opening_parenthesis() {
        let value = "a=b ((one) two";
        let Err(nom::Err::Failure(failure)) = comment(&value[4..]) else {
            panic!("an unclosed comment must be a failure");
        };

        assert_eq!(value.len() - failure.input.len(), 4);
        assert_eq!(failure.code, ErrorKind::Char);
    }

    #[test]
    fn backslash_at_the_end_leaves_the_comment_open() {
        assert!(matches!(comment("(a\\"), Err(nom::Err::Failure(_))));
    }

    #[test]
    fn hostile_nesting_depth_does_not_exhaust_the_stack() {
        let depth = 1_000_000;
        let deep = "(".repeat(depth) + &")".repeat(depth);
        let unclosed = "(".repeat(depth);

        assert_eq!(
            comment(&deep).map(|(rest, text)| (rest, text.len())),
            Ok(("", 2 * depth - 2))
        );
        assert!(matches!(comment(&unclosed), Err(nom::Err::Failure(_))));
    }

    #[test]
    fn comment_requires_an_opening_parenthesis() {
        assert_eq!(comment("x(y)"), Err(error("x(y)", ErrorKind::Char)));
    }

    #[test]
    fn cfws_fails_on_an_unclosed_comment_after_white_space() {
        let Err(nom::Err::Failure(failure)) = opt_cfws(" (ok) (open") else {
            panic!("an unclosed comment must be a failure");
        };

        assert_eq!(failure.input, "(open");
    }

    #[test]
    fn cfws_comments_collects_every_outer_comment_in_order() {
        let value = " (first)(second (nested))\r\n (third) rest";
        let (rest, comments) = cfws_comments(value).unwrap();

        assert_eq!(comments, ["first", "second (nested)", "third"]);
        assert_eq!(rest, "rest");
    }

    #[test]
    fn cfws_comments_accepts_no_comment_at_all() {
        assert_eq!(cfws_comments("rest"), Ok(("rest", vec![])));
    }

    #[test]
    fn atom_stops_at_specials_and_skips_surrounding_comments() {
        assert_eq!(atom("(c) abc@def"), Ok(("@def", "abc")));
        assert_eq!(atom("a.b"), Ok((".b", "a")));
        assert!(atom(" (only a comment) ").is_err());
    }

    #[test]
    fn dot_atom_text_joins_runs_with_single_dots() {
        assert_eq!(dot_atom_text("a.b.c d"), Ok((" d", "a.b.c")));
        assert_eq!(dot_atom_text("a.b.;"), Ok((".;", "a.b")));
        assert_eq!(dot_atom_text("bücher.example"), Ok(("", "bücher.example")));
    }

    #[test]
    fn dot_atom_skips_comments_on_both_sides() {
        assert_eq!(dot_atom("(x) a.example (y) ;"), Ok((";", "a.example")));
    }

    #[test]
    fn quoted_string_keeps_quoted_pairs_and_folding_in_its_text() {
        let (rest, text) = quoted_string(" \"a\\\"b\r\n c\" (d) e").unwrap();

        assert_eq!(text, "a\\\"b\r\n c");
        assert_eq!(unescape(text), "a\"b c");
        assert_eq!(rest, "e");
    }

    #[test]
    fn quoted_string_text_leaves_the_following_comment() {
        assert_eq!(quoted_string_text("\"\" (empty)"), Ok((" (empty)", "")));
    }

    #[test]
    fn unterminated_quoted_string_fails_at_its_quote() {
        let Err(nom::Err::Failure(failure)) = quoted_string("  \"abc\\\"") else {
            panic!("an unterminated quoted string must be a failure");
        };

        assert_eq!(failure.input, "\"abc\\\"");
    }

    #[test]
    fn unescape_borrows_when_nothing_is_escaped_or_folded() {
        assert!(matches!(
            unescape("plain text"),
            Cow::Borrowed("plain text")
        ));
        assert_eq!(unescape("a\\"), "a");
        assert_eq!(unescape("a\rb"), "a\rb");
    }

    #[test]
    fn parsers_compose_with_nom_combinators() {
        let list = "a.example, (x) b.example ,c";
        let (rest, items) = separated_list1(tag(","), dot_atom).parse(list).unwrap();

        assert_eq!(items, ["a.example", "b.example", "c"]);
        assert_eq!(rest, "");
    }

    /// Comment text: words, quoted-pairs and balanced nested comments.
    fn comment_piece() -> impl Strategy<Value = String> {
        let leaf = prop_oneof!["[a-z ]{0,5}", "\\\\[()\\\\a]"];

        leaf.prop_recursive(4, 32, 4, |inner| {
            proptest::collection::vec(inner, 0..4).prop_map(|parts| format!("({})", parts.concat()))
        })
    }

    proptest! {
        #[test]
        fn balanced_comments_parse_to_their_exact_text(
            pieces in proptest::collection::vec(comment_piece(), 0..6),
        ) {
            let text = pieces.concat();
            let input = format!("({text}) tail");

            prop_assert_eq!(comment(&input), Ok((" tail", text.as_str())));
        }

        #[test]
        fn lexical_parsers_never_panic_and_return_a_suffix(
            input in "[ -~\r\n\t\u{80}-\u{10ffff}]{0,64}",
        ) {
            type Lexer = fn(&str) -> IResult<&str, &str>;
            let parsers: [Lexer; 10] = [
                fws,
                comment,
                cfws,
                opt_cfws,
                atom,
                atom_text,
                dot_atom,
                dot_atom_text,
                quoted_string,
                quoted_string_text,
            ];

            for parser in parsers {
                if let Ok((rest, _)) = parser(&input) {
                    prop_assert!(input.ends_with(rest));
                }
            }
            let _ = unescape(&input);
        }
    }
}
