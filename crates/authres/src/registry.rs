//! The names IANA registers for Authentication-Results: methods, result
//! words and property types.
//!
//! The registries are the "Email Authentication Methods", "Email
//! Authentication Result Names" and "Email Authentication Property Types"
//! of [RFC 8601 §6](https://www.rfc-editor.org/rfc/rfc8601#section-6), as
//! filled by RFC 6212 (vbr), RFC 6541 (dkim-atps), RFC 5617 (dkim-adsp),
//! RFC 7281 (smime), RFC 7293 (rrvs), RFC 7489 (dmarc), RFC 8617 (arc) and
//! RFC 8904 (dnswl), plus the BIMI draft's `bimi`. Each enum has an `Other`
//! variant that keeps any unregistered name verbatim; names compare without
//! regard to ASCII case, as ABNF keywords do, and a registered name always
//! becomes its own variant, never `Other`.

use std::borrow::Cow;
use std::fmt;

/// An authentication method, the `method` of a `resinfo` (RFC 8601 §2.2).
///
/// ```
/// use mailtrail_authres::Method;
///
/// assert_eq!(Method::from("DKIM"), Method::Dkim);
/// assert_eq!(Method::from("compauth"), Method::Other("compauth".into()));
/// assert_eq!(Method::SenderId.to_string(), "sender-id");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method<'a> {
    /// `arc`, Authenticated Received Chain (RFC 8617 §4.1.1).
    Arc,
    /// `auth`, SMTP AUTH (RFC 8601 §2.7.4).
    Auth,
    /// `bimi`, Brand Indicators for Message Identification (BIMI draft).
    Bimi,
    /// `dkim`, DomainKeys Identified Mail (RFC 8601 §2.7.1).
    Dkim,
    /// `dkim-adsp`, DKIM Author Domain Signing Practices (RFC 5617, historic).
    DkimAdsp,
    /// `dkim-atps`, DKIM Authorized Third-Party Signatures (RFC 6541).
    DkimAtps,
    /// `dmarc` (RFC 7489 §11.2).
    Dmarc,
    /// `dnswl`, a DNS allow list (RFC 8904).
    Dnswl,
    /// `domainkeys`, DomainKeys (RFC 4870, historic).
    DomainKeys,
    /// `iprev`, the reverse DNS check of RFC 8601 §3.
    Iprev,
    /// `rrvs`, Require-Recipient-Valid-Since (RFC 7293).
    Rrvs,
    /// `sender-id`, Sender ID (RFC 4406, historic).
    SenderId,
    /// `smime`, S/MIME signatures (RFC 7281).
    Smime,
    /// `spf`, Sender Policy Framework (RFC 8601 §2.7.2).
    Spf,
    /// `vbr`, Vouch By Reference (RFC 6212).
    Vbr,
    /// Any other method name, kept as written.
    Other(Cow<'a, str>),
}

impl Method<'_> {
    /// Whether the method is in the IANA registry (or is `bimi`).
    pub const fn is_registered(&self) -> bool {
        !matches!(self, Self::Other(_))
    }

    /// The result words registered for this method, or `None` for a method
    /// that is not registered. `hardfail` is left out: it is deprecated (RFC
    /// 6577) and reported on its own.
    pub fn registered_results(&self) -> Option<&'static [ResultValue<'static>]> {
        use ResultValue::{
            Declined, Discard, Fail, Neutral, None, NxDomain, Pass, PermError, Policy, Skipped,
            SoftFail, TempError, Unknown,
        };

        let results: &'static [ResultValue<'static>] = match self {
            Self::Arc => &[None, Pass, Fail],
            Self::Auth | Self::DkimAtps | Self::Dmarc | Self::Vbr => {
                &[None, Pass, Fail, TempError, PermError]
            }
            Self::Bimi => &[None, Pass, Fail, TempError, Declined, Skipped],
            Self::Dkim | Self::DomainKeys | Self::Smime => {
                &[None, Pass, Fail, Policy, Neutral, TempError, PermError]
            }
            Self::DkimAdsp => &[
                None, Pass, Unknown, Fail, Discard, NxDomain, TempError, PermError,
            ],
            Self::Dnswl => &[None, Pass, TempError, PermError],
            Self::Iprev => &[Pass, Fail, TempError, PermError],
            Self::Rrvs => &[None, Unknown, Pass, Fail, TempError, PermError],
            Self::SenderId | Self::Spf => &[
                None, Pass, Fail, SoftFail, Policy, Neutral, TempError, PermError,
            ],
            Self::Other(_) => return Option::None,
        };

        Some(results)
    }
}

