//! What MTAs write in the comments of a Received field.
//!
//! RFC 5321 §4.4 puts only the TCP-info (`(rdns [ip])`) in a comment; MTAs
//! use comments for everything else they want to record. This module reads
//! the dialects below from the first words of each comment, given the clause
//! the comment follows. Nested comments are skipped, not read, so a comment
//! costs one pass whatever its depth.
//!
//! | dialect | written as |
//! |---|---|
//! | Postfix, Sendmail | `(rdns [ip])`, `(unknown [ip])`, `(user@rdns [ip])`, `(using TLSv1.3 with cipher C)`, `(Authenticated sender: u)`, `(Postfix, from userid 1000)`, `(version=TLSv1.3 cipher=C bits=256)` |
//! | Exim | `([ip]:port helo=h ident=u)`, `(TLS1.3:C:256)`, `(TLS1.3) tls C`, `(Exim 4.97)`, `(envelope-from <a>)` |
//! | qmail, qpsmtpd | `(HELO h) (ip)`, `(user@ip)`, `(user@ip with mechanism)`, `(qmail 1 invoked by uid 1004)`, `(envelope-sender <a>)`, `(ofmipd ip)` |
//! | Microsoft | `(ip)`, `([ip] unverified)`, `(version=TLS1_2, cipher=C)` |
//! | Courier | `(AUTH: mechanism user, TLS: TLSv1.3, 256bits, C)` |
//! | CommuniGate | `(account u HELO h)`, `([ip] verified)` |
//! | OpenSMTPD | `(rdns [local])`, `(TLSv1.3:C:256:NO)` |
//! | webmail | `(SquirrelMail authenticated user u)` |

use crate::address::{could_be_address, is_domain_shaped, parse_ip, parse_ip_shaped};
use crate::class::{AT, BETWEEN_PIECES, COMMENT_SYNTAX, PIECE_END, is, run_end};
use crate::parser::{Clause, Parser};
use crate::received::{Parts, Slot};
use crate::token::{Token, TokenKind, comment_close, comment_end, is_space};
use crate::{Greeting, TlsVersion};

/// Reads the comment that opens at `open`, after the current clause, and
/// returns the position of its closing parenthesis and whether there is one
/// before `end` (else `end`). The comment is scanned once: its words are
/// split off while its end is sought.
pub(crate) fn read(parser: &mut Parser<'_>, open: usize, end: usize) -> (usize, bool) {
    let mut reader = Reader {
        context: parser.clause,
        count: 0,
        parser,
    };

    let (close, closed) = reader.split(open + 1, end);
    if reader.context == Clause::By {
        reader.receiver(open + 1, close);
    }
    reader.read();

    (close, closed)
}

/// How many words of a comment are read; the rest is skipped.
pub(crate) const MAX_PIECES: usize = 16;

/// A comment split into its first words, kept in the parser's
/// [`pieces`](Parser::pieces), and the parser to fill.
struct Reader<'p, 's> {
    parser: &'p mut Parser<'s>,
    context: Clause,
    count: usize,
}

