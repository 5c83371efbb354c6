//! Signing: the DKIM-Signature field for a message
//! ([RFC 6376 §5](https://www.rfc-editor.org/rfc/rfc6376#section-5),
//! [RFC 8463 §3](https://www.rfc-editor.org/rfc/rfc8463#section-3)).
//!
//! The signer hashes the body, picks the header fields (§5.4), writes the
//! tags, signs the header data with the `b=` value empty (§5.5) and returns
//! the field folded and ready to prepend. RSASSA-PKCS1-v1_5 and Ed25519 are
//! deterministic, so the same message, options and `now` give the same
//! bytes.
//!
//! # Layout
//!
//! Tags are written ` name=value;` and packed into lines of at most 75
//! characters (the field name not counted); a line breaks only between tags,
//! or after a colon of an `h=` list too long for one line. `b=` comes last,
//! on its own lines, cut every 75 characters. With [`TagOrder::Alphabetical`]
//! this is the layout go-msgauth writes.

use std::time::Duration;

use mailtrail_message::split;

use crate::select::{FieldNames, signature_without_value};
use crate::signature::{DomainCheck, check_domain, is_same_or_subdomain};
use crate::{BodyHasher, Canonicalization, KeyError, SigningKey, canonicalize_header};

/// The header fields signed by default when present, in this order: those
/// RFC 6376 §5.4.1 recommends.
pub const DEFAULT_SIGNED_HEADERS: &[&str] = &[
    "From",
    "Reply-To",
    "Subject",
    "Date",
    "To",
    "Cc",
    "Resent-Date",
    "Resent-From",
    "Resent-To",
    "Resent-Cc",
    "In-Reply-To",
    "References",
    "List-Id",
    "List-Help",
    "List-Unsubscribe",
    "List-Subscribe",
    "List-Post",
    "List-Owner",
    "List-Archive",
    "Message-ID",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Content-ID",
    "Content-Description",
];

/// Signs messages for one domain and selector with one key.
///
/// ```
/// use mailtrail_dkim::{Canonicalization, Signer, SigningKey, TagOrder};
///
/// let key = SigningKey::from_ed25519_seed(&[5; 32])?;
/// let signer = Signer::new(&key, "example.com", "2024")?
///     .canonicalization(Canonicalization::Relaxed, Canonicalization::Simple)
///     .headers(["From", "Subject"])
///     .oversign(true)
///     .tag_order(TagOrder::Alphabetical);
///
/// let message = b"From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n";
/// let field = signer.sign(message, 1_700_000_000)?;
///
/// assert!(field.starts_with("DKIM-Signature: a=ed25519-sha256; bh="));
/// assert!(field.contains(" h=From:From:Subject:Subject;"));
/// assert!(field.ends_with("\r\n"));
/// assert_eq!(field, signer.sign(message, 1_700_000_000)?);
/// # Ok::<(), mailtrail_dkim::SignError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Signer<'k> {
    key: &'k SigningKey,
    signing_domain: String,
    selector: String,
    header_canonicalization: Canonicalization,
    body_canonicalization: Canonicalization,
    headers: Option<Vec<String>>,
    oversign: bool,
    body_length: bool,
    expire_after: Option<Duration>,
    identifier: Option<String>,
    timestamp: bool,
    tag_order: TagOrder,
}

impl<'k> Signer<'k> {
    /// A signer for `signing_domain` (the `d=` tag) and `selector` (the `s=`
    /// tag), with relaxed/relaxed canonicalization, the default header list,
    /// a timestamp, and no `l=`, `x=` or `i=`.
    pub fn new(
        key: &'k SigningKey,
        signing_domain: &str,
        selector: &str,
    ) -> Result<Self, SignError> {
        check_name("d", signing_domain)?;
        check_name("s", selector)?;

        Ok(Self {
            key,
            signing_domain: signing_domain.to_owned(),
            selector: selector.to_owned(),
            header_canonicalization: Canonicalization::Relaxed,
            body_canonicalization: Canonicalization::Relaxed,
            headers: None,
            oversign: false,
            body_length: false,
            expire_after: None,
            identifier: None,
            timestamp: true,
            tag_order: TagOrder::Conventional,
        })
    }

