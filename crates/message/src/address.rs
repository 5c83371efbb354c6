//! Mailboxes of an address field (From, Sender, To, Cc, Reply-To), read
//! without copying, per [RFC 5322 §3.4](https://www.rfc-editor.org/rfc/rfc5322#section-3.4)
//! with the group syntax that [RFC 6854](https://www.rfc-editor.org/rfc/rfc6854)
//! allows in From and the obsolete forms of §4.4.
//!
//! [`mailboxes`] returns every mailbox in the order written, group members
//! included, each with its display name, local part and domain as written
//! and its byte span in the value. DMARC needs exactly this: every author
//! domain, never only the first (taking the first was CVE-2020-12460's cause
//! in OpenDMARC).

use std::fmt;

use crate::Span;

/// One mailbox of an address field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Mailbox<'a> {
    /// The display name as written (words, quotes and all), when there is one.
    pub display_name: Option<&'a str>,
    /// The local part as written; a quoted local part keeps its quotes.
    pub local_part: &'a str,
    /// The domain as written (a dot-atom or a `[literal]`), or `None` for a
    /// bare word such as `root`, which RFC 5322 does not allow.
    pub domain: Option<&'a str>,
    /// The group this mailbox belongs to, by its display name.
    pub group: Option<&'a str>,
    /// Where the mailbox lies in the value.
    pub span: Span,
}

/// Why an address field could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressError {
    /// Byte offset in the value where reading stopped.
    pub position: usize,
    /// What was expected there.
    pub expected: &'static str,
}

impl fmt::Display for AddressError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "expected {} at offset {}",
            self.expected, self.position
        )
    }
}

impl std::error::Error for AddressError {}

/// Reads every mailbox of an address-list or mailbox-list field value.
///
/// Comments are skipped, empty list elements (`a@x, , b@y`, RFC 5322 §4.4)
/// are allowed, and a group contributes its members. An unterminated quoted
/// string, comment, angle address or domain literal, or an `@` without a
/// domain, is an error naming the offset.
///
/// ```
/// use mailtrail_message::address::mailboxes;
///
/// let value = r#" "Ops, Team" <ops@example.com> (night shift), Finance: ceo@Example.ORG;"#;
/// let found = mailboxes(value).unwrap();
///
/// assert_eq!(found.len(), 2);
/// assert_eq!(found[0].display_name, Some(r#""Ops, Team""#));
/// assert_eq!(found[0].domain, Some("example.com"));
/// assert_eq!(found[1].group, Some("Finance"));
/// assert_eq!(found[1].domain, Some("Example.ORG"));
/// ```
pub fn mailboxes(value: &str) -> Result<Vec<Mailbox<'_>>, AddressError> {
    let tokens = tokenize(value)?;
    let mut reader = Reader {
        value,
        tokens: &tokens,
        next: 0,
        found: Vec::new(),
    };
    reader.address_list()?;
    Ok(reader.found)
}

/// The reverse-path of the Return-Path field (RFC 5322 §3.6.7) without
/// its angle brackets or surrounding white space: `""` for the null
/// reverse-path `<>`, `None` without the field.
///
/// ```
/// use mailtrail_message::{address::return_path, split};
///
/// let block = split(b"Return-Path: <bounce@example.org>\r\nReturn-Path: <>\r\n\r\n");
/// assert_eq!(return_path(&block).as_deref(), Some("bounce@example.org"));
/// assert_eq!(return_path(&split(b"Return-Path: <>\r\n\r\n")).as_deref(), Some(""));
/// ```
pub fn return_path(block: &crate::HeaderBlock<'_>) -> Option<String> {
    let value = block.get("return-path")?.value().unfolded_text();
    let path = value
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    Some(path.to_owned())
}

impl fmt::Display for Mailbox<'_> {
    /// Writes the mailbox as `name <local@domain>` or `local@domain`.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let address = |formatter: &mut fmt::Formatter<'_>| match self.domain {
            Some(domain) => write!(formatter, "{}@{domain}", self.local_part),
            None => formatter.write_str(self.local_part),
        };
        match self.display_name {
            Some(name) => {
                write!(formatter, "{name} <")?;
                address(formatter)?;
                formatter.write_str(">")
            }
            None => address(formatter),
        }
    }
}

