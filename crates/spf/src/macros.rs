//! Macro strings ([RFC 7208 §7]): their grammar, the letters and transformers
//! of a `%{...}` expansion, how each letter expands, and the truncation of
//! expanded domain names to 253 octets.
//!
//! [RFC 7208 §7]: https://www.rfc-editor.org/rfc/rfc7208#section-7

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::net::IpAddr;

/// The longest domain name in presentation form, without the trailing dot
/// (§7.3: expanded names longer than this are truncated on the left).
pub const MAX_DOMAIN_LENGTH: usize = 253;

/// A `macro-string` (§7.1): literal text with `%{...}` expansions and the
/// escapes `%%`, `%_` and `%-`.
///
/// It keeps its text as written, checked against the grammar of where it
/// stands: in a domain-spec or an unknown modifier the letters `c`, `r` and
/// `t` are refused (§7.1: "allowed only in exp text") and so are spaces; in
/// an explanation string (the TXT record an `exp=` names) both are allowed.
///
/// ```
/// use mailtrail_spf::{MacroString, MacroValues};
///
/// let text = MacroString::explanation("%{i} is not one of %{d}'s hosts (%{l1r-})")?;
/// let values = MacroValues {
///     local_part: "strong-bad",
///     ..MacroValues::new("192.0.2.3".parse()?, "strong-bad@email.example.com", "email.example.com")
/// };
/// assert_eq!(text.expand(&values), "192.0.2.3 is not one of email.example.com's hosts (strong)");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MacroString<'a> {
    text: Cow<'a, str>,
}

/// One piece of a macro-string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MacroToken<'a> {
    /// Text copied as it is.
    Literal(&'a str),
    /// A `%{...}` expansion.
    Expand(MacroExpand),
    /// `%%`: a percent sign.
    Percent,
    /// `%_`: a space.
    Space,
    /// `%-`: the URL-encoded space `%20`.
    UrlSpace,
}

/// A `%{` macro-letter transformers *delimiter `}` expansion (§7.1, §7.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MacroExpand {
    /// Which value to expand.
    pub letter: MacroLetter,
    /// Whether the letter was written in upper case: the result is then
    /// URL-escaped (§7.3).
    pub url_escape: bool,
    /// The DIGIT transformer: how many right-hand parts to keep. `None` keeps
    /// all; the grammar refuses 0.
    pub keep: Option<u32>,
    /// The `r` transformer: reverse the parts before keeping.
    pub reverse: bool,
    /// The delimiters to split on; none written means `.`.
    pub delimiters: Delimiters,
}

/// The macro letters of §7.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum MacroLetter {
    /// `s`: the sender, `local-part@domain`.
    Sender,
    /// `l`: the local-part of the sender.
    LocalPart,
    /// `o`: the domain of the sender.
    SenderDomain,
    /// `d`: the domain being checked.
    Domain,
    /// `i`: the client IP, dotted quad or dotted nibbles.
    Ip,
    /// `p`: the validated domain name of the client IP.
    ValidatedDomain,
    /// `v`: `in-addr` for IPv4, `ip6` for IPv6.
    IpVersion,
    /// `h`: the HELO/EHLO domain.
    Helo,
    /// `c`: the client IP in its usual form (explanations only).
    ClientIp,
    /// `r`: the receiving host's name (explanations only).
    Receiver,
    /// `t`: the current time in seconds since the Unix epoch (explanations
    /// only).
    Timestamp,
}

/// A set of the delimiters of §7.1: `.`, `-`, `+`, `,`, `/`, `_`, `=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Delimiters(u8);

/// The values macros expand to: the arguments of `check_host()` and what the
/// receiver knows (§7.3).
///
/// [`MacroValues::new`] fills the sender's parts from the sender; the
/// optional values expand to `unknown` when absent (§7.3 says so for `p` and
/// `r`; this crate does the same for `h` and `t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MacroValues<'v> {
    /// `s`: the sender, `local-part@domain`.
    pub sender: &'v str,
    /// `l`: the local-part.
    pub local_part: &'v str,
    /// `o`: the domain of the sender.
    pub sender_domain: &'v str,
    /// `d`: the domain whose record is evaluated.
    pub domain: &'v str,
    /// `i`, `c` and `v`: the client IP (an IPv4-mapped IPv6 address should be
    /// given as IPv4, §5).
    pub ip: IpAddr,
    /// `p`: the validated domain name of the client IP.
    pub validated_domain: Option<&'v str>,
    /// `h`: the HELO/EHLO domain.
    pub helo: Option<&'v str>,
    /// `r`: the receiving host's domain name.
    pub receiver: Option<&'v str>,
    /// `t`: seconds since the Unix epoch.
    pub timestamp: Option<u64>,
}