    /// Sets the header and body canonicalizations (the `c=` tag).
    pub fn canonicalization(mut self, header: Canonicalization, body: Canonicalization) -> Self {
        self.header_canonicalization = header;
        self.body_canonicalization = body;
        self
    }

    /// Signs exactly these header field names, in this order (the `h=` tag),
    /// instead of the present ones among [`DEFAULT_SIGNED_HEADERS`]. The list
    /// must name From.
    pub fn headers<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.headers = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Lists each signed name once more than the message has such fields,
    /// so that no field of that name can be added without breaking the
    /// signature (§8.15).
    pub const fn oversign(mut self, oversign: bool) -> Self {
        self.oversign = oversign;
        self
    }

    /// Writes `l=` with the length of the canonical body (§3.5; see §8.2 for
    /// why receivers distrust it).
    pub const fn body_length(mut self, body_length: bool) -> Self {
        self.body_length = body_length;
        self
    }

    /// Writes `x=` this long after `now`.
    pub const fn expire_after(mut self, lifetime: Duration) -> Self {
        self.expire_after = Some(lifetime);
        self
    }

    /// Writes `i=`, which must lie in the signing domain.
    pub fn identifier(mut self, identifier: &str) -> Result<Self, SignError> {
        let domain = identifier.rsplit_once('@').map(|(_, domain)| domain);
        let inside = domain.is_some_and(|domain| {
            check_domain(domain) != DomainCheck::Invalid
                && is_same_or_subdomain(domain, &self.signing_domain)
        });

        if !inside {
            return Err(SignError::IdentifierOutsideDomain {
                identifier: identifier.to_owned(),
            });
        }
        self.identifier = Some(identifier.to_owned());
        Ok(self)
    }

    /// Writes `t=` (the default) or not.
    pub const fn timestamp(mut self, timestamp: bool) -> Self {
        self.timestamp = timestamp;
        self
    }

    /// Chooses the order tags are written in.
    pub const fn tag_order(mut self, order: TagOrder) -> Self {
        self.tag_order = order;
        self
    }

    /// Signs `message` at `now` (Unix seconds, for `t=` and `x=`) and
    /// returns the DKIM-Signature field, folded with CRLF, to put above the
    /// message's first line.
    pub fn sign(&self, message: &[u8], now: u64) -> Result<String, SignError> {
        let block = split(message);
        let names = FieldNames::new(&block);
        if names.count("from") == 0 {
            return Err(SignError::NoFromField);
        }

        let signed = self.signed_headers(&names)?;
        let body = block
            .body_offset()
            .map_or(&[][..], |offset| &message[offset..]);
        let mut hasher = BodyHasher::new(self.body_canonicalization, None);
        hasher.update(body);
        let body_hash = hasher.finish();

        let tags = self.tags(now, &signed, &body_hash);
        let unsigned = layout(&tags, "");

        let mut data = Vec::new();
        let signed_refs: Vec<&str> = signed.iter().map(String::as_str).collect();
        for index in names.select(&signed_refs).into_iter().flatten() {
            let field = block.field(index).expect("selected fields exist");
            let name_length = field.name_span().len();
            canonicalize_header(
                self.header_canonicalization,
                field.raw(),
                name_length,
                &mut data,
            );
        }
        let unsigned_raw = unsigned.trim_end_matches("\r\n").as_bytes();
        let name_length = "DKIM-Signature".len();
        let end = unsigned_raw.len();
        signature_without_value(
            self.header_canonicalization,
            unsigned_raw,
            name_length,
            end..end,
            &mut data,
        );

        let signature = self.key.sign(&data).map_err(SignError::Key)?;
        Ok(layout(&tags, &crate::encoding::encode_base64(&signature)))
    }