impl<'a> From<&'a str> for Method<'a> {
    fn from(name: &'a str) -> Self {
        Self::new(name)
    }
}

impl fmt::Display for Method<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// The outcome a method reported, the `result` of a `resinfo` (RFC 8601
/// §2.2, §2.7).
///
/// ```
/// use mailtrail_authres::ResultValue;
///
/// assert_eq!(ResultValue::from("PermError"), ResultValue::PermError);
/// assert_eq!(ResultValue::from("perm_fail").as_str(), "perm_fail");
/// assert!(ResultValue::from("bestguesspass").is_other());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResultValue<'a> {
    /// `declined`: the sender chose not to take part (BIMI).
    Declined,
    /// `discard`: the author domain asks to discard unsigned mail
    /// (dkim-adsp).
    Discard,
    /// `fail`: the check failed.
    Fail,
    /// `hardfail`: the RFC 5451 word for an SPF or Sender ID `fail`,
    /// deprecated by RFC 6577.
    HardFail,
    /// `neutral`: the check gave no verdict by policy.
    Neutral,
    /// `none`: the check could not be made or found nothing to check.
    None,
    /// `nxdomain`: the author domain does not exist (dkim-adsp).
    NxDomain,
    /// `pass`: the check passed.
    Pass,
    /// `permerror`: a permanent error, such as a broken record.
    PermError,
    /// `policy`: the check passed but a local policy rejected it.
    Policy,
    /// `skipped`: the check was not made (BIMI).
    Skipped,
    /// `softfail`: weak failure (SPF, Sender ID).
    SoftFail,
    /// `temperror`: a temporary error, such as a DNS timeout.
    TempError,
    /// `unknown`: the outcome is unknown (dkim-adsp, rrvs).
    Unknown,
    /// Any other result word, kept as written.
    Other(Cow<'a, str>),
}

impl ResultValue<'_> {
    /// Whether this is a word no registry holds.
    pub const fn is_other(&self) -> bool {
        matches!(self, Self::Other(_))
    }
}

impl<'a> From<&'a str> for ResultValue<'a> {
    fn from(word: &'a str) -> Self {
        Self::new(word)
    }
}

impl fmt::Display for ResultValue<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Where a property was taken from, the `ptype` of a `propspec` (RFC 8601
/// §2.3).
///
/// ```
/// use mailtrail_authres::PropertyType;
///
/// assert_eq!(PropertyType::from("Header"), PropertyType::Header);
/// assert_eq!(PropertyType::Smtp.to_string(), "smtp");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PropertyType<'a> {
    /// `body`: a property of the message body (RFC 8601 §2.3).
    Body,
    /// `dns`: a DNS query and its answer (RFC 8904).
    Dns,
    /// `header`: a header field of the message (RFC 8601 §2.3).
    Header,
    /// `policy`: a local policy decision (RFC 8601 §2.4).
    Policy,
    /// `smtp`: an SMTP command parameter (RFC 8601 §2.3).
    Smtp,
    /// Any other property type, kept as written.
    Other(Cow<'a, str>),
}

impl<'a> From<&'a str> for PropertyType<'a> {
    fn from(name: &'a str) -> Self {
        Self::new(name)
    }
}

impl fmt::Display for PropertyType<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
mod serde_impls {
    use super::{Method, PropertyType, ResultValue};

    macro_rules! serialize_as_str {
        ($($name:ident),*) => {$(
            impl serde::Serialize for $name<'_> {
                fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    serializer.serialize_str(self.as_str())
                }
            }
        )*};
    }

    serialize_as_str!(Method, PropertyType, ResultValue);
}

