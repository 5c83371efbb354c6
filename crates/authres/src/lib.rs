//! Authentication-Results ([RFC 8601]) and ARC-Authentication-Results
//! ([RFC 8617 §4.1.1]): parse them exactly, print them validly, and decide
//! which to believe.
//!
//! An Authentication-Results field is a receiving server's statement about
//! the SPF, DKIM and DMARC checks it made. [`AuthenticationResults::parse`]
//! reads one without copying: the authserv-id naming the server, and each
//! result with its method, result word, reason, properties and the comments
//! analysts read, each text borrowed from the input and each part with its
//! byte span. Lenient parsing, the default, accepts the deviations of real
//! mail and reports each as a [`Deviation`]; [`Strictness::Strict`] rejects
//! them. [`Display`](std::fmt::Display) writes the value back and
//! [`AuthenticationResults::to_field`] folds it into a field of 78-column
//! lines; parsing either gives the same value again.
//!
//! The statement is worth only as much as the server that wrote it.
//! [`TrustConfig::classify`] sorts the fields of a message into trusted,
//! untrusted and forged, given the authserv-ids the organisation trusts
//! and where outside content begins.
//!
//! ```
//! use mailtrail_authres::{
//!     DeviationKind, Method, ResultValue, Strictness, Trust, TrustConfig, parse_fields,
//! };
//! use mailtrail_message::split;
//!
//! let message = b"Authentication-Results: mta.old-vendor.com; dkim=pass (signature was\r\n\
//!     \x20 verified) header.d=vendor.com; spf=pass (sender IP is 198.51.100.24)\r\n\
//!     \x20 smtp.mailfrom=notifications@vendor.com; dmarc=pass action=none\r\n\
//!     \x20 header.from=vendor.com\r\n\
//!     Received: from mta.vendor.com by mta.old-vendor.com\r\n\
//!     \r\n";
//! let block = split(message);
//! let fields = parse_fields(&block, Strictness::Lenient);
//! let header = fields[0].parsed.as_ref().unwrap();
//!
//! assert_eq!(header.authserv_id.as_deref(), Some("mta.old-vendor.com"));
//! let methods: Vec<&Method> = header.results.iter().map(|result| &result.method).collect();
//! assert_eq!(methods, [&Method::Dkim, &Method::Spf, &Method::Dmarc]);
//! assert!(header.results.iter().all(|result| result.result == ResultValue::Pass));
//! assert_eq!(header.results[1].comments, ["sender IP is 198.51.100.24"]);
//! assert_eq!(header.results[1].property("smtp", "mailfrom"), Some("notifications@vendor.com"));
//!
//! // Microsoft's `action=none` has no property type: kept, and reported.
//! assert_eq!(header.deviations[0].kind, DeviationKind::PropertyWithoutType);
//! assert_eq!(&message[header.deviations[0].span.range()], b"action=none");
//!
//! // The server that vouched for the message is not one of ours.
//! let verdicts = TrustConfig::new(["mx.ourcompany.com"]).classify(&fields, None);
//! assert_eq!(verdicts[0].trust, Trust::Untrusted);
//! ```
//!
//! # Borrowing and owning
//!
//! A parsed value borrows the input: tokens, addresses and quoted strings or
//! comments without escapes are slices of it; a quoted string or comment
//! with quoted-pairs or folding is copied to hold its meaning. The lists of
//! results, properties and comments are [`InlineVec`]s that hold their first
//! items inline (four results, three properties per result, one comment per
//! part), so a typical field parses without any heap allocation; a longer
//! list moves to the heap once. They deref to slices, and a `Vec` converts
//! into one with `.into()`.
//! [`AuthenticationResults::into_owned`] copies everything so the value can
//! outlive the input. Spans count bytes of the parsed value, or of the
//! message for [`parse_field`] and [`parse_fields`].
//!
//! # Features
//!
//! - `serde`: `Serialize` for the parsed value, deviations, errors and
//!   verdicts. Methods, results and property types are written as their
//!   tokens, deviation kinds as kebab-case words.
//!
//! # Conformance and deviations
//!
//! Implemented:
//!
//! - [RFC 8601 §2.2]: the whole grammar: authserv-id as token or quoted
//!   string, `authres-version`, `none`, and each `resinfo` with method and
//!   method version, result, `reason=`, and properties whose value is a
//!   token, a quoted string, `local-part@domain` or `@domain`. CFWS and
//!   nested comments wherever the grammar allows them; each comment is kept
//!   with the authserv-id, result or property it follows.
//! - [RFC 8601 §2.3] to [§2.7]: registered property types, methods and
//!   result words as enums ([`PropertyType`], [`Method`], [`ResultValue`]),
//!   with any other name kept as written; results not registered for their
//!   method are reported ([`DeviationKind::UnregisteredResult`]). The
//!   methods of RFC 5617, 6212, 6541, 7281, 7293, 7489, 8617 and 8904, and
//!   BIMI's, are included.
//! - [RFC 8601 §5] and [§7.1]: the trust classification of [`TrustConfig`].
//! - [RFC 8616 §5]: UTF-8 in authserv-ids, values, quoted strings and
//!   comments.
//! - [RFC 8617 §4.1.1]: the `i=` instance of ARC-Authentication-Results,
//!   with the range 1 to 50 of §4.2.1.
//! - RFC 5322 §2.1.1 and §2.2.3: folding to 78-column lines, undone by
//!   unfolding.
//!
//! Tolerated in lenient mode, each reported as a [`DeviationKind`] and
//! rejected in strict mode: a missing authserv-id (Microsoft 365), a
//! trailing or doubled `;`, text after the authserv-id (Yahoo), result
//! words such as `perm_fail` or the deprecated `hardfail`, a missing `;` or
//! space between parts, properties without a type (`action=none`), `reason=`
//! after the properties, unquoted values with special characters
//! (`header.b=ab/cd`, `policy.iprev=2001:db8::1`), empty values, names that
//! are not keywords, lone words between semicolons, a misplaced `none`, a
//! missing or out-of-range ARC instance, and control characters in quoted
//! strings and comments.
//!
//! Never tolerated, in either mode: an empty value, an unclosed comment or
//! quoted string, a line break that would end the field, a value that is not
//! UTF-8, and numbers over 32 bits. These give a [`ParseError`] with the
//! byte offset.
//!
//! Known gaps:
//!
//! - The version of a field or method other than 1 is reported, not acted
//!   on: RFC 8601 §2.6 has readers ignore fields of versions they do not
//!   know, which is the caller's decision.
//! - Property values are not checked against what each method registers
//!   (such as `header.d` for `dkim`): any property is kept.
//! - Encoded words (RFC 2047) in comments are not decoded.
//! - A comment between a property value and the next `;` is kept with the
//!   property; one after the `;` and before the next method is kept with the
//!   next result.
//! - [`Display`](std::fmt::Display) writes a line break or NUL inside a text
//!   as a space, since no field can hold one there; such a value does not
//!   read back the same.
//!
//! [RFC 8601]: https://www.rfc-editor.org/rfc/rfc8601
//! [RFC 8601 §2.2]: https://www.rfc-editor.org/rfc/rfc8601#section-2.2
//! [RFC 8601 §2.3]: https://www.rfc-editor.org/rfc/rfc8601#section-2.3
//! [§2.7]: https://www.rfc-editor.org/rfc/rfc8601#section-2.7
//! [RFC 8601 §5]: https://www.rfc-editor.org/rfc/rfc8601#section-5
//! [§7.1]: https://www.rfc-editor.org/rfc/rfc8601#section-7.1
//! [RFC 8616 §5]: https://www.rfc-editor.org/rfc/rfc8616#section-5
//! [RFC 8617 §4.1.1]: https://www.rfc-editor.org/rfc/rfc8617#section-4.1.1

#![forbid(unsafe_code)]

mod deviation;
mod error;
mod field;
mod header;
mod inline;
mod lex;
mod parse;
mod print;
mod registry;
mod resinfo;
mod syntax;
mod trust;

pub use deviation::{Deviation, DeviationKind};
pub use error::{Expected, ParseError};
pub use field::{AuthresField, FieldKind, ParseOptions, Strictness, parse_field, parse_fields};
pub use header::{AuthenticationResults, Comments, Properties, Property, ResultInfo, Results};
pub use inline::{InlineItem, InlineVec};
pub use registry::{Method, PropertyType, ResultValue};
pub use trust::{Trust, TrustConfig, TrustReason, Verdict};
