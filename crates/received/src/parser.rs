//! The clauses of a Received value, read in one pass.
//!
//! The grammar is `Stamp` of
//! [RFC 5321 §4.4](https://www.rfc-editor.org/rfc/rfc5321#section-4.4):
//! `from`, `by`, `via`, `with`, `id` and `for` clauses, each a keyword and a
//! value, then `;` and the date. The scanner walks the raw value once, left to
//! right: a keyword opens a clause, the words after it are its value, a
//! comment is handed to [`comments`](crate::comments) with the clause it
//! follows, and `;` hands over to [`date`](crate::date). Folding line breaks
//! are white space, so the raw value is read as it is and every span points
//! into it. Each byte is looked at a bounded number of times: the work is
//! linear in the value.

use mailtrail_message::Span;

use crate::address::{is_domain_shaped, is_host_name_shaped, parse_ip_shaped};
use crate::class;
use crate::comments;
use crate::date::{DateDeviations, parse_date};
use crate::deviation::DeviationList;
use crate::received::{DateStamp, Parts, Slot};
use crate::token::{Token, TokenKind, comment_end, is_space};
use crate::{DeviationKind, ParseError, Protocol, Received};

/// Reads `text`, a Received value that starts at `offset` in the message.
/// `invalid` lists bytes that were not UTF-8 (relative to `text`).
pub(crate) fn parse<'a>(
    text: &'a str,
    offset: usize,
    invalid: &[Span],
) -> Result<Received<'a>, ParseError> {
    if text.len() >= u32::MAX as usize {
        return Err(ParseError::TooLong { length: text.len() });
    }

    let Some(first) = text.bytes().position(|byte| !is_space(byte)) else {
        return Err(ParseError::Empty);
    };

    let mut received = Received::assemble(text, offset, Parts::default(), DeviationList::new());
    let (parts, deviations) = received.parts_mut();
    let mut parser = Parser::new(text, offset, parts, deviations);
    for span in invalid {
        parser.deviate(DeviationKind::InvalidUtf8, span.start, span.end);
    }

    parser.run(0, text.len());
    parser.finish(first)?;
    Ok(received)
}

/// The clause the scanner is in, which decides what a word or a comment
/// means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Clause {
    /// Before any clause.
    None,
    From,
    By,
    Via,
    With,
    Id,
    For,
    /// Haraka's `envelope-from <address>`.
    EnvelopeFrom,
    /// Exim's and Haraka's `tls CIPHER`.
    Tls,
    /// A second `from`, which XMail uses for the envelope sender.
    SecondFrom,
    /// A repeated clause whose value is skipped.
    Ignored,
    /// After the `;` and the date.
    AfterDate,
}

impl Clause {
    /// The clause a keyword opens, compared without regard to case: the
    /// short keywords are all letters, so setting bit 5 of each byte folds
    /// the case, and only the letter or its capital then match.
    fn keyword(word: &[u8]) -> Option<Self> {
        let clause = match *word {
            [a, b] => match [a | 0x20, b | 0x20] {
                [b'b', b'y'] => Self::By,
                [b'i', b'd'] => Self::Id,
                _ => return None,
            },
            [a, b, c] => match [a | 0x20, b | 0x20, c | 0x20] {
                [b'v', b'i', b'a'] => Self::Via,
                [b'f', b'o', b'r'] => Self::For,
                [b't', b'l', b's'] => Self::Tls,
                _ => return None,
            },
            [a, b, c, d] => match [a | 0x20, b | 0x20, c | 0x20, d | 0x20] {
                [b'f', b'r', b'o', b'm'] => Self::From,
                [b'w', b'i', b't', b'h'] => Self::With,
                _ => return None,
            },
            _ if word.eq_ignore_ascii_case(b"envelope-from") => Self::EnvelopeFrom,
            _ => return None,
        };

        Some(clause)
    }

    /// Position in the order `from by via with id for` of RFC 5321 §4.4.
    const fn rank(self) -> Option<u8> {
        match self {
            Self::From => Some(0),
            Self::By => Some(1),
            Self::Via => Some(2),
            Self::With => Some(3),
            Self::Id => Some(4),
            Self::For => Some(5),
            _ => None,
        }
    }

    /// A bit per clause that may appear once.
    const fn bit(self) -> u16 {
        match self.rank() {
            Some(rank) => 1 << rank,
            None => 0,
        }
    }