impl<'a> MacroString<'a> {
    /// Parses the value of an unknown modifier: any macro-string without the
    /// letters `c`, `r`, `t`.
    pub fn parse(text: &'a str) -> Result<Self, &'static str> {
        validate(text, false)?;
        Ok(Self {
            text: Cow::Borrowed(text),
        })
    }

    /// Parses an explanation string (§6.2): spaces and all letters allowed.
    pub fn explanation(text: &'a str) -> Result<Self, &'static str> {
        validate(text, true)?;
        Ok(Self {
            text: Cow::Borrowed(text),
        })
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The pieces of the string, in order.
    pub fn tokens(&self) -> impl Iterator<Item = MacroToken<'_>> {
        let mut rest = self.as_str();
        std::iter::from_fn(move || {
            let (token, length) = next_token(rest, true).ok()??;
            rest = &rest[length..];
            Some(token)
        })
    }

    /// Whether any expansion uses this letter.
    pub fn uses(&self, letter: MacroLetter) -> bool {
        self.tokens()
            .any(|token| matches!(token, MacroToken::Expand(expand) if expand.letter == letter))
    }

    /// Whether the string is plain text without any `%`.
    pub fn is_literal(&self) -> bool {
        !self.text.contains('%')
    }

    /// Expands every macro (§7.3).
    pub fn expand(&self, values: &MacroValues<'_>) -> String {
        let mut out = String::with_capacity(self.text.len() + 16);
        self.expand_into(values, &mut out);
        out
    }

    /// Expands every macro, appending to `out`.
    pub fn expand_into(&self, values: &MacroValues<'_>, out: &mut String) {
        let mut scratch = String::new();

        for token in self.tokens() {
            match token {
                MacroToken::Literal(text) => out.push_str(text),
                MacroToken::Percent => out.push('%'),
                MacroToken::Space => out.push(' '),
                MacroToken::UrlSpace => out.push_str("%20"),
                MacroToken::Expand(expand) => {
                    scratch.clear();
                    expand.expand_into(values, &mut scratch, out);
                }
            }
        }
    }

    /// A copy that owns its text.
    pub fn into_owned(self) -> MacroString<'static> {
        MacroString {
            text: Cow::Owned(self.text.into_owned()),
        }
    }

    /// Wraps text already checked against the domain-spec grammar.
    pub(crate) fn checked(text: &'a str) -> Self {
        Self {
            text: Cow::Borrowed(text),
        }
    }
}

impl fmt::Display for MacroString<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl MacroExpand {
    /// Expands into `out`, using `scratch` for the raw value.
    fn expand_into(&self, values: &MacroValues<'_>, scratch: &mut String, out: &mut String) {
        self.letter.write_value(values, scratch);

        let plain = self.keep.is_none() && !self.reverse && self.delimiters.is_dot_only();
        if plain && !self.url_escape {
            out.push_str(scratch);
            return;
        }

        let transformed;
        let value = if plain {
            scratch.as_str()
        } else {
            transformed = self.transform(scratch);
            transformed.as_str()
        };
        if self.url_escape {
            url_escape_into(value, out);
        } else {
            out.push_str(value);
        }
    }

    /// Splits on the delimiters, reverses, keeps the right-hand parts and
    /// joins them with dots (§7.3).
    fn transform(&self, value: &str) -> String {
        let mut parts: Vec<&str> = value
            .split(|c: char| self.delimiters.splits_on(c))
            .collect();
        if self.reverse {
            parts.reverse();
        }

        let keep = self
            .keep
            .map_or(parts.len(), |keep| parts.len().min(keep as usize));
        parts[parts.len() - keep..].join(".")
    }
}

impl fmt::Display for MacroExpand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let letter = self.letter.as_char();
        let letter = if self.url_escape {
            letter.to_ascii_uppercase()
        } else {
            letter
        };
        write!(f, "%{{{letter}")?;
        if let Some(keep) = self.keep {
            write!(f, "{keep}")?;
        }
        if self.reverse {
            f.write_char('r')?;
        }
        for delimiter in DELIMITERS {
            if self.delimiters.contains(delimiter) {
                f.write_char(delimiter)?;
            }
        }
        f.write_char('}')
    }
}