/// A lexical token of an address field, comments and white space dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    /// A run of atext and dots: an atom, a dot-atom or an obsolete phrase word.
    Word(Span),
    /// A quoted string, quotes included.
    Quoted(Span),
    /// A domain literal, brackets included.
    Literal(Span),
    /// One of `<`, `>`, `@`, `,`, `:`, `;`.
    Special(u8, usize),
}

impl Token {
    /// The bytes the token covers.
    const fn span(self) -> Span {
        match self {
            Self::Word(span) | Self::Quoted(span) | Self::Literal(span) => span,
            Self::Special(_, at) => Span::new(at, at + 1),
        }
    }
}

/// Splits the value into tokens in one pass.
fn tokenize(value: &str) -> Result<Vec<Token>, AddressError> {
    let bytes = value.as_bytes();
    let mut tokens = Vec::new();
    let mut at = 0;

    while at < bytes.len() {
        let start = at;
        match bytes[at] {
            b' ' | b'\t' | b'\r' | b'\n' => at += 1,
            b'(' => at = skip_comment(bytes, at)?,
            b'"' => {
                at = skip_delimited(bytes, at, b'"', "closing '\"'")?;
                tokens.push(Token::Quoted(Span::new(start, at)));
            }
            b'[' => {
                at = skip_delimited(bytes, at, b']', "closing ']'")?;
                tokens.push(Token::Literal(Span::new(start, at)));
            }
            special @ (b'<' | b'>' | b'@' | b',' | b':' | b';') => {
                tokens.push(Token::Special(special, at));
                at += 1;
            }
            _ => {
                while at < bytes.len() && is_word_byte(bytes[at]) {
                    at += 1;
                }
                if at == start {
                    return Err(AddressError {
                        position: at,
                        expected: "an address",
                    });
                }
                tokens.push(Token::Word(Span::new(start, at)));
            }
        }
    }

    Ok(tokens)
}

/// Whether a byte continues a word: anything but white space, specials,
/// quotes, brackets and parentheses. 8-bit bytes are UTF-8 atext (RFC 6532).
const fn is_word_byte(byte: u8) -> bool {
    !matches!(
        byte,
        b' ' | b'\t'
            | b'\r'
            | b'\n'
            | b'('
            | b')'
            | b'"'
            | b'['
            | b']'
            | b'<'
            | b'>'
            | b'@'
            | b','
            | b':'
            | b';'
            | b'\\'
    )
}

/// Skips a comment that may nest, returning the offset after it.
fn skip_comment(bytes: &[u8], start: usize) -> Result<usize, AddressError> {
    let mut depth = 0usize;
    let mut at = start;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 1,
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Ok(at + 1);
                }
            }
            _ => {}
        }
        at += 1;
    }
    Err(AddressError {
        position: bytes.len(),
        expected: "closing ')'",
    })
}

/// Skips a quoted string or a domain literal, returning the offset after
/// its closing delimiter.
fn skip_delimited(
    bytes: &[u8],
    start: usize,
    close: u8,
    expected: &'static str,
) -> Result<usize, AddressError> {
    let mut at = start + 1;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            byte if byte == close => return Ok(at + 1),
            _ => at += 1,
        }
    }
    Err(AddressError {
        position: bytes.len(),
        expected,
    })
}

/// Reads addresses from the token list.
struct Reader<'a, 't> {
    value: &'a str,
    tokens: &'t [Token],
    next: usize,
    found: Vec<Mailbox<'a>>,
}