/// Writes, for a registry enum, the table of its registered tokens and the
/// functions that go between tokens and variants: `new`, `as_str` and
/// `into_owned`.
macro_rules! registry {
    ($enum:ident, $table:ident, what = $what:literal, { $($variant:ident => $token:literal,)* }) => {
        /// Every registered token and its variant, for the tests.
        #[cfg(test)]
        const $table: &[(&str, $enum<'static>)] = &[$(($token, $enum::$variant),)*];

        impl<'a> $enum<'a> {
            #[doc = concat!("The ", $what, " called `name`: its registered variant, compared")]
            /// without regard to ASCII case, or `Other` keeping `name` as
            /// written.
            pub fn new(name: impl Into<Cow<'a, str>>) -> Self {
                let name = name.into();

                // Most writers use the lowercase token: compared first, each
                // costs a few instructions, then without regard to case.
                $(
                    if name.as_bytes() == $token.as_bytes() {
                        return Self::$variant;
                    }
                )*
                $(
                    if name.len() == $token.len() && name.eq_ignore_ascii_case($token) {
                        return Self::$variant;
                    }
                )*
                Self::Other(name)
            }

            #[doc = concat!("The ", $what, " as a token: the registered lowercase name, or")]
            /// the other name as written.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $token,)*
                    Self::Other(name) => name,
                }
            }

            /// Copies a borrowed name so the value no longer borrows the
            /// input.
            pub fn into_owned(self) -> $enum<'static> {
                match self {
                    $(Self::$variant => $enum::$variant,)*
                    Self::Other(name) => $enum::Other(Cow::Owned(name.into_owned())),
                }
            }
        }
    };
}

registry!(Method, METHODS, what = "method", {
    Arc => "arc",
    Auth => "auth",
    Bimi => "bimi",
    Dkim => "dkim",
    DkimAdsp => "dkim-adsp",
    DkimAtps => "dkim-atps",
    Dmarc => "dmarc",
    Dnswl => "dnswl",
    DomainKeys => "domainkeys",
    Iprev => "iprev",
    Rrvs => "rrvs",
    SenderId => "sender-id",
    Smime => "smime",
    Spf => "spf",
    Vbr => "vbr",
});

registry!(ResultValue, RESULTS, what = "result", {
    Declined => "declined",
    Discard => "discard",
    Fail => "fail",
    HardFail => "hardfail",
    Neutral => "neutral",
    None => "none",
    NxDomain => "nxdomain",
    Pass => "pass",
    PermError => "permerror",
    Policy => "policy",
    Skipped => "skipped",
    SoftFail => "softfail",
    TempError => "temperror",
    Unknown => "unknown",
});

registry!(PropertyType, PROPERTY_TYPES, what = "property type", {
    Body => "body",
    Dns => "dns",
    Header => "header",
    Policy => "policy",
    Smtp => "smtp",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_name_reads_back_as_its_own_variant() {
        for (token, method) in METHODS {
            assert_eq!(&Method::new(*token), method);
            assert_eq!(method.as_str(), *token);
            assert_eq!(method.clone().into_owned(), *method);
        }
        for (token, result) in RESULTS {
            assert_eq!(&ResultValue::new(token.to_uppercase()), result);
            assert_eq!(result.as_str(), *token);
            assert_eq!(result.clone().into_owned(), *result);
        }
        for (token, ptype) in PROPERTY_TYPES {
            assert_eq!(&PropertyType::new(*token), ptype);
            assert_eq!(ptype.clone().into_owned(), *ptype);
        }
    }

    #[test]
    fn unregistered_names_are_kept_as_written() {
        assert_eq!(Method::new("X-TLS").as_str(), "X-TLS");
        assert_eq!(ResultValue::new("Perm_Fail").as_str(), "Perm_Fail");
        assert_eq!(PropertyType::new("client").as_str(), "client");
        assert!(!Method::new("compauth").is_registered());
    }

    #[test]
    fn registered_results_follow_each_method() {
        let spf = Method::Spf.registered_results().unwrap();
        let iprev = Method::Iprev.registered_results().unwrap();

        assert!(spf.contains(&ResultValue::SoftFail));
        assert!(!spf.contains(&ResultValue::HardFail));
        assert!(!iprev.contains(&ResultValue::None));
        assert!(Method::Dmarc.registered_results().unwrap().len() == 5);
        assert_eq!(Method::new("x-tls").registered_results(), None);
    }
}
