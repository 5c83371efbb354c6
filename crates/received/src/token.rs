//! Tokens of a Received value and the scans that find them.
//!
//! A value is words, address literals (`[...]`), angle addresses (`<...>`),
//! quoted strings and comments
//! ([RFC 5322 §3.2](https://www.rfc-editor.org/rfc/rfc5322#section-3.2)),
//! separated by folding white space. These are the parser's scans over the
//! raw bytes: one table lookup per byte ([`class`](crate::class)), and
//! memchr over long comments.

use mailtrail_message::Span;

use crate::DeviationKind;
use crate::class::{COMMENT_SYNTAX, SPACE, WORD_END, is, run_end, shape};
use crate::parser::Parser;
use crate::received::Slot;

/// A token of the value: a word, an address literal, an angle address or
/// a quoted string, with its range.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) kind: TokenKind,
    /// The [`shape`](crate::class::shape) of a word; all classes for the
    /// other kinds, whose bytes were not classed.
    pub(crate) shape: u16,
}

/// The shapes a token can have.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum TokenKind {
    #[default]
    Word,
    /// `[...]`, with a `:port` after it if written.
    Bracket,
    /// `<...>`.
    Angle,
    /// `"..."`.
    Quoted,
}

/// Tokens and text.
impl<'s> Parser<'s> {
    /// The token starting at `start`, which is not white space.
    pub(crate) fn token(&mut self, start: usize, end: usize) -> Token {
        let (close, kind) = match self.bytes.get(start) {
            Some(b'[') => (find(self.bytes, start + 1, end, b']'), TokenKind::Bracket),
            Some(b'<') => (find(self.bytes, start + 1, end, b'>'), TokenKind::Angle),
            Some(b'"') => (quoted_end(self.bytes, start, end), TokenKind::Quoted),
            _ => {
                let (word_end, shape) = self.word_end_shaped(start, end);
                return Token {
                    start,
                    end: word_end,
                    kind: TokenKind::Word,
                    shape,
                };
            }
        };

        match close {
            Some(close) => Token {
                start,
                end: self.word_end(close + 1, end),
                kind,
                shape: u16::MAX,
            },
            None => {
                let word_end = self.word_end(start + 1, end);
                self.deviate(DeviationKind::Unclosed, start, word_end);
                Token {
                    start,
                    end: word_end,
                    kind: TokenKind::Word,
                    shape: shape(&self.bytes[start..word_end]),
                }
            }
        }
    }

    /// Whether the text at `start` (after white space) is the word `from`.
    pub(crate) fn starts_with_from(&self, start: usize, end: usize) -> bool {
        let Some(first) = self.skip_space(start, end) else {
            return false;
        };

        let word_end = self.word_end(first, end);
        self.bytes[first..word_end].eq_ignore_ascii_case(b"from")
    }

    /// The end of the run of bytes from `start` that are not delimiters.
    pub(crate) fn word_end(&self, start: usize, end: usize) -> usize {
        self.word_end_shaped(start, end).0
    }

    /// [`Parser::word_end`], and the [`shape`](crate::class::shape) of the
    /// run, found in the same pass.
    pub(crate) fn word_end_shaped(&self, start: usize, end: usize) -> (usize, u16) {
        let bytes = self.bytes.get(..end).unwrap_or_default();

        if start >= bytes.len() {
            return (start, 0);
        }
        run_end(bytes, start, WORD_END)
    }

    /// The first position at or after `from` that is not white space.
    pub(crate) fn skip_space(&self, from: usize, end: usize) -> Option<usize> {
        let run = self.bytes.get(from..end)?;

        run.iter()
            .position(|&byte| !is_space(byte))
            .map(|skip| from + skip)
    }

    pub(crate) fn str(&self, slot: Slot) -> &'s str {
        let text: &'s str = self.text;

        text.get(slot.start as usize..slot.end as usize)
            .unwrap_or_default()
    }

    /// Whether `token` is the word `word`, without regard to case.
    pub(crate) fn is(&self, token: Token, word: &[u8]) -> bool {
        self.bytes[token.start..token.end].eq_ignore_ascii_case(word)
    }

    /// The slot of a token without its angle brackets or brackets.
    pub(crate) fn unwrapped(&self, token: Token) -> Slot {
        let bytes = &self.bytes[token.start..token.end];
        let opened = matches!(
            token.kind,
            TokenKind::Angle | TokenKind::Bracket | TokenKind::Quoted
        );
        let closer = match token.kind {
            TokenKind::Angle => b'>',
            TokenKind::Bracket => b']',
            _ => b'"',
        };

        if !opened || bytes.len() < 2 || bytes.last() != Some(&closer) {
            return Slot::new(token.start, token.end);
        }

        Slot::new(token.start + 1, token.end - 1)
    }

    pub(crate) fn deviate(&mut self, kind: DeviationKind, start: usize, end: usize) {
        let span = Span::new(self.base + start, self.base + end);
        self.deviations.push(kind, span);
    }
}

/// The position of the `)` closing the comment that opens at `open`, and
/// whether there is one before `end` (else `end`). Nesting is counted and
/// quoted-pairs skipped (RFC 5322 §3.2.2), without recursion.
pub(crate) fn comment_end(bytes: &[u8], open: usize, end: usize) -> (usize, bool) {
    comment_close(bytes, open + 1, end, 1)
}

/// Like [`comment_end`], from `position` inside a comment nested `depth`
/// deep.
pub(crate) fn comment_close(
    bytes: &[u8],
    mut position: usize,
    end: usize,
    mut depth: usize,
) -> (usize, bool) {
    let end = end.min(bytes.len());

    while position < end {
        let Some(found) = find_comment_syntax(&bytes[position..end]) else {
            break;
        };
        position += found;

        match bytes[position] {
            b'(' => depth += 1,
            b')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return (position, true);
                }
            }
            _ => position += 1,
        }
        position += 1;
    }

    (end, false)
}

/// The position of the first `(`, `)` or `\\` in `bytes`: a plain loop for
/// the short run that usually holds it, then memchr for long comments.
fn find_comment_syntax(bytes: &[u8]) -> Option<usize> {
    let head = bytes.len().min(32);

    match bytes[..head]
        .iter()
        .position(|&byte| is(byte, COMMENT_SYNTAX))
    {
        Some(found) => Some(found),
        None => memchr::memchr3(b'(', b')', b'\\', &bytes[head..]).map(|found| head + found),
    }
}

/// The position of `closer` after `from`, not crossing a `;` or `end`.
fn find(bytes: &[u8], from: usize, end: usize, closer: u8) -> Option<usize> {
    let run = bytes.get(from..end)?;
    let found = run
        .iter()
        .position(|&byte| byte == closer || byte == b';')?;

    (run[found] == closer).then_some(from + found)
}

/// The position of the quote closing the quoted string at `open`.
fn quoted_end(bytes: &[u8], open: usize, end: usize) -> Option<usize> {
    let mut position = open + 1;

    while position < end {
        match bytes[position] {
            b'"' => return Some(position),
            b'\\' => position += 1,
            _ => {}
        }
        position += 1;
    }

    None
}

pub(crate) fn is_space(byte: u8) -> bool {
    is(byte, SPACE)
}