    /// Whether the grammar requires a value after the keyword.
    const fn needs_value(self) -> bool {
        !matches!(
            self,
            Self::None | Self::SecondFrom | Self::Ignored | Self::AfterDate
        )
    }
}

/// Hints gathered on the way that change how the `from` word is read.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Hints {
    /// The field names Exim, which writes the reverse-DNS name after `from`.
    pub(crate) exim: bool,
    /// A comment named the HELO, so the word after `from` is not it.
    pub(crate) comment_helo: bool,
}

/// The state of one pass over a value, filling the parts and deviations
/// of the field in place.
pub(crate) struct Parser<'s> {
    pub(crate) text: &'s str,
    pub(crate) bytes: &'s [u8],
    pub(crate) base: usize,
    pub(crate) parts: &'s mut Parts,
    pub(crate) deviations: &'s mut DeviationList,
    pub(crate) clause: Clause,
    pub(crate) hints: Hints,
    /// Whether anything was read: a clause, a date or a known comment.
    pub(crate) recognised: bool,
    keyword: Slot,
    /// The [`shape`](crate::class::shape) of the word after `from`.
    from_shape: u16,
    words: u32,
    previous: [Option<Slot>; 2],
    seen: u16,
    last_rank: u8,
    nested: bool,
    date_failed: bool,
    reported_extra: bool,
    reported_outside: bool,
    reported_after_date: bool,
    /// The words of the comment being read, filled by
    /// [`comments::read`]; kept here so that it is set up once per field
    /// rather than once per comment.
    pub(crate) pieces: [Token; comments::MAX_PIECES],
}

impl<'s> Parser<'s> {
    fn new(
        text: &'s str,
        base: usize,
        parts: &'s mut Parts,
        deviations: &'s mut DeviationList,
    ) -> Self {
        Self {
            text,
            bytes: text.as_bytes(),
            base,
            parts,
            deviations,
            clause: Clause::None,
            hints: Hints::default(),
            recognised: false,
            keyword: Slot::new(0, 0),
            from_shape: 0,
            words: 0,
            previous: [None; 2],
            seen: 0,
            last_rank: 0,
            nested: false,
            date_failed: false,
            reported_extra: false,
            reported_outside: false,
            reported_after_date: false,
            pieces: [Token::default(); comments::MAX_PIECES],
        }
    }

    /// Scans `start..end`, dispatching comments, `;` and tokens.
    fn run(&mut self, start: usize, end: usize) {
        let mut position = start;

        while let Some(next) = self.skip_space(position, end) {
            position = match self.bytes[next] {
                b'(' => self.comment(next, end),
                b')' => {
                    self.deviate(DeviationKind::StrayParenthesis, next, next + 1);
                    next + 1
                }
                b';' => self.semicolon(next, end),
                _ => {
                    let token = self.token(next, end);
                    self.take(token);
                    token.end
                }
            };
        }
    }

    /// Reads the comment opening at `open`; returns the position after it.
    fn comment(&mut self, open: usize, end: usize) -> usize {
        let (close, closed) =
            match self.seen == 0 && !self.nested && self.starts_with_from(open + 1, end) {
                true => self.comment_as_from_clause(open, end),
                false => comments::read(self, open, end),
            };

        if !closed {
            self.deviate(DeviationKind::Unclosed, open, end);
        }
        if closed { close + 1 } else { end }
    }

    /// Reads `(from host [ip])` as a `from` clause.
    fn comment_as_from_clause(&mut self, open: usize, end: usize) -> (usize, bool) {
        let (close, closed) = comment_end(self.bytes, open, end);
        let after = if closed { close + 1 } else { end };

        self.deviate(DeviationKind::FromClauseInComment, open, after);
        self.nested = true;
        self.run(open + 1, close);
        self.nested = false;
        self.close_clause();

        (close, closed)
    }