impl MacroLetter {
    /// The letter for a character, in either case.
    pub fn from_char(letter: char) -> Option<Self> {
        Some(match letter.to_ascii_lowercase() {
            's' => Self::Sender,
            'l' => Self::LocalPart,
            'o' => Self::SenderDomain,
            'd' => Self::Domain,
            'i' => Self::Ip,
            'p' => Self::ValidatedDomain,
            'v' => Self::IpVersion,
            'h' => Self::Helo,
            'c' => Self::ClientIp,
            'r' => Self::Receiver,
            't' => Self::Timestamp,
            _ => return None,
        })
    }

    /// The lowercase letter.
    pub fn as_char(self) -> char {
        match self {
            Self::Sender => 's',
            Self::LocalPart => 'l',
            Self::SenderDomain => 'o',
            Self::Domain => 'd',
            Self::Ip => 'i',
            Self::ValidatedDomain => 'p',
            Self::IpVersion => 'v',
            Self::Helo => 'h',
            Self::ClientIp => 'c',
            Self::Receiver => 'r',
            Self::Timestamp => 't',
        }
    }

    /// Whether the letter may appear only in explanation strings (§7.1).
    pub fn is_explanation_only(self) -> bool {
        matches!(self, Self::ClientIp | Self::Receiver | Self::Timestamp)
    }

    /// Appends the value this letter stands for (§7.3).
    fn write_value(self, values: &MacroValues<'_>, out: &mut String) {
        match self {
            Self::Sender => out.push_str(values.sender),
            Self::LocalPart => out.push_str(values.local_part),
            Self::SenderDomain => out.push_str(values.sender_domain),
            Self::Domain => out.push_str(values.domain),
            Self::Ip => write_dotted_ip(values.ip, out),
            Self::ValidatedDomain => out.push_str(values.validated_domain.unwrap_or("unknown")),
            Self::IpVersion => out.push_str(match values.ip {
                IpAddr::V4(_) => "in-addr",
                IpAddr::V6(_) => "ip6",
            }),
            Self::Helo => out.push_str(values.helo.unwrap_or("unknown")),
            Self::ClientIp => {
                let _ = write!(out, "{}", values.ip);
            }
            Self::Receiver => out.push_str(values.receiver.unwrap_or("unknown")),
            Self::Timestamp => match values.timestamp {
                Some(seconds) => {
                    let _ = write!(out, "{seconds}");
                }
                None => out.push_str("unknown"),
            },
        }
    }
}

/// The delimiters in the order this crate prints them.
const DELIMITERS: [char; 7] = ['.', '-', '+', ',', '/', '_', '='];

impl Delimiters {
    /// The set with one more delimiter; other characters are ignored.
    #[must_use]
    pub fn with(self, delimiter: char) -> Self {
        match DELIMITERS.iter().position(|&known| known == delimiter) {
            Some(index) => Self(self.0 | 1 << index),
            None => self,
        }
    }

    /// Whether the delimiter was written.
    pub fn contains(self, delimiter: char) -> bool {
        DELIMITERS
            .iter()
            .position(|&known| known == delimiter)
            .is_some_and(|index| self.0 & 1 << index != 0)
    }

    /// Whether a value splits at this character: a written delimiter, or `.`
    /// when none was written.
    pub fn splits_on(self, character: char) -> bool {
        if self.0 == 0 {
            character == '.'
        } else {
            self.contains(character)
        }
    }

    /// Whether splitting and joining with `.` leaves a value as it is.
    fn is_dot_only(self) -> bool {
        self.0 == 0 || self.0 == 1
    }
}

impl<'v> MacroValues<'v> {
    /// Values for `check_host(ip, domain, sender)` with the local-part and the
    /// sender's domain taken from `sender` (split at its last `@`; a missing
    /// local-part becomes `postmaster`, §4.3) and nothing else known.
    pub fn new(ip: IpAddr, sender: &'v str, domain: &'v str) -> Self {
        let (local_part, sender_domain) = match sender.rsplit_once('@') {
            Some(("", sender_domain)) => ("postmaster", sender_domain),
            Some(parts) => parts,
            None => ("postmaster", sender),
        };
        Self {
            sender,
            local_part,
            sender_domain,
            domain,
            ip,
            validated_domain: None,
            helo: None,
            receiver: None,
            timestamp: None,
        }
    }
}