impl<'s> Reader<'_, 's> {
    /// Splits the comment from `start` into words, address literals and
    /// angle addresses, separated by white space and commas, nested comments
    /// skipped, up to its closing parenthesis: returns where that is, and
    /// whether there is one before `end`.
    fn split(&mut self, start: usize, end: usize) -> (usize, bool) {
        let bytes = self.parser.bytes;
        let mut position = start;

        while position < end {
            let byte = bytes[position];
            if is(byte, BETWEEN_PIECES) {
                if byte == b')' {
                    return (position, true);
                }
                position += 1;
                continue;
            }
            if self.count == MAX_PIECES {
                return comment_close(bytes, position, end, 1);
            }

            let (piece_end, kind, shape) = match byte {
                b'(' => {
                    position = comment_end(bytes, position, end).0 + 1;
                    continue;
                }
                b'[' => (
                    bracket_end(bytes, position, end),
                    TokenKind::Bracket,
                    u16::MAX,
                ),
                b'<' => (
                    closer_end(bytes, position, end, b'>'),
                    TokenKind::Angle,
                    u16::MAX,
                ),
                b'"' => (
                    closer_end(bytes, position, end, b'"'),
                    TokenKind::Quoted,
                    u16::MAX,
                ),
                _ => {
                    let (piece_end, shape) = word_end(bytes, position, end);
                    (piece_end, TokenKind::Word, shape)
                }
            };

            self.parser.pieces[self.count] = Token {
                start: position,
                end: piece_end,
                kind,
                shape,
            };
            self.count += 1;
            position = piece_end.max(position + 1);
        }

        (end, false)
    }

    /// The words in order, each matched against the dialects.
    fn read(&mut self) {
        let mut index = 0;

        while index < self.count {
            let used = self
                .keyword(index)
                .unwrap_or_else(|| self.positional(index));
            index += used.max(1);
        }
    }

    /// Reads a word that names what follows it. Returns how many pieces
    /// were used, or `None` if the word is no such keyword.
    fn keyword(&mut self, index: usize) -> Option<usize> {
        let start = self.parser.pieces[index].start;
        let lower = self.parser.bytes[start].to_ascii_lowercase();

        match lower {
            b'a' => self.authentication(index),
            b'c' if self.is(index, "cipher") => Some(1 + self.colon_triple(index + 1)),
            b'c' => self.assignment(index, "cipher=", Self::set_cipher),
            b'e' => self.envelope_or_exim(index),
            b'f' if self.is(index, "from") && self.is(index + 1, "userid") => {
                self.set(index + 2, |parts| &mut parts.local_user);
                Some(3)
            }
            b'h' | b'l' => self.greeting(index),
            b'i' => self.ident(index),
            b'o' if self.is(index, "ofmipd") => Some(1 + self.address(index + 1)),
            b'q' if self.is(index, "qmail") => Some(self.qmail(index)),
            b's' | b't' => self.tls(index),
            b'u' if self.is(index, "uid") => {
                self.set_digits(index + 1, |parts| &mut parts.local_user);
                Some(2)
            }
            b'u' if self.is(index, "using") => Some(self.using(index)),
            b'v' => self.assignment(index, "version=", Self::set_version),
            _ => None,
        }
    }

    /// Reads a word by where it stands: in the TCP-info after `from`, an
    /// address (a bare one only among the first two words, as version
    /// numbers look like addresses), a reverse-DNS name or `user@host`;
    /// first after `by`, an address.
    fn positional(&mut self, index: usize) -> usize {
        let piece = self.parser.pieces[index];

        if matches!(self.context, Clause::By) {
            return 1;
        }

        if !matches!(self.context, Clause::From) {
            return 1;
        }

        let bare_late = piece.kind == TokenKind::Word && index > 1;
        if !bare_late && self.address(index) == 1 {
            return 1;
        }
        if piece.kind == TokenKind::Word && piece.shape & AT != 0 {
            return self.user_at_host(index, piece.start);
        }
        if index == 0 {
            self.reverse_dns(piece, piece.shape);
        }

        1
    }

    /// `name [ip]`'s name, or `<name>` (attbi), as the reverse-DNS name.
    fn reverse_dns(&mut self, piece: Token, shape: u16) {
        let slot = self.parser.unwrapped(piece);
        let text = self.parser.str(slot);
        let shape = if piece.kind == TokenKind::Word {
            shape
        } else {
            crate::class::shape(text.as_bytes())
        };

        if piece.kind != TokenKind::Quoted && is_domain_shaped(text, shape) {
            self.parser.parts.reverse_dns.get_or_insert(slot);
            self.parser.recognised = true;
        }
    }

    /// `user@host` (Sendmail, qmail), `user@[ip]`, or qmail-smtpd-auth's
    /// `user@ip with mechanism`. Returns the pieces used.
    fn user_at_host(&mut self, index: usize, start: usize) -> usize {
        let text = self.text(index);
        let at = text.rfind('@').unwrap_or_default();
        let user = Slot::new(start, start + at);
        let mut used = 1;

        let host = if at + 1 == text.len() && self.kind(index + 1) == Some(TokenKind::Bracket) {
            used += 1;
            slot_of(self.parser.pieces[index + 1])
        } else {
            Slot::new(start + at + 1, self.parser.pieces[index].end)
        };

        if at > 0 {
            self.host(host);
        }

        let authenticated = self.is(index + used, "with") && index + used + 1 < self.count;
        let parts = &mut self.parser.parts;
        if authenticated {
            let mechanism = slot_of(self.parser.pieces[index + used + 1]);
            parts.auth_user.get_or_insert(user);
            parts.auth_mechanism.get_or_insert(mechanism);
            parts
                .auth
                .get_or_insert_with(|| Slot::new(start, mechanism.end as usize));
            used += 2;
        } else if at > 0 {
            parts.ident.get_or_insert(user);
        }

        self.parser.recognised = true;
        used
    }

    /// The host of `user@host`: an address, or the reverse-DNS name.
    fn host(&mut self, host: Slot) {
        let address = parse_ip(self.parser.str(host));
        let parts = &mut self.parser.parts;

        match address {
            Some((ip, port)) if parts.from_ip.is_none() => {
                parts.from_ip = Some((ip, host));
                parts.from_port = parts.from_port.or(port);
            }
            Some(_) => {}
            None if host.start < host.end => {
                parts.reverse_dns.get_or_insert(host);
            }
            None => {}
        }
    }

    /// An address at `index`, taken as the client's. Returns 1 if it was
    /// one, else 0.
    fn address(&mut self, index: usize) -> usize {
        let Some(piece) = self.parser.pieces[..self.count].get(index).copied() else {
            return 0;
        };
        let bare = piece.kind == TokenKind::Word;
        if bare && !could_be_address(piece.end - piece.start, piece.shape) {
            return 0;
        }
        let Some((ip, port)) = parse_ip_shaped(self.text(index), piece.shape) else {
            return 0;
        };

        let parts = &mut self.parser.parts;
        if parts.from_ip.is_none() {
            parts.from_ip = Some((ip, slot_of(piece)));
            parts.from_port = parts.from_port.or(port);
        }
        self.parser.recognised = true;
        1
    }

    /// A comment after `by`'s host: an address first is the receiver's
    /// address; otherwise the text is the MTA's name for itself.
    fn receiver(&mut self, start: usize, end: usize) {
        let first = self.parser.pieces[0];
        if let Some((ip, _)) = parse_ip_shaped(self.text(0), first.shape) {
            let slot = slot_of(self.parser.pieces[0]);
            self.parser.parts.by_ip.get_or_insert((ip, slot));
            if self.count == 1 {
                return;
            }
        }

        let first = self.parser.skip_space(start, end);
        let last = self.parser.bytes[start..end]
            .iter()
            .rposition(|&byte| !is_space(byte))
            .map(|position| start + position + 1);

        if let (Some(first), Some(last), None) = (first, last, self.parser.parts.by_software) {
            self.parser.parts.by_software = Some(Slot::new(first, last));
        }
    }
}