    /// Reads the date after the `;` at `at`; returns where scanning goes on.
    fn semicolon(&mut self, at: usize, end: usize) -> usize {
        self.close_clause();
        self.clause = Clause::AfterDate;

        if self.parts.date.is_some() || self.date_failed {
            return at + 1;
        }

        let mut found = DateDeviations::default();
        match parse_date(self.bytes, at + 1, end, &mut found) {
            Ok(date) => {
                for (kind, span) in found.iter(self.base) {
                    self.deviations.push(kind, span);
                }
                self.parts.date = Some(DateStamp {
                    timestamp: date.timestamp,
                    offset_seconds: date.offset_seconds,
                    slot: Slot::new(date.start, date.end),
                });
                self.recognised = true;
                date.end
            }
            Err(position) => {
                let start = self.skip_space(at + 1, end).unwrap_or(end);
                let stop = self.word_end(position.max(start), end);
                self.deviate(DeviationKind::InvalidDate, start, stop);
                self.date_failed = true;
                at + 1
            }
        }
    }

    /// Takes a token: a keyword opens its clause, anything else is a value.
    fn take(&mut self, token: Token) {
        if token.kind == TokenKind::Word {
            let keyword = Clause::keyword(&self.bytes[token.start..token.end]);
            let tls_allowed = matches!(
                self.clause,
                Clause::With | Clause::Id | Clause::By | Clause::EnvelopeFrom
            );

            match keyword {
                Some(Clause::Tls) if !tls_allowed => {}
                Some(clause) => return self.open_clause(clause, token),
                None => {}
            }
        }

        self.value(token);
    }

    fn open_clause(&mut self, clause: Clause, token: Token) {
        self.close_clause();
        self.recognised = true;
        self.keyword = Slot::new(token.start, token.end);
        self.words = 0;
        self.previous = [None; 2];
        self.reported_extra = false;

        let bit = clause.bit();
        if self.seen & bit != 0 {
            self.deviate(DeviationKind::RepeatedClause, token.start, token.end);
            self.clause = match clause {
                Clause::From => Clause::SecondFrom,
                _ => Clause::Ignored,
            };
            return;
        }

        self.seen |= bit;
        if let Some(rank) = clause.rank() {
            if rank < self.last_rank {
                self.deviate(DeviationKind::ClauseOutOfOrder, token.start, token.end);
            }
            self.last_rank = self.last_rank.max(rank);
        }
        self.clause = clause;
    }

    /// Ends the current clause, reporting a keyword left without a value.
    fn close_clause(&mut self) {
        if self.clause.needs_value() && self.words == 0 {
            let Slot { start, end } = self.keyword;
            self.deviate(
                DeviationKind::MissingClauseValue,
                start as usize,
                end as usize,
            );
        }

        self.clause = Clause::None;
        self.words = 1;
    }

    /// Files a value token under the current clause.
    fn value(&mut self, token: Token) {
        let slot = Slot::new(token.start, token.end);

        match self.clause {
            Clause::None => {
                if !self.reported_outside {
                    self.reported_outside = true;
                    self.deviate(DeviationKind::TextOutsideClause, token.start, token.end);
                }
            }
            Clause::From => self.value_of_from(token),
            Clause::By => self.by_value(token),
            Clause::Via => {
                extend(&mut self.parts.via, slot);
                self.extra_if_not_first(token);
            }
            Clause::With => self.with_value(token),
            Clause::Id => self.first_only(token, |parts, slot| parts.id = Some(slot)),
            Clause::For => extend(&mut self.parts.recipients, slot),
            Clause::EnvelopeFrom => {
                self.first_only(token, |parts, slot| {
                    parts.envelope_from.get_or_insert(slot);
                });
            }
            Clause::Tls => {
                self.first_only(token, |parts, slot| {
                    parts.tls_cipher.get_or_insert(slot);
                });
            }
            Clause::SecondFrom if self.words == 0 && token.kind == TokenKind::Angle => {
                let inner = self.unwrapped(token);
                self.parts.envelope_from.get_or_insert(inner);
            }
            Clause::SecondFrom | Clause::Ignored => {}
            Clause::AfterDate => {
                if !self.date_failed && !self.reported_after_date {
                    self.reported_after_date = true;
                    self.deviate(DeviationKind::TextAfterDate, token.start, token.end);
                }
            }
        }

        self.encrypted_cipher(token);
        self.previous = [Some(slot), self.previous[0]];
        self.words += 1;
    }