/// Cuts labels off the left of an expanded domain name until it has at most
/// 253 octets, not counting one trailing dot (§7.3). A name made of one label
/// longer than that is returned as it is.
pub fn truncate_domain(name: &str) -> &str {
    let length = name.strip_suffix('.').map_or(name.len(), str::len);
    let mut start = 0;

    while length - start > MAX_DOMAIN_LENGTH {
        match name[start..length].find('.') {
            Some(dot) => start += dot + 1,
            None => break,
        }
    }
    &name[start..]
}

/// Checks a macro-string; `explanation` allows spaces and the letters `c`,
/// `r`, `t`.
pub(crate) fn validate(text: &str, explanation: bool) -> Result<(), &'static str> {
    let mut rest = text;
    while let Some((_, length)) = next_token(rest, explanation)? {
        rest = &rest[length..];
    }
    Ok(())
}

/// Reads the token at the start of `text` and its length in bytes.
fn next_token(
    text: &str,
    explanation: bool,
) -> Result<Option<(MacroToken<'_>, usize)>, &'static str> {
    let bytes = text.as_bytes();
    let Some(&first) = bytes.first() else {
        return Ok(None);
    };

    if first != b'%' {
        let length = bytes
            .iter()
            .position(|&byte| byte == b'%')
            .unwrap_or(bytes.len());
        let literal = &text[..length];
        if let Some(bad) = literal.bytes().find(|&byte| !is_literal(byte, explanation)) {
            return Err(if bad == b' ' {
                "space outside an explanation"
            } else {
                "character not allowed in a macro-string"
            });
        }
        return Ok(Some((MacroToken::Literal(literal), length)));
    }

    match bytes.get(1) {
        Some(b'%') => Ok(Some((MacroToken::Percent, 2))),
        Some(b'_') => Ok(Some((MacroToken::Space, 2))),
        Some(b'-') => Ok(Some((MacroToken::UrlSpace, 2))),
        Some(b'{') => {
            let (expand, length) = parse_expand(&text[2..], explanation)?;
            Ok(Some((MacroToken::Expand(expand), length + 2)))
        }
        _ => Err("'%' not followed by '{', '%', '_' or '-'"),
    }
}

/// Parses `macro-letter transformers *delimiter "}"` after a `%{`.
fn parse_expand(text: &str, explanation: bool) -> Result<(MacroExpand, usize), &'static str> {
    let mut chars = text.char_indices().peekable();

    let letter_char = chars.next().map(|(_, c)| c).ok_or("unclosed '%{'")?;
    let letter = MacroLetter::from_char(letter_char).ok_or("unknown macro letter")?;
    if letter.is_explanation_only() && !explanation {
        return Err("macro letter c, r or t outside an explanation");
    }

    let mut digits: Option<u32> = None;
    while let Some(&(_, c)) = chars.peek()
        && let Some(digit) = c.to_digit(10)
    {
        digits = Some(digits.unwrap_or(0).saturating_mul(10).saturating_add(digit));
        chars.next();
    }
    if digits == Some(0) {
        return Err("zero DIGIT transformer");
    }

    let reverse = chars
        .next_if(|&(_, c)| c.eq_ignore_ascii_case(&'r'))
        .is_some();
    let mut delimiters = Delimiters::default();
    for (index, c) in chars {
        if c == '}' {
            let expand = MacroExpand {
                letter,
                url_escape: letter_char.is_ascii_uppercase(),
                keep: digits,
                reverse,
                delimiters,
            };
            return Ok((expand, index + 1));
        }
        if !DELIMITERS.contains(&c) {
            return Err("invalid character in '%{...}'");
        }
        delimiters = delimiters.with(c);
    }
    Err("unclosed '%{'")
}

/// `macro-literal = %x21-24 / %x26-7E`, plus the space of explain-string.
pub(crate) fn is_literal(byte: u8, explanation: bool) -> bool {
    matches!(byte, 0x21..=0x24 | 0x26..=0x7e) || (explanation && byte == b' ')
}

