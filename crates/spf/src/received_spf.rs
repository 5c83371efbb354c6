//! The `Received-SPF` header field ([RFC 7208 §9.1]) and the `spf=` result of
//! an Authentication-Results field ([RFC 8601 §2.7.2]), built from one
//! identity check.
//!
//! [RFC 7208 §9.1]: https://www.rfc-editor.org/rfc/rfc7208#section-9.1
//! [RFC 8601 §2.7.2]: https://www.rfc-editor.org/rfc/rfc8601#section-2.7.2

use std::fmt::{self, Write as _};
use std::net::IpAddr;

use mailtrail_authres::{Method, Property, PropertyType, ResultInfo, ResultValue};

use crate::{Identity, IdentityCheck, SpfResult};

/// A `Received-SPF` field: the result, a comment for people, and the
/// key-value pairs of §9.1.
///
/// [`Display`](fmt::Display) writes the field value on one line;
/// [`ReceivedSpf::to_field`] adds the name and folds it. Keys are written in
/// the order `client-ip`, `envelope-from`, `helo`, `receiver`, `mechanism`,
/// `problem`, `identity`; values as dot-atoms when they are, else as quoted
/// strings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ReceivedSpf {
    /// The result.
    pub result: SpfResult,
    /// The comment, without parentheses.
    pub comment: String,
    /// `client-ip=`.
    pub client_ip: IpAddr,
    /// `envelope-from=`: the reverse-path as given, `<>` when null; `None`
    /// for a HELO check.
    pub envelope_from: Option<String>,
    /// `helo=`, when the HELO name is known.
    pub helo: Option<String>,
    /// `receiver=`.
    pub receiver: Option<String>,
    /// `mechanism=`: the directive that matched.
    pub mechanism: Option<String>,
    /// `problem=`: what went wrong, for `temperror` and `permerror`.
    pub problem: Option<String>,
    /// `identity=`.
    pub identity: Identity,
}

impl ReceivedSpf {
    /// The field for an identity check, with a comment in the style of the
    /// §9.1 examples.
    pub fn from_check(check: &IdentityCheck) -> Self {
        let outcome = &check.outcome;
        let envelope_from = check.mail_from.as_deref().map(|path| match path {
            "" => "<>".to_owned(),
            path => path.to_owned(),
        });

        Self {
            result: outcome.result,
            comment: comment(check),
            client_ip: check.ip,
            envelope_from,
            helo: check.helo.clone(),
            receiver: check.receiver.clone(),
            mechanism: outcome.mechanism().map(str::to_owned),
            problem: outcome.cause.problem().map(ToString::to_string),
            identity: check.identity,
        }
    }

    /// `Received-SPF: value` folded into lines of at most 78 columns where
    /// spaces allow, with CRLF line ends and no final CRLF.
    pub fn to_field(&self) -> String {
        fold(&format!("Received-SPF: {self}"), 78)
    }

    /// The key-value pairs in the order they are written.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![("client-ip", self.client_ip.to_string())];
        let optional = [
            ("envelope-from", self.envelope_from.clone()),
            ("helo", self.helo.clone()),
            ("receiver", self.receiver.clone()),
            ("mechanism", self.mechanism.clone()),
            ("problem", self.problem.clone()),
        ];
        pairs.extend(
            optional
                .into_iter()
                .filter_map(|(key, value)| Some((key, value?))),
        );
        pairs.push(("identity", self.identity.as_str().to_owned()));
        pairs
    }
}

/// `result (comment) key=value; key=value; ...`.
impl fmt::Display for ReceivedSpf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (", self.result)?;
        write_comment_text(f, &self.comment)?;
        f.write_char(')')?;

        for (index, (key, value)) in self.pairs().iter().enumerate() {
            let separator = if index == 0 { " " } else { "; " };
            write!(f, "{separator}{key}=")?;
            write_value(f, value)?;
        }
        Ok(())
    }
}

impl IdentityCheck {
    /// The `spf=` result for an Authentication-Results field (RFC 8601
    /// §2.7.2): the result, the Received-SPF comment without the receiver,
    /// and `smtp.mailfrom` (the sender checked) or `smtp.helo`.
    pub fn authentication_result(&self) -> ResultInfo<'static> {
        let outcome = &self.outcome;
        let property = match self.identity {
            Identity::MailFrom => {
                Property::new(PropertyType::Smtp, "mailfrom", outcome.sender.clone())
            }
            Identity::Helo => {
                let helo = self.helo.clone().unwrap_or_default();
                Property::new(PropertyType::Smtp, "helo", helo)
            }
        };