/// The dialects' keywords.
impl<'s> Reader<'_, 's> {
    /// `AUTH: mechanism user` (Courier), `account user` (CommuniGate),
    /// `authenticated sender: user`, `authenticated user user`,
    /// `authenticated as user`, `authenticated bits=0`.
    fn authentication(&mut self, index: usize) -> Option<usize> {
        let start = self.parser.pieces[index].start;

        if self.is(index, "auth:") {
            let mut words = 0;
            while index + 1 + words < self.count && !self.is(index + 1 + words, "tls:") {
                words += 1;
            }
            if words >= 2 {
                self.set(index + 1, |parts| &mut parts.auth_mechanism);
            }
            if words >= 1 {
                self.set(index + words.min(2), |parts| &mut parts.auth_user);
            }
            let end = self.parser.pieces[index + words.min(2)].end;
            self.parser
                .parts
                .auth
                .get_or_insert_with(|| Slot::new(start, end));
            self.parser.recognised = true;
            return Some(1 + words.min(2));
        }

        if self.is(index, "account") && self.context == Clause::From {
            self.set(index + 1, |parts| &mut parts.auth_user);
            self.mark_authenticated(start, index + 1);
            return Some(2);
        }

        if !self.is(index, "authenticated") {
            return None;
        }

        let named = ["sender:", "user", "as", "id"]
            .iter()
            .any(|word| self.is(index + 1, word));
        if named && index + 2 < self.count {
            self.set(index + 2, |parts| &mut parts.auth_user);
            self.mark_authenticated(start, index + 2);
            return Some(3);
        }

        let bits = self.text(index + 1).starts_with("bits=");
        self.mark_authenticated(start, if bits { index + 1 } else { index });
        Some(if bits { 2 } else { 1 })
    }

    fn mark_authenticated(&mut self, start: usize, last: usize) {
        let last = last.min(self.count.saturating_sub(1));
        let end = self.parser.pieces[last].end;

        self.parser
            .parts
            .auth
            .get_or_insert_with(|| Slot::new(start, end));
        self.parser.recognised = true;
    }

    /// `envelope-from <a>`, `envelope-sender <a>`, and the word `Exim`.
    fn envelope_or_exim(&mut self, index: usize) -> Option<usize> {
        if self.is(index, "exim") {
            self.parser.hints.exim = true;
            return Some(1);
        }
        if let Some(used) = self.greeting(index) {
            return Some(used);
        }
        if !(self.is(index, "envelope-from") || self.is(index, "envelope-sender")) {
            return None;
        }

        if let Some(piece) = self.parser.pieces[..self.count].get(index + 1).copied() {
            let slot = self.parser.unwrapped(piece);
            self.parser.parts.envelope_from.get_or_insert(slot);
            self.parser.recognised = true;
        }
        Some(2)
    }

    /// `HELO name`, `EHLO name`, `LHLO name`, `helo=name`, `ehlo=name`.
    fn greeting(&mut self, index: usize) -> Option<usize> {
        let word = self.text(index);
        let command = word.get(..4).unwrap_or_default();
        let greeting = [
            ("helo", Greeting::Helo),
            ("ehlo", Greeting::Ehlo),
            ("lhlo", Greeting::Lhlo),
        ]
        .into_iter()
        .find_map(|(name, greeting)| command.eq_ignore_ascii_case(name).then_some(greeting))?;

        let piece = self.parser.pieces[index];
        let (value, used) = match &word[4..] {
            "" => (
                self.parser.pieces[..self.count]
                    .get(index + 1)
                    .map(|&next| slot_of(next)),
                2,
            ),
            "=" => (
                self.parser.pieces[..self.count]
                    .get(index + 1)
                    .map(|&next| slot_of(next)),
                2,
            ),
            rest if rest.starts_with('=') => (Some(Slot::new(piece.start + 5, piece.end)), 1),
            _ => return None,
        };

        let parts = &mut self.parser.parts;
        parts.greeting.get_or_insert(greeting);
        if let Some(value) = value {
            parts.helo.get_or_insert(value);
        }
        self.parser.hints.comment_helo = true;
        self.parser.recognised = true;
        Some(used)
    }

    /// `ident=user`, `ident=[user]`, `IDENT:user@host`.
    fn ident(&mut self, index: usize) -> Option<usize> {
        let word = self.text(index);
        let prefix = word.get(..6).unwrap_or_default();
        let start = self.parser.pieces[index].start;

        if prefix.eq_ignore_ascii_case("ident:") && word.len() > 6 {
            let user = match word.rfind('@') {
                Some(at) if at > 6 => {
                    self.host(Slot::new(start + at + 1, self.parser.pieces[index].end));
                    Slot::new(start + 6, start + at)
                }
                _ => Slot::new(start + 6, self.parser.pieces[index].end),
            };
            self.parser.parts.ident.get_or_insert(user);
            self.parser.recognised = true;
            return Some(1);
        }

        if !prefix.eq_ignore_ascii_case("ident=") {
            return None;
        }

        let (user, used) = match word.len() {
            6 => match self.parser.pieces[..self.count].get(index + 1) {
                Some(&next) => (self.parser.unwrapped(next), 2),
                None => return Some(1),
            },
            _ => (Slot::new(start + 6, self.parser.pieces[index].end), 1),
        };
        self.parser.parts.ident.get_or_insert(user);
        self.parser.recognised = true;
        Some(used)
    }

    /// `qmail 1234 invoked by uid 1004`, `... invoked from network`.
    fn qmail(&mut self, index: usize) -> usize {
        if !self.is(index + 2, "invoked") {
            return 1;
        }

        self.parser.recognised = true;
        if self.is(index + 3, "by") && self.is(index + 4, "uid") {
            self.set(index + 5, |parts| &mut parts.local_user);
            return 6;
        }

        3
    }

    /// `TLS: version, bits, cipher` (Courier), `tls_cipher V:C:bits`,
    /// `TLSv1.3:C:256` (Exim, OpenSMTPD), a lone `(TLS1.3)` (Exim).
    fn tls(&mut self, index: usize) -> Option<usize> {
        let word = self.text(index);

        if self.is(index, "tls:") {
            self.set_version(index + 1);
            let cipher = (index + 2..self.count).find(|&next| {
                let text = self.text(next);
                let bits = text.len() >= 4
                    && text.as_bytes()[text.len() - 4..].eq_ignore_ascii_case(b"bits");
                !bits && !self.is(next, "auth:")
            });
            if let Some(cipher) = cipher {
                self.set_cipher(cipher);
                return Some(cipher + 1 - index);
            }
            return Some(2);
        }

        if self.is(index, "tls_cipher") {
            return Some(1 + self.colon_triple(index + 1));
        }

        let head = word.get(..3).unwrap_or_default();
        if !head.eq_ignore_ascii_case("tls") && !head.eq_ignore_ascii_case("ssl") {
            return None;
        }

        if word.bytes().any(|byte| byte == b':') {
            return Some(self.colon_triple(index));
        }
        if self.count == 1 && TlsVersion::recognise(word).is_some() {
            self.set_version(index);
            return Some(1);
        }

        None
    }

    /// `VERSION:CIPHER[:BITS...]` at `index`. Returns the pieces used.
    fn colon_triple(&mut self, index: usize) -> usize {
        let Some(piece) = self.parser.pieces[..self.count].get(index).copied() else {
            return 0;
        };
        let text = self.text(index);
        let Some(colon) = text.find(':') else {
            return 0;
        };

        let version = Slot::new(piece.start, piece.start + colon);
        let rest = &text[colon + 1..];
        let cipher_length = rest.find(':').unwrap_or(rest.len());
        let parts = &mut self.parser.parts;

        parts
            .tls_version
            .get_or_insert_with(|| (TlsVersion::recognise(&text[..colon]), version));
        if cipher_length > 0 {
            let cipher_start = piece.start + colon + 1;
            parts
                .tls_cipher
                .get_or_insert_with(|| Slot::new(cipher_start, cipher_start + cipher_length));
        }
        self.parser.recognised = true;
        1
    }

    /// Postfix's `using VERSION with cipher CIPHER`.
    fn using(&mut self, index: usize) -> usize {
        self.set_version(index + 1);

        if self.is(index + 2, "with") && self.is(index + 3, "cipher") {
            self.set_cipher(index + 4);
            return 5;
        }

        2
    }

    /// `name=value` with `name` given as `prefix`: stores the value with
    /// `store`, or the next piece when the value is empty.
    fn assignment(
        &mut self,
        index: usize,
        prefix: &str,
        store: fn(&mut Self, usize),
    ) -> Option<usize> {
        let word = self.text(index);
        let head = word.get(..prefix.len())?;

        if !head.eq_ignore_ascii_case(prefix) {
            return None;
        }

        if word.len() == prefix.len() {
            store(self, index + 1);
            return Some(2);
        }

        let piece = &mut self.parser.pieces[index];
        piece.start += prefix.len();
        store(self, index);
        Some(1)
    }
}