/// Writes an address as the `i` macro does: IPv4 dotted, IPv6 as 32 dotted
/// lowercase nibbles (§7.3, as in the §7.4 example).
fn write_dotted_ip(ip: IpAddr, out: &mut String) {
    match ip {
        IpAddr::V4(v4) => {
            let _ = write!(out, "{v4}");
        }
        IpAddr::V6(v6) => {
            for (index, octet) in v6.octets().iter().enumerate() {
                if index > 0 {
                    out.push('.');
                }
                let _ = write!(out, "{:x}.{:x}", octet >> 4, octet & 0x0f);
            }
        }
    }
}

/// URL-escapes every byte outside RFC 3986's unreserved set (§7.3).
fn url_escape_into(value: &str, out: &mut String) {
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> MacroValues<'static> {
        MacroValues {
            helo: Some("mx.example.org"),
            receiver: Some("receiver.example.net"),
            timestamp: Some(1_700_000_000),
            ..MacroValues::new(
                "192.0.2.3".parse().unwrap(),
                "strong-bad@email.example.com",
                "email.example.com",
            )
        }
    }

    fn expand(text: &str) -> String {
        MacroString::explanation(text).unwrap().expand(&values())
    }

    #[test]
    fn transformers_split_reverse_and_keep_right_hand_parts() {
        assert_eq!(expand("%{d4}"), "email.example.com");
        assert_eq!(expand("%{d2}"), "example.com");
        assert_eq!(expand("%{dr}"), "com.example.email");
        assert_eq!(expand("%{d2r}"), "example.email");
        assert_eq!(expand("%{l-}"), "strong.bad");
        assert_eq!(expand("%{lr-}"), "bad.strong");
        assert_eq!(expand("%{l1r-}"), "strong");
    }

    #[test]
    fn escapes_and_url_encoding_follow_section_7_3() {
        assert_eq!(expand("%%%_%-"), "% %20");
        assert_eq!(expand("%{S}"), "strong-bad%40email.example.com");
        assert_eq!(
            expand("%{c} %{r} %{t} %{h}"),
            "192.0.2.3 receiver.example.net 1700000000 mx.example.org"
        );
    }

    #[test]
    fn ipv6_dotted_nibbles_are_lowercase() {
        let values = MacroValues::new(
            "2001:db8::cb01".parse().unwrap(),
            "a@b.example",
            "b.example",
        );
        let text = MacroString::parse("%{ir}.%{v}._spf.%{d2}").unwrap();

        assert_eq!(
            text.expand(&values),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.b.example"
        );
    }

    #[test]
    fn grammar_refuses_bad_percent_zero_digits_and_explanation_letters() {
        assert!(MacroString::parse("%").is_err());
        assert!(MacroString::parse("foo%bar").is_err());
        assert!(MacroString::parse("%{d0}").is_err());
        assert!(MacroString::parse("%{x}").is_err());
        assert!(MacroString::parse("%{d").is_err());
        assert!(MacroString::parse("%{c}").is_err());
        assert!(MacroString::parse("a b").is_err());
        assert!(MacroString::explanation("%{c} a b").is_ok());
        assert!(MacroString::parse("%{l2r+-}").is_ok());
    }

    #[test]
    fn huge_digit_transformer_keeps_every_part() {
        assert_eq!(expand("%{d99999999999999999999}"), "email.example.com");
    }

    #[test]
    fn truncation_removes_whole_labels_from_the_left() {
        let long = format!("{}.{}", "a".repeat(200), "b".repeat(100));
        assert_eq!(truncate_domain(&long), "b".repeat(100));

        let exact = format!("{}.{}.", "a".repeat(200), "b".repeat(52));
        assert_eq!(truncate_domain(&exact), exact);

        let one_label = "c".repeat(300);
        assert_eq!(truncate_domain(&one_label), one_label);
    }

    #[test]
    fn display_of_an_expansion_reads_back() {
        let text = MacroString::parse("%{L2r+-}").unwrap();
        let MacroToken::Expand(expand) = text.tokens().next().unwrap() else {
            panic!("an expansion");
        };
        assert_eq!(expand.to_string(), "%{L2r-+}");
        assert_eq!(
            MacroString::parse("%{L2r-+}").unwrap().tokens().next(),
            Some(MacroToken::Expand(expand))
        );
    }
}