    /// The word after `from`, then address literals and webmail's
    /// `as user NAME`.
    fn value_of_from(&mut self, token: Token) {
        let slot = Slot::new(token.start, token.end);

        if self.words == 0 {
            self.parts.from_name = Some(slot);
            self.from_shape = token.shape;
            return;
        }

        if let Some((ip, port)) = parse_ip_shaped(self.str(slot), token.shape) {
            if self.parts.from_ip.is_none() {
                self.parts.from_ip = Some((ip, slot));
                self.parts.from_port = self.parts.from_port.or(port);
            }
            return;
        }

        let [Some(user), Some(as_word)] = self.previous else {
            return self.extra(token);
        };
        if self.str(user).eq_ignore_ascii_case("user")
            && self.str(as_word).eq_ignore_ascii_case("as")
        {
            self.parts.auth_user.get_or_insert(slot);
            self.parts
                .auth
                .get_or_insert_with(|| Slot::new(as_word.start as usize, token.end));
            return;
        }

        self.extra(token);
    }

    /// The receiving host, then an address literal after it (MDaemon).
    fn by_value(&mut self, token: Token) {
        if self.words > 0 {
            let address = parse_ip_shaped(self.str(Slot::new(token.start, token.end)), token.shape);
            match address {
                Some((ip, _)) if token.kind == TokenKind::Bracket => {
                    let slot = Slot::new(token.start, token.end);
                    self.parts.by_ip.get_or_insert((ip, slot));
                }
                _ => self.extra(token),
            }
            return;
        }

        let mut slot = self.unwrapped(token);
        let trailing_comma = self.str(slot).ends_with(',');
        if trailing_comma {
            slot.end -= 1;
        }
        let shape = match (token.kind, trailing_comma) {
            (TokenKind::Word, false) => token.shape,
            _ => class::shape(self.str(slot).as_bytes()),
        };

        let host = self.str(slot);
        let address = parse_ip_shaped(host, shape);
        if address.is_none() && !is_host_name_shaped(host, shape) {
            return self.deviate(DeviationKind::InvalidHost, token.start, token.end);
        }

        self.parts.by = Some(slot);
        if let Some((ip, _)) = address {
            self.parts.by_ip = Some((ip, slot));
        }
    }

    /// The protocol words of `with`: the first known protocol name among
    /// them is the protocol, so `with Microsoft SMTP Server` reads as SMTP.
    fn with_value(&mut self, token: Token) {
        extend(&mut self.parts.with, Slot::new(token.start, token.end));
        self.extra_if_not_first(token);

        if self.parts.protocol.is_some() {
            return;
        }

        let (start, end) = match token.kind {
            TokenKind::Bracket | TokenKind::Angle | TokenKind::Quoted => {
                (token.start + 1, token.end - 1)
            }
            // A word holds no space: it is its only protocol word.
            TokenKind::Word => return self.protocol_word(token.start, token.end),
        };

        let mut position = start;
        while position < end {
            let word_end = self.bytes[position..end]
                .iter()
                .position(|&byte| byte == b' ')
                .map_or(end, |length| position + length);
            self.protocol_word(position, word_end);
            position = word_end + 1;
        }
    }

    /// Reads one word as a protocol, and `ESMTP/TLS/CIPHER` as a cipher.
    fn protocol_word(&mut self, start: usize, end: usize) {
        let word = &self.text[start..end];
        let slash = word.bytes().position(|byte| byte == b'/');
        let name = &word[..slash.unwrap_or(word.len())];
        let Some(protocol) = Protocol::recognise(name) else {
            return;
        };

        self.parts.protocol = Some((protocol, Slot::new(start, start + name.len())));
        let Some(slash) = slash else {
            return;
        };

        let mut segments = word[slash + 1..].splitn(2, '/');
        if let (Some(tls), Some(cipher)) = (segments.next(), segments.next())
            && tls.eq_ignore_ascii_case("tls")
            && !cipher.is_empty()
        {
            let cipher_start = end - cipher.len();
            self.parts
                .tls_cipher
                .get_or_insert_with(|| Slot::new(cipher_start, end));
        }
    }

    /// `CIPHER encrypted`, as MessageLabs writes: the word before is the
    /// cipher.
    fn encrypted_cipher(&mut self, token: Token) {
        let is_encrypted = self.is(token, b"encrypted");

        if let (true, Some(cipher)) = (is_encrypted, self.previous[0]) {
            self.parts.tls_cipher.get_or_insert(cipher);
        }
    }