/// Storing pieces.
impl<'s> Reader<'_, 's> {
    fn set_version(&mut self, index: usize) {
        if index >= self.count {
            return;
        }

        let version = TlsVersion::recognise(self.text(index));
        let slot = slot_of(self.parser.pieces[index]);
        self.parser.parts.tls_version.get_or_insert((version, slot));
        self.parser.recognised = true;
    }

    fn set_cipher(&mut self, index: usize) {
        self.set(index, |parts| &mut parts.tls_cipher);
    }

    /// Stores the piece at `index`, without brackets, in the part `field`
    /// selects, unless that part is known already.
    fn set(&mut self, index: usize, field: fn(&mut Parts) -> &mut Option<Slot>) {
        if let Some(&piece) = self.parser.pieces[..self.count].get(index) {
            let slot = self.parser.unwrapped(piece);
            field(self.parser.parts).get_or_insert(slot);
            self.parser.recognised = true;
        }
    }

    /// Like [`Reader::set`], only for a piece of digits.
    fn set_digits(&mut self, index: usize, field: fn(&mut Parts) -> &mut Option<Slot>) {
        let text = self.text(index);

        if !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()) {
            self.set(index, field);
        }
    }

    fn text(&self, index: usize) -> &'s str {
        let text: &'s str = self.parser.text;

        match self.parser.pieces[..self.count].get(index) {
            Some(piece) => text.get(piece.start..piece.end).unwrap_or_default(),
            None => "",
        }
    }

    fn kind(&self, index: usize) -> Option<TokenKind> {
        self.parser.pieces[..self.count]
            .get(index)
            .map(|piece| piece.kind)
    }

    /// Whether the piece at `index` is `word`, without regard to case;
    /// compared as bytes, which needs no check of character boundaries.
    fn is(&self, index: usize, word: &str) -> bool {
        let bytes = match self.parser.pieces[..self.count].get(index) {
            Some(piece) => self.parser.bytes.get(piece.start..piece.end),
            None => None,
        };

        bytes.is_some_and(|bytes| bytes.eq_ignore_ascii_case(word.as_bytes()))
    }
}

