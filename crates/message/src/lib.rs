//! Header fields of a raw email message, split without copying, and the
//! RFC 5322 lexical tokens that the header parsers of mailtrail share.
//!
//! [`split`] reads the header block of a message given as bytes (CRLF or
//! bare LF line ends, 8-bit text allowed) and returns a [`HeaderBlock`]: every
//! header field with its name, its raw bytes exactly as received, its value
//! raw and unfolded, and the byte span of each in the input, plus the offset
//! where the body starts. Nothing is dropped and nothing fails: lines that
//! are not fields are kept and reported as [`Deviation`]s. The [`lexical`]
//! module holds the folding white space, comment, atom and quoted-string
//! parsers that the Received, Authentication-Results and DKIM-Signature
//! parsers build on.
//!
//! ```
//! use mailtrail_message::{DeviationKind, split};
//!
//! let message = b"Received: from mx.example.net (mx.example.net [192.0.2.25])\r\n\
//!                 \tby mx.example.com with ESMTPS id 4Xk2\r\n\
//!                 Subject : Invoice\r\n\
//!                 \r\n\
//!                 Please find attached.\r\n";
//! let block = split(message);
//!
//! let received = block.get("received").unwrap();
//! assert_eq!(received.index(), 0);
//! assert_eq!(
//!     received.value().unfolded_text(),
//!     " from mx.example.net (mx.example.net [192.0.2.25])\tby mx.example.com with ESMTPS id 4Xk2",
//! );
//!
//! let subject = block.get("subject").unwrap();
//! assert_eq!(&message[subject.value().span().range()], b" Invoice");
//! assert_eq!(block.deviations()[0].kind, DeviationKind::WhitespaceBeforeColon);
//!
//! let body_offset = block.body_offset().unwrap();
//! assert_eq!(&message[body_offset..], b"Please find attached.\r\n");
//!
//! let rebuilt: Vec<u8> = block.entries().flat_map(|entry| entry.raw().to_vec()).collect();
//! assert_eq!(rebuilt, block.as_bytes());
//! ```
//!
//! # Borrowing and owning
//!
//! A [`HeaderBlock`] borrows the message; the fields and values it hands out
//! borrow the block. Unfolding allocates only for a value that is folded.
//! [`HeaderBlock::into_owned`] copies the header bytes once so the result can
//! outlive the input; spans keep pointing into the original message.
//!
//! # Features
//!
//! - `serde`: `Serialize` for the result types. Raw bytes and values are
//!   written as text, with invalid UTF-8 replaced by U+FFFD; the spans next
//!   to them locate the exact bytes in the message.
//!
//! # Conformance and deviations
//!
//! Implemented:
//!
//! - [RFC 5322 §2.1](https://www.rfc-editor.org/rfc/rfc5322#section-2.1):
//!   the header block ends at the first empty line; the body follows it.
//! - [RFC 5322 §2.1.1](https://www.rfc-editor.org/rfc/rfc5322#section-2.1.1):
//!   lines over 998 characters are kept and reported as
//!   [`DeviationKind::LineTooLong`].
//! - [RFC 5322 §2.2](https://www.rfc-editor.org/rfc/rfc5322#section-2.2) and
//!   [§3.6.8](https://www.rfc-editor.org/rfc/rfc5322#section-3.6.8): a field
//!   is a name of `ftext`, a colon and a value; names compare without regard
//!   to case, as the ABNF literals they are (RFC 5234 §2.3).
//! - [RFC 5322 §2.2.3](https://www.rfc-editor.org/rfc/rfc5322#section-2.2.3):
//!   a line starting with white space continues the field above; unfolding
//!   removes each line break followed by white space and keeps the white
//!   space.
//! - [RFC 5322 §3.2.1 to §3.2.4](https://www.rfc-editor.org/rfc/rfc5322#section-3.2),
//!   in [`lexical`]: quoted-pair, FWS, comment, CFWS, atom, dot-atom and
//!   quoted-string.
//! - RFC 5322 §4.2, obsolete folding white space, in [`lexical::fws`] and in
//!   continuation lines of white space only
//!   ([`DeviationKind::WhitespaceOnlyLine`]).
//! - RFC 5322 §4.5.3, obsolete white space between a field name and its
//!   colon: accepted and reported as [`DeviationKind::WhitespaceBeforeColon`].
//! - [RFC 5322 §3.4](https://www.rfc-editor.org/rfc/rfc5322#section-3.4)
//!   and [RFC 6854](https://www.rfc-editor.org/rfc/rfc6854), in [`address`]:
//!   mailboxes of address fields, groups included, with the obsolete route
//!   and empty list elements of §4.4.
//! - [RFC 6532 §3.2](https://www.rfc-editor.org/rfc/rfc6532#section-3.2):
//!   UTF-8 in values, and non-ASCII characters as `atext`, `ctext` and
//!   `qtext`.
//!
//! Tolerated without a report, as a receiver of stored mail must:
//!
//! - Bare LF line ends, and a mix of LF and CRLF in one message. A carriage
//!   return not followed by LF is an ordinary byte of its line.
//! - NUL, other control characters and 8-bit bytes that are not UTF-8 in
//!   values (RFC 5322 §4.1 `obs-utext` allows NUL); text accessors replace
//!   invalid UTF-8 with U+FFFD, byte accessors return it as it is.
//! - A last line cut short by the end of the input, and a message with no
//!   empty line, whose header block then runs to the end of the input.
//!
//! Known gaps:
//!
//! - A field name must be printable US-ASCII; a line whose name holds an
//!   8-bit byte or a space is kept as a non-field line
//!   ([`DeviationKind::InvalidFieldName`]), never read as a field.
//! - The lexical parsers accept any character inside comments and quoted
//!   strings except the delimiters and the backslash; they do not reject the
//!   control characters that RFC 5322 §3.2.2 and §3.2.4 exclude.
//! - Encoded words (RFC 2047) are not decoded; the value is returned as
//!   written.

#![forbid(unsafe_code)]

pub mod address;
mod block;
mod deviation;
mod field;
pub mod lexical;
mod span;
mod split;

pub use block::{Entries, Entry, Fields, HeaderBlock, NonFieldLine, NonFieldLines};
pub use deviation::{Deviation, DeviationKind};
pub use field::{FieldValue, HeaderField};
pub use span::Span;
pub use split::split;