    /// The `h=` names: the configured list or the present default ones,
    /// oversigned on request.
    fn signed_headers(&self, names: &FieldNames<'_>) -> Result<Vec<String>, SignError> {
        let base: Vec<String> = match &self.headers {
            Some(list) => list.clone(),
            None => DEFAULT_SIGNED_HEADERS
                .iter()
                .flat_map(|name| std::iter::repeat_n((*name).to_owned(), names.count(name)))
                .collect(),
        };

        if !base.iter().any(|name| name.eq_ignore_ascii_case("from")) {
            return Err(SignError::FromNotInHeaderList);
        }
        if let Some(bad) = base.iter().find(|name| !is_field_name(name)) {
            return Err(SignError::InvalidHeaderName(bad.clone()));
        }

        if !self.oversign {
            return Ok(base);
        }

        let mut distinct: Vec<&String> = Vec::new();
        for name in &base {
            if !distinct.iter().any(|seen| seen.eq_ignore_ascii_case(name)) {
                distinct.push(name);
            }
        }
        Ok(distinct
            .into_iter()
            .flat_map(|name| std::iter::repeat_n(name.clone(), names.count(name) + 1))
            .collect())
    }

    /// Every tag but `b=`, in the configured order.
    fn tags(
        &self,
        now: u64,
        signed: &[String],
        body_hash: &crate::BodyHash,
    ) -> Vec<(&'static str, String)> {
        let mut tags = vec![
            ("v", "1".to_owned()),
            ("a", self.key.algorithm().to_string()),
            (
                "c",
                format!(
                    "{}/{}",
                    self.header_canonicalization, self.body_canonicalization
                ),
            ),
            ("d", self.signing_domain.clone()),
            ("s", self.selector.clone()),
        ];

        if self.timestamp {
            tags.push(("t", now.to_string()));
        }
        if let Some(lifetime) = self.expire_after {
            tags.push((
                "x",
                now.saturating_add(lifetime.as_secs().max(1)).to_string(),
            ));
        }
        if self.body_length {
            tags.push(("l", body_hash.canonical_length.to_string()));
        }
        if let Some(identifier) = &self.identifier {
            tags.push(("i", identifier.clone()));
        }
        tags.push(("h", signed.join(":")));
        tags.push(("bh", crate::encoding::encode_base64(&body_hash.digest)));

        if self.tag_order == TagOrder::Alphabetical {
            tags.sort_by_key(|(name, _)| *name);
        }
        tags
    }
}

/// The order the signer writes tags in; `b=` always comes last.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TagOrder {
    /// `v a c d s t x l i h bh`, the order of RFC 6376's examples.
    #[default]
    Conventional,
    /// Sorted by name, as go-msgauth writes them.
    Alphabetical,
}

/// Why a message cannot be signed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The header list does not name From (§5.4).
    #[error("the header list does not name From")]
    FromNotInHeaderList,

    /// The `i=` value does not lie in the signing domain.
    #[error("identifier {identifier:?} is not in the signing domain")]
    IdentifierOutsideDomain {
        /// The value given.
        identifier: String,
    },

    /// A domain or selector that is not a domain name.
    #[error("tag {tag}={value:?} is not a valid domain name")]
    InvalidDomain {
        /// The tag, `d` or `s`.
        tag: &'static str,
        /// The value given.
        value: String,
    },

    /// A header list entry that is not a field name.
    #[error("{0:?} is not a header field name")]
    InvalidHeaderName(String),

    /// The key could not sign.
    #[error(transparent)]
    Key(#[from] KeyError),

    /// The message has no From field, which every signature must cover.
    #[error("the message has no From field")]
    NoFromField,
}