fn slot_of(piece: Token) -> Slot {
    Slot::new(piece.start, piece.end)
}

/// The end of a word inside a comment.
fn word_end(bytes: &[u8], start: usize, end: usize) -> (usize, u16) {
    let bytes_to_end = bytes.get(..end).unwrap_or_default();
    let mut position = start;
    let mut shape = 0;

    loop {
        if position < bytes_to_end.len() {
            let (run_end, run_shape) = run_end(bytes_to_end, position, PIECE_END | COMMENT_SYNTAX);
            position = run_end;
            shape |= run_shape;
        }

        // A quoted-pair (RFC 5322 §3.2.1) stays in the word.
        match bytes.get(position) {
            Some(b'\\') if position < end => position += 2,
            _ => return (position.min(end), shape),
        }
    }
}

/// The end of `[...]` with a `:port` or `.port` after it, or of the word
/// when the bracket is not closed.
fn bracket_end(bytes: &[u8], start: usize, end: usize) -> usize {
    let mut position = closer_end(bytes, start, end, b']');
    if bytes.get(position.wrapping_sub(1)) != Some(&b']') {
        return position;
    }

    if matches!(bytes.get(position), Some(b':' | b'.')) && position < end {
        let digits = bytes[position + 1..end]
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count();
        if digits > 0 {
            position += 1 + digits;
        }
    }

    position
}