impl<'a> Reader<'a, '_> {
    /// address-list, with the empty elements of obs-addr-list.
    fn address_list(&mut self) -> Result<(), AddressError> {
        loop {
            while self.eat(b',') {}
            if self.peek().is_none() {
                return Ok(());
            }
            self.address(None)?;
            match self.peek() {
                None => return Ok(()),
                Some(Token::Special(b',', _)) => {}
                Some(token) => return Err(self.error_at(token, "',' between addresses")),
            }
        }
    }

    /// One address: a group (outside a group) or a mailbox.
    fn address(&mut self, group: Option<&'a str>) -> Result<(), AddressError> {
        let phrase_start = self.next;
        while matches!(self.peek(), Some(Token::Word(_) | Token::Quoted(_))) {
            self.next += 1;
        }
        let phrase = self.text_of(phrase_start, self.next);

        match self.peek() {
            Some(Token::Special(b'<', _)) => self.angle_address(phrase, phrase_start, group),
            Some(Token::Special(b':', _)) if group.is_none() && phrase.is_some() => {
                self.next += 1;
                self.group_members(phrase)
            }
            Some(Token::Special(b'@', _)) => {
                self.next = phrase_start;
                self.addr_spec(None, phrase_start, group, None)
            }
            _ if phrase.is_some() => {
                let span = self.span_of(phrase_start, self.next);
                let local_part = &self.value[span.range()];
                self.found.push(Mailbox {
                    display_name: None,
                    local_part,
                    domain: None,
                    group,
                    span,
                });
                Ok(())
            }
            token => Err(self.error_or_end(token, "a mailbox")),
        }
    }

    /// The members of a group up to its `;` (RFC 5322 §3.4, RFC 6854).
    fn group_members(&mut self, group: Option<&'a str>) -> Result<(), AddressError> {
        loop {
            while self.eat(b',') {}
            match self.peek() {
                Some(Token::Special(b';', _)) => {
                    self.next += 1;
                    return Ok(());
                }
                // A group left open at the end of the field: read as closed.
                None => return Ok(()),
                Some(_) => self.address(group)?,
            }
            match self.peek() {
                Some(Token::Special(b',' | b';', _)) | None => {}
                Some(token) => return Err(self.error_at(token, "',' or ';' in a group")),
            }
        }
    }

    /// `[display-name] "<" [obs-route] addr-spec ">"`.
    fn angle_address(
        &mut self,
        display_name: Option<&'a str>,
        start: usize,
        group: Option<&'a str>,
    ) -> Result<(), AddressError> {
        self.next += 1;
        self.skip_obsolete_route();
        let spec_start = self.next;
        self.addr_spec(display_name, start, group, Some(spec_start))?;
        if !self.eat(b'>') {
            return Err(self.error_or_end(self.peek(), "'>'"));
        }
        if let Some(mailbox) = self.found.last_mut() {
            mailbox.span.end = self.tokens[self.next - 1].span().end;
        }
        Ok(())
    }

    /// obs-route: `@a.example,@b.example:` before the addr-spec.
    fn skip_obsolete_route(&mut self) {
        let mut at = self.next;
        while matches!(self.tokens.get(at), Some(Token::Special(b'@' | b',', _))) {
            at += 1;
            if matches!(
                self.tokens.get(at),
                Some(Token::Word(_) | Token::Literal(_))
            ) {
                at += 1;
            }
        }
        if at > self.next && matches!(self.tokens.get(at), Some(Token::Special(b':', _))) {
            self.next = at + 1;
        }
    }

    /// `local-part "@" domain`, pushing the mailbox.
    fn addr_spec(
        &mut self,
        display_name: Option<&'a str>,
        start: usize,
        group: Option<&'a str>,
        local_start: Option<usize>,
    ) -> Result<(), AddressError> {
        let local_start = local_start.unwrap_or(start);
        while matches!(self.peek(), Some(Token::Word(_) | Token::Quoted(_))) {
            self.next += 1;
        }
        let Some(local_part) = self.text_of(local_start, self.next) else {
            return Err(self.error_or_end(self.peek(), "a local part"));
        };

        let domain = if self.eat(b'@') {
            match self.peek() {
                Some(Token::Word(span) | Token::Literal(span)) => {
                    self.next += 1;
                    Some(&self.value[span.range()])
                }
                token => return Err(self.error_or_end(token, "a domain after '@'")),
            }
        } else {
            None
        };

        let span = self.span_of(start, self.next);
        self.found.push(Mailbox {
            display_name,
            local_part,
            domain,
            group,
            span,
        });
        Ok(())
    }

    /// The token at the cursor.
    fn peek(&self) -> Option<Token> {
        self.tokens.get(self.next).copied()
    }

    /// Consumes the special `byte` if it is next.
    fn eat(&mut self, byte: u8) -> bool {
        let found = matches!(self.peek(), Some(Token::Special(special, _)) if special == byte);
        self.next += usize::from(found);
        found
    }

    /// The value text from token `from` to before token `to`, if not empty.
    fn text_of(&self, from: usize, to: usize) -> Option<&'a str> {
        (to > from).then(|| &self.value[self.span_of(from, to).range()])
    }

    /// The span from token `from` to before token `to`.
    fn span_of(&self, from: usize, to: usize) -> Span {
        match (
            self.tokens.get(from),
            to.checked_sub(1).and_then(|last| self.tokens.get(last)),
        ) {
            (Some(first), Some(last)) if to > from => {
                Span::new(first.span().start, last.span().end)
            }
            _ => Span::new(self.value.len(), self.value.len()),
        }
    }

    /// An error at a token.
    fn error_at(&self, token: Token, expected: &'static str) -> AddressError {
        AddressError {
            position: token.span().start,
            expected,
        }
    }

    /// An error at a token, or at the end of the value.
    fn error_or_end(&self, token: Option<Token>, expected: &'static str) -> AddressError {
        match token {
            Some(token) => self.error_at(token, expected),
            None => AddressError {
                position: self.value.len(),
                expected,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domains(value: &str) -> Vec<Option<&str>> {
        mailboxes(value)
            .unwrap()
            .iter()
            .map(|mailbox| mailbox.domain)
            .collect()
    }

    #[test]
    fn plain_addr_spec_gives_local_part_and_domain() {
        let found = mailboxes(" alice@example.com").unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].local_part, "alice");
        assert_eq!(found[0].domain, Some("example.com"));
        assert_eq!(found[0].display_name, None);
        assert_eq!(found[0].span, Span::new(1, 18));
    }

    #[test]
    fn every_author_of_a_mailbox_list_is_returned() {
        assert_eq!(
            domains("a@one.example, Bob <b@two.example>,c@[192.0.2.1]"),
            [
                Some("one.example"),
                Some("two.example"),
                Some("[192.0.2.1]")
            ]
        );
    }

    #[test]
    fn specials_inside_quotes_and_comments_do_not_split() {
        let value = r#""Doe, John <x@evil.example>" (a, b <c@d.example>) <john@example.com>"#;
        let found = mailboxes(value).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].domain, Some("example.com"));
        assert_eq!(
            found[0].display_name,
            Some(r#""Doe, John <x@evil.example>""#)
        );
        assert_eq!(&value[found[0].span.range()], value);
    }

    #[test]
    fn quoted_local_part_keeps_its_quotes() {
        let found = mailboxes(r#""a b"@example.com"#).unwrap();
        assert_eq!(found[0].local_part, r#""a b""#);
    }

    #[test]
    fn group_members_are_returned_with_the_group_name() {
        let found = mailboxes("Team: a@x.example, b@y.example; , c@z.example").unwrap();
        let groups: Vec<_> = found.iter().map(|mailbox| mailbox.group).collect();
        assert_eq!(groups, [Some("Team"), Some("Team"), None]);
        assert_eq!(
            domains("undisclosed-recipients:;"),
            Vec::<Option<&str>>::new()
        );
    }

    #[test]
    fn obsolete_route_and_empty_elements_are_read() {
        assert_eq!(
            domains(", <@relay.example,@hop.example:user@example.net>,,"),
            [Some("example.net")]
        );
    }

    #[test]
    fn bare_word_is_a_mailbox_without_domain() {
        let found = mailboxes("root").unwrap();
        assert_eq!(found[0].local_part, "root");
        assert_eq!(found[0].domain, None);
    }

    #[test]
    fn broken_values_name_the_offset() {
        let cases = [
            ("a@", 2, "a domain after '@'"),
            ("<a@example.com", 14, "'>'"),
            ("\"open@example.com", 17, "closing '\"'"),
            ("a@example.com (open", 19, "closing ')'"),
            ("a@b.example c@d.example", 12, "',' between addresses"),
            ("<>", 1, "a local part"),
        ];
        for (value, position, expected) in cases {
            assert_eq!(
                mailboxes(value),
                Err(AddressError { position, expected }),
                "{value}"
            );
        }
    }

    #[test]
    fn display_writes_a_parsable_mailbox() {
        let found = mailboxes("\"J. Doe\" <j@example.com>").unwrap();
        assert_eq!(found[0].to_string(), "\"J. Doe\" <j@example.com>");
        assert_eq!(
            mailboxes(&found[0].to_string()).unwrap()[0].domain,
            Some("example.com")
        );
    }
}