/// Lays the field out: tags packed into lines, then `b=` on its own lines.
fn layout(tags: &[(&'static str, String)], signature: &str) -> String {
    let mut field = String::from("DKIM-Signature:");
    let mut line = String::new();

    for (name, value) in tags {
        let item = format!(" {name}={value};");
        if !line.is_empty() && line.len() + item.len() > LINE_WIDTH {
            field.push_str(&line);
            field.push_str("\r\n");
            line.clear();
        }

        if item.len() > LINE_WIDTH && *name == "h" {
            fold_list(&mut field, &mut line, &item);
        } else {
            line.push_str(&item);
        }
    }
    field.push_str(&line);
    field.push_str("\r\n");

    let value = format!(" b={signature}");
    for (index, piece) in value.as_bytes().chunks(LINE_WIDTH).enumerate() {
        if index > 0 {
            field.push_str("\r\n ");
        }
        field.push_str(std::str::from_utf8(piece).expect("base64 is ASCII"));
    }
    field.push_str("\r\n");
    field
}

/// Lines hold at most this many characters, the field name not counted.
const LINE_WIDTH: usize = 75;

/// Writes a long `h=` item, breaking after colons so that no line passes
/// the width where a break is possible.
fn fold_list(field: &mut String, line: &mut String, item: &str) {
    let mut pieces = item.split_inclusive(':').peekable();

    while let Some(piece) = pieces.next() {
        line.push_str(piece);
        let next_length = pieces.peek().map_or(0, |next| next.len());
        if pieces.peek().is_some() && line.len() + next_length > LINE_WIDTH {
            field.push_str(line);
            field.push_str("\r\n ");
            line.clear();
        }
    }
}

/// Checks a `d=` or `s=` value.
fn check_name(tag: &'static str, value: &str) -> Result<(), SignError> {
    if check_domain(value) == DomainCheck::Invalid {
        return Err(SignError::InvalidDomain {
            tag,
            value: value.to_owned(),
        });
    }
    Ok(())
}

/// Whether `name` is a header field name (RFC 5322 §3.6.8).
fn is_field_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|byte| byte.is_ascii_graphic() && byte != b':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_pack_into_lines_of_at_most_75_characters() {
        let tags = vec![
            ("a", "rsa-sha256".to_owned()),
            ("bh", "x".repeat(44)),
            ("c", "simple/simple".to_owned()),
            ("d", "example.org".to_owned()),
        ];
        let field = layout(&tags, &"S".repeat(100));
        let lines: Vec<&str> = field.split("\r\n").collect();

        assert_eq!(
            lines[0],
            format!("DKIM-Signature: a=rsa-sha256; bh={};", "x".repeat(44))
        );
        assert_eq!(lines[1], " c=simple/simple; d=example.org;");
        assert_eq!(lines[2].len(), 75);
        assert_eq!(lines[3], format!(" {}", "S".repeat(28)));
        assert_eq!(lines[4], "");
    }

    #[test]
    fn long_header_lists_break_after_colons() {
        let names = ["X-Long-Header-Name"; 12].join(":");
        let field = layout(&[("h", names.clone())], "");

        assert!(
            field
                .lines()
                .all(|line| line.trim_end().len() <= LINE_WIDTH + 16)
        );
        let rejoined: String = field
            .split("\r\n")
            .map(str::trim_start)
            .collect::<Vec<_>>()
            .join("");
        assert!(rejoined.contains(&format!("h={names};")));
    }

    #[test]
    fn signing_needs_a_from_field_and_a_list_naming_it() {
        let key = SigningKey::from_ed25519_seed(&[2; 32]).unwrap();
        let signer = Signer::new(&key, "example.com", "s").unwrap();

        assert_eq!(
            signer.sign(b"To: b@example.com\r\n\r\nx\r\n", 0),
            Err(SignError::NoFromField)
        );
        assert_eq!(
            signer
                .clone()
                .headers(["To"])
                .sign(b"From: a@example.com\r\n\r\n", 0),
            Err(SignError::FromNotInHeaderList)
        );
        assert!(Signer::new(&key, "bad domain", "s").is_err());
        assert!(signer.identifier("x@other.example").is_err());
    }
}