/// The end of a piece closed by `closer`, or of the word when a comment
/// delimiter or the end comes first.
fn closer_end(bytes: &[u8], start: usize, end: usize, closer: u8) -> usize {
    let run = bytes.get(start + 1..end).unwrap_or_default();
    let stop = run
        .iter()
        .position(|&byte| byte == closer || is(byte, COMMENT_SYNTAX));

    match stop {
        Some(close) if run[close] == closer => start + close + 2,
        _ => word_end(bytes, start + 1, end).0,
    }
}

#[cfg(test)]
mod tests {
    use crate::Received;

    #[test]
    fn a_long_comment_ends_at_its_own_parenthesis_after_the_words_read() {
        let words = "w ".repeat(40);
        let value =
            format!("from a.example ({words}(nested) x) by b.example; 1 Mar 2024 10:00 +0000");
        let received = Received::parse(&value).unwrap();

        assert_eq!(received.by().unwrap().value, "b.example");
        assert!(
            received.deviations().is_empty(),
            "{:?}",
            received.deviations()
        );
    }

    #[test]
    fn a_bracket_or_quote_does_not_run_past_the_comment() {
        let received = Received::parse("from a ([192.0.2.1 \"x) by b.example (y])").unwrap();

        assert_eq!(received.by().unwrap().value, "b.example");
        assert_eq!(received.from_ip(), None);
    }
}