    /// Files the first token of a clause with `store`; later ones are extra.
    fn first_only(&mut self, token: Token, store: impl FnOnce(&mut Parts, Slot)) {
        if self.words > 0 {
            return self.extra(token);
        }

        let slot = self.unwrapped(token);
        store(self.parts, slot);
    }

    fn extra_if_not_first(&mut self, token: Token) {
        if self.words > 0 {
            self.extra(token);
        }
    }

    fn extra(&mut self, token: Token) {
        if !self.reported_extra {
            self.reported_extra = true;
            self.deviate(DeviationKind::ExtraWords, token.start, token.end);
        }
    }

    /// Decides what the word after `from` is, once the whole field is read:
    /// Exim and qmail write the reverse-DNS name there when a comment gives
    /// the HELO, most MTAs the HELO name, local submissions the user.
    fn interpret_from_name(&mut self) {
        let Some(name) = self.parts.from_name else {
            return;
        };

        let text = self.str(name);
        let address = parse_ip_shaped(text, self.from_shape);
        let domain = is_domain_shaped(text, self.from_shape);
        let (local, http) = (self.is_local_submission(), self.is_http());
        let helo_elsewhere = self.hints.comment_helo || self.parts.greeting.is_some();
        let parts = &mut self.parts;

        if address.is_none() && local {
            parts.local_user.get_or_insert(name);
            return;
        }

        if let (Some((ip, port)), None) = (address, parts.from_ip) {
            parts.from_ip = Some((ip, name));
            parts.from_port = parts.from_port.or(port);
        }

        if helo_elsewhere {
            if address.is_none() && domain {
                parts.reverse_dns.get_or_insert(name);
            }
            return;
        }

        if self.hints.exim && domain {
            parts.reverse_dns.get_or_insert(name);
        }
        if !http {
            parts.helo.get_or_insert(name);
        }
    }

    /// Whether `with` names a local submission (`local`, Exim's
    /// `local-esmtp`).
    fn is_local_submission(&self) -> bool {
        let with = self
            .parts
            .with
            .map(|slot| self.str(slot))
            .unwrap_or_default();

        with.get(..5)
            .is_some_and(|start| start.eq_ignore_ascii_case("local"))
    }

    /// Whether the field records a web submission, which has no HELO.
    fn is_http(&self) -> bool {
        let protocol_http = self
            .parts
            .protocol
            .is_some_and(|(protocol, _)| protocol.is_http());
        let via = self
            .parts
            .via
            .map(|slot| self.str(slot))
            .unwrap_or_default();

        protocol_http || via.eq_ignore_ascii_case("http")
    }

    fn finish(mut self, first: usize) -> Result<(), ParseError> {
        self.close_clause();
        self.interpret_from_name();

        let end = self.bytes.len();
        if self.seen & Clause::From.bit() == 0 {
            self.deviate(DeviationKind::MissingFromClause, first, first);
        }
        if self.seen & Clause::By.bit() == 0 {
            self.deviate(DeviationKind::MissingByClause, first, first);
        }
        if self.parts.date.is_none() && !self.date_failed {
            self.deviate(DeviationKind::MissingDate, end, end);
        }

        if !self.recognised {
            return Err(ParseError::NothingRecognised {
                position: self.base + first,
            });
        }

        self.deviations.sort();
        Ok(())
    }
}

/// Grows `slot` to cover `more`, or starts it there.
fn extend(slot: &mut Option<Slot>, more: Slot) {
    match slot {
        Some(slot) => slot.end = more.end,
        None => *slot = Some(more),
    }
}

#[cfg(test)]
mod tests {
    use crate::Received;

    #[test]
    fn a_lone_quote_after_an_empty_assignment_gives_an_empty_part_in_place() {
        let value = "by b.example (cipher= \" x); 1 Mar 2024 10:00 +0000";
        let received = Received::parse(value).unwrap();
        let cipher = received.tls_cipher().unwrap();

        assert_eq!(&value[cipher.span.range()], cipher.value);
        assert!(cipher.span.start <= cipher.span.end);
    }

    #[test]
    fn keywords_are_read_without_regard_to_case() {
        let received = Received::parse("FROM a.example BY b.example WITH SMTP ID 7").unwrap();

        assert_eq!(received.by().unwrap().value, "b.example");
        assert_eq!(received.id().unwrap().value, "7");
        assert!(received.deviations().iter().all(|d| d.kind.is_date()));
    }
}