        ResultInfo::new(
            Method::Spf,
            ResultValue::new(outcome.result.as_str()).into_owned(),
        )
        .with_comment(describe(self))
        .with_property(property)
    }
}

/// The comment: the receiver, then what the result means for this client.
fn comment(check: &IdentityCheck) -> String {
    match &check.receiver {
        Some(receiver) => format!("{receiver}: {}", describe(check)),
        None => describe(check),
    }
}

/// What the result means, in words.
fn describe(check: &IdentityCheck) -> String {
    let outcome = &check.outcome;
    let (sender, ip) = (&outcome.sender, check.ip);
    let domain = outcome
        .cause
        .problem()
        .and_then(|problem| problem.location())
        .map_or(outcome.domain.as_str(), |location| location.domain.as_str());

    match outcome.result {
        SpfResult::Pass => format!("domain of {sender} designates {ip} as permitted sender"),
        SpfResult::Fail => {
            format!("domain of {sender} does not designate {ip} as permitted sender")
        }
        SpfResult::SoftFail => format!("domain of {sender} discourages use of {ip} as sender"),
        SpfResult::Neutral => format!("domain of {sender} neither permits nor denies {ip}"),
        SpfResult::None => format!("domain of {sender} does not publish SPF"),
        SpfResult::TempError => format!("temporary error evaluating the SPF record of {domain}"),
        SpfResult::PermError => format!("permanent error in the SPF record of {domain}"),
    }
}

/// Writes comment text, escaping what a comment cannot hold bare.
fn write_comment_text(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    for character in text.chars() {
        match character {
            '(' | ')' | '\\' => write!(f, "\\{character}")?,
            '\r' | '\n' => f.write_char(' ')?,
            _ => f.write_char(character)?,
        }
    }
    Ok(())
}

/// Writes a value as a dot-atom when it is one, else as a quoted string.
fn write_value(f: &mut fmt::Formatter<'_>, value: &str) -> fmt::Result {
    if is_dot_atom(value) {
        return f.write_str(value);
    }

    f.write_char('"')?;
    for character in value.chars() {
        match character {
            '"' | '\\' => write!(f, "\\{character}")?,
            '\r' | '\n' => f.write_char(' ')?,
            _ => f.write_char(character)?,
        }
    }
    f.write_char('"')
}

/// `dot-atom-text = 1*atext *("." 1*atext)` (RFC 5322 §3.2.3).
fn is_dot_atom(value: &str) -> bool {
    let is_atext =
        |byte: u8| byte.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&byte);
    !value.is_empty()
        && value
            .split('.')
            .all(|atom| !atom.is_empty() && atom.bytes().all(is_atext))
}

/// Folds a field at spaces so lines stay within `width` where they can.
fn fold(field: &str, width: usize) -> String {
    let mut folded = String::with_capacity(field.len() + 16);
    let mut line_length = 0;

    for (index, word) in field.split(' ').enumerate() {
        if index > 0 {
            if line_length + 1 + word.len() > width {
                folded.push_str("\r\n");
                line_length = 0;
            }
            folded.push(' ');
            line_length += 1;
        }
        folded.push_str(word);
        line_length += word.len();
    }
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_atoms_stay_bare_and_other_values_are_quoted() {
        assert!(is_dot_atom("mail.example.net"));
        assert!(is_dot_atom("192.0.2.1"));
        assert!(!is_dot_atom("2001:db8::1"));
        assert!(!is_dot_atom("user@example.com"));
        assert!(!is_dot_atom("a..b"));
        assert!(!is_dot_atom(""));
    }

    #[test]
    fn folding_only_adds_line_breaks_before_spaces() {
        let field = format!(
            "Received-SPF: pass ({}) client-ip=192.0.2.1",
            "word ".repeat(30)
        );
        let folded = fold(&field, 78);

        assert_eq!(folded.replace("\r\n", ""), field);
        assert!(folded.split("\r\n").all(|line| line.len() <= 78));
        assert!(
            folded
                .split("\r\n")
                .skip(1)
                .all(|line| line.starts_with(' '))
        );
    }
}
