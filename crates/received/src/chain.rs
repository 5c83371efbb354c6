//! The hops a message took, oldest first, and what looks wrong with them.
//!
//! Each MTA adds its Received field at the top of the message
//! ([RFC 5321 §4.4](https://www.rfc-editor.org/rfc/rfc5321#section-4.4)),
//! so the fields read bottom-up are the message's route. [`Chain`] turns
//! them into hops in transit order with the delay of each, and lists the
//! anomalies an analyst looks for: clocks going backwards, dates in the
//! future, missing dates, and breaks where a hop's sender is not the host
//! that received the message one hop earlier.

use std::fmt;
use std::net::IpAddr;

use jiff::{SignedDuration, Timestamp};
use mailtrail_message::HeaderBlock;

use crate::{ParseError, Received};

/// What the chain checks dates against.
///
/// Time is passed in: the chain never reads the clock.
///
/// ```
/// use jiff::{SignedDuration, Timestamp};
/// use mailtrail_received::ChainOptions;
///
/// let now: Timestamp = "2024-03-12T10:00:00Z".parse()?;
/// let options = ChainOptions::new(now).with_tolerance(SignedDuration::from_mins(2));
/// assert_eq!(options.now, Some(now));
/// # Ok::<(), jiff::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainOptions {
    /// The present, to find dates in the future; `None` skips that check.
    pub now: Option<Timestamp>,
    /// How far a hop's date may lie before the previous hop's, or after
    /// `now`, before it is an anomaly: clocks of MTAs differ a little.
    pub tolerance: SignedDuration,
}

impl ChainOptions {
    /// Checks against `now` with the default tolerance of five minutes.
    pub fn new(now: Timestamp) -> Self {
        Self {
            now: Some(now),
            ..Self::default()
        }
    }

    /// The same options with another tolerance.
    pub fn with_tolerance(self, tolerance: SignedDuration) -> Self {
        Self { tolerance, ..self }
    }
}

impl Default for ChainOptions {
    /// No `now`, and a tolerance of five minutes.
    fn default() -> Self {
        Self {
            now: None,
            tolerance: SignedDuration::from_mins(5),
        }
    }
}

/// The Received fields of a message as hops in transit order.
///
/// ```
/// use jiff::SignedDuration;
/// use mailtrail_message::split;
/// use mailtrail_received::{Anomaly, Chain, ChainOptions};
///
/// let message = b"Received: from mx.example.com (mx.example.com [192.0.2.10])\r\n\
///     \tby mail.example.com with ESMTP id B; Tue, 12 Mar 2024 09:00:30 +0000\r\n\
///     Received: from [198.51.100.7] (helo=sender.example.org)\r\n\
///     \tby mx.example.com with esmtp id A; Tue, 12 Mar 2024 09:00:00 +0000\r\n\
///     \r\n";
/// let block = split(message);
/// let chain = Chain::from_block(&block, &ChainOptions::default());
///
/// assert_eq!(chain.hops().len(), 2);
/// let first = chain.hops()[0].received().unwrap();
/// assert_eq!(first.by().unwrap().value, "mx.example.com");
/// assert_eq!(chain.hops()[1].delay(), Some(SignedDuration::from_secs(30)));
/// assert!(chain.anomalies().is_empty());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain<'a> {
    hops: Vec<Hop<'a>>,
    anomalies: Vec<Anomaly>,
}

impl<'a> Chain<'a> {
    /// Parses every Received field of `block` and builds the chain.
    pub fn from_block(block: &'a HeaderBlock<'_>, options: &ChainOptions) -> Self {
        let fields = block
            .get_all("Received")
            .map(|field| Received::from_field(&field));

        Self::new(fields, options)
    }

    /// Builds the chain from parsed fields given top first, as they stand in
    /// the message; a field that could not be parsed is a hop without
    /// clauses.
    pub fn new(
        fields: impl IntoIterator<Item = Result<Received<'a>, ParseError>>,
        options: &ChainOptions,
    ) -> Self {
        let mut hops: Vec<Hop<'a>> = fields
            .into_iter()
            .enumerate()
            .map(|(field_index, parsed)| Hop {
                field_index,
                parsed,
                delay: None,
            })
            .collect();
        hops.reverse();

        let mut chain = Self {
            hops,
            anomalies: Vec::new(),
        };
        chain.check(options);
        chain
    }

    /// The hops, oldest first.
    pub fn hops(&self) -> &[Hop<'a>] {
        &self.hops
    }

    /// The anomalies, by hop then kind.
    pub fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }

    /// Copies every hop so the chain no longer borrows the message.
    pub fn into_owned(self) -> Chain<'static> {
        let hops = self.hops.into_iter().map(Hop::into_owned).collect();

        Chain {
            hops,
            anomalies: self.anomalies,
        }
    }

    /// Computes delays and lists anomalies, hop by hop.
    fn check(&mut self, options: &ChainOptions) {
        let mut last_date: Option<Timestamp> = None;

        for index in 0..self.hops.len() {
            let date = self.hops[index].date();

            if let (Some(date), Some(previous)) =
                (date, index.checked_sub(1).and_then(|i| self.hops[i].date()))
            {
                self.hops[index].delay = Some(date.duration_since(previous));
            }

            self.check_hop(index, date, last_date, options);
            last_date = date.or(last_date);
        }
    }

    fn check_hop(
        &mut self,
        index: usize,
        date: Option<Timestamp>,
        last_date: Option<Timestamp>,
        options: &ChainOptions,
    ) {
        let hop = &self.hops[index];
        if let Err(error) = &hop.parsed {
            self.anomalies.push(Anomaly::Unreadable {
                hop: index,
                error: *error,
            });
            return;
        }

        match (date, last_date) {
            (None, _) => self.anomalies.push(Anomaly::MissingDate { hop: index }),
            (Some(date), Some(last)) if last.duration_since(date) > options.tolerance => {
                let by = last.duration_since(date);
                self.anomalies
                    .push(Anomaly::TimeWentBackwards { hop: index, by });
            }
            _ => {}
        }

        if let (Some(date), Some(now)) = (date, options.now) {
            let ahead = date.duration_since(now);
            if ahead > options.tolerance {
                self.anomalies
                    .push(Anomaly::FutureDate { hop: index, ahead });
            }
        }

        if index > 0 && is_break(&self.hops[index - 1], &self.hops[index]) {
            self.anomalies.push(Anomaly::Break { hop: index });
        }
    }
}

/// One hop: a Received field and its place in the route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hop<'a> {
    field_index: usize,
    parsed: Result<Received<'a>, ParseError>,
    delay: Option<SignedDuration>,
}

impl<'a> Hop<'a> {
    /// The parsed field, unless it could not be read.
    pub fn received(&self) -> Option<&Received<'a>> {
        self.parsed.as_ref().ok()
    }

    /// Why the field could not be read, if it could not.
    pub fn error(&self) -> Option<ParseError> {
        self.parsed.as_ref().err().copied()
    }

    /// Position of the field among the Received fields, from 0 at the top
    /// of the message (the newest).
    pub const fn field_index(&self) -> usize {
        self.field_index
    }

    /// Time from the previous hop's date to this one's, when both have one.
    /// Negative when the clock went backwards.
    pub const fn delay(&self) -> Option<SignedDuration> {
        self.delay
    }

    /// The hop's date, if it has one.
    pub fn date(&self) -> Option<Timestamp> {
        self.received()?.date().map(|date| date.value)
    }

    fn into_owned(self) -> Hop<'static> {
        Hop {
            field_index: self.field_index,
            parsed: self.parsed.map(Received::into_owned),
            delay: self.delay,
        }
    }
}

/// Something about a hop that an analyst should look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Anomaly {
    /// The field could not be read at all.
    Unreadable {
        /// Index of the hop, oldest first.
        hop: usize,
        /// Why.
        error: ParseError,
    },
    /// The hop has no date.
    MissingDate {
        /// Index of the hop, oldest first.
        hop: usize,
    },
    /// The hop's date lies before an earlier hop's by more than the
    /// tolerance.
    TimeWentBackwards {
        /// Index of the hop, oldest first.
        hop: usize,
        /// How far back.
        by: SignedDuration,
    },
    /// The hop's date lies after `now` by more than the tolerance.
    FutureDate {
        /// Index of the hop, oldest first.
        hop: usize,
        /// How far ahead.
        ahead: SignedDuration,
    },
    /// The hop's sender names neither the host nor the address that
    /// received the message one hop earlier: a hop is missing, or forged.
    Break {
        /// Index of the hop, oldest first.
        hop: usize,
    },
}

impl Anomaly {
    /// The hop concerned, oldest first.
    pub const fn hop(&self) -> usize {
        match self {
            Self::Unreadable { hop, .. }
            | Self::MissingDate { hop }
            | Self::TimeWentBackwards { hop, .. }
            | Self::FutureDate { hop, .. }
            | Self::Break { hop } => *hop,
        }
    }

    /// The kind as a lowercase token.
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Unreadable { .. } => "unreadable",
            Self::MissingDate { .. } => "missing-date",
            Self::TimeWentBackwards { .. } => "time-went-backwards",
            Self::FutureDate { .. } => "future-date",
            Self::Break { .. } => "break",
        }
    }
}

impl fmt::Display for Anomaly {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreadable { hop, error } => {
                write!(formatter, "hop {hop} is unreadable: {error}")
            }
            Self::MissingDate { hop } => write!(formatter, "hop {hop} has no date"),
            Self::TimeWentBackwards { hop, by } => {
                write!(formatter, "hop {hop} is dated {by:#} before an earlier hop")
            }
            Self::FutureDate { hop, ahead } => {
                write!(formatter, "hop {hop} is dated {ahead:#} in the future")
            }
            Self::Break { hop } => write!(
                formatter,
                "hop {hop} was sent by a host that did not receive hop {}",
                hop.saturating_sub(1)
            ),
        }
    }
}

/// Whether `hop`'s sender is not `previous`'s receiver, when both are
/// known. Names compare without regard to case or a final dot, and a
/// single-label name matches the first label of a longer one (`mail` and
/// `mail.example.com`); addresses compare with IPv4-mapped IPv6 unwrapped.
fn is_break(previous: &Hop<'_>, hop: &Hop<'_>) -> bool {
    let (Some(previous), Some(hop)) = (previous.received(), hop.received()) else {
        return false;
    };

    let receiver_name = previous.by().map(|by| by.value);
    let receiver_ip = previous.by_ip().map(|ip| ip.value.to_canonical());
    let sender_names = [hop.from_name(), hop.helo(), hop.reverse_dns()];
    let sender_ip = hop.from_ip().map(|ip| ip.value.to_canonical());

    let has_sender = sender_ip.is_some() || sender_names.iter().any(Option::is_some);
    if receiver_name.is_none() && receiver_ip.is_none() || !has_sender {
        return false;
    }

    let ip_matches = sender_ip.is_some() && sender_ip == receiver_ip;
    let name_matches = sender_names.iter().flatten().any(|name| {
        receiver_name.is_some_and(|receiver| same_host(name.value, receiver))
            || literal_ip(name.value).is_some_and(|ip| Some(ip) == receiver_ip)
    });

    !(ip_matches || name_matches)
}

/// Whether two host names name the same host, as [`is_break`] compares.
fn same_host(one: &str, other: &str) -> bool {
    let one = one.trim_end_matches('.');
    let other = other.trim_end_matches('.');

    if one.eq_ignore_ascii_case(other) {
        return true;
    }

    let first_label = |name: &str| name.split('.').next().unwrap_or(name).to_string();
    match (one.contains('.'), other.contains('.')) {
        (false, true) => first_label(other).eq_ignore_ascii_case(one),
        (true, false) => first_label(one).eq_ignore_ascii_case(other),
        _ => false,
    }
}

/// The address of a name written as an address or literal.
fn literal_ip(name: &str) -> Option<IpAddr> {
    crate::address::parse_ip(name).map(|(ip, _)| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(fields: &[&'static str], options: &ChainOptions) -> Chain<'static> {
        Chain::new(fields.iter().map(|field| Received::parse(field)), options)
    }

    #[test]
    fn hops_run_oldest_first_with_delays() {
        let chain = chain(
            &[
                "from b.example by c.example; 1 Mar 2024 10:02:00 +0000",
                "from a.example by b.example; 1 Mar 2024 10:00:00 +0000",
            ],
            &ChainOptions::default(),
        );

        assert_eq!(chain.hops()[0].field_index(), 1);
        assert_eq!(chain.hops()[0].delay(), None);
        assert_eq!(chain.hops()[1].delay(), Some(SignedDuration::from_mins(2)));
        assert!(chain.anomalies().is_empty());
    }

    #[test]
    fn clock_going_backwards_beyond_tolerance_is_an_anomaly() {
        let fields = [
            "from b.example by c.example; 1 Mar 2024 09:50:00 +0000",
            "from a.example by b.example; 1 Mar 2024 10:00:00 +0000",
        ];

        let strict = chain(&fields, &ChainOptions::default());
        assert_eq!(
            strict.anomalies(),
            [Anomaly::TimeWentBackwards {
                hop: 1,
                by: SignedDuration::from_mins(10)
            }]
        );
        assert_eq!(
            strict.hops()[1].delay(),
            Some(SignedDuration::from_mins(-10))
        );

        let lenient = ChainOptions::default().with_tolerance(SignedDuration::from_mins(15));
        assert!(chain(&fields, &lenient).anomalies().is_empty());
    }

    #[test]
    fn future_and_missing_dates_and_unreadable_fields_are_anomalies() {
        let now: Timestamp = "2024-03-01T10:00:00Z".parse().unwrap();
        let chain = chain(
            &[
                "garbage",
                "from b.example by c.example",
                "from a.example by b.example; 1 Mar 2024 11:00:00 +0000",
            ],
            &ChainOptions::new(now),
        );

        let kinds: Vec<(usize, &str)> = chain
            .anomalies()
            .iter()
            .map(|a| (a.hop(), a.kind()))
            .collect();
        assert_eq!(
            kinds,
            [(0, "future-date"), (1, "missing-date"), (2, "unreadable")]
        );
        assert_eq!(
            chain.hops()[2].error(),
            Some(ParseError::NothingRecognised { position: 0 })
        );
    }

    #[test]
    fn a_sender_that_is_not_the_previous_receiver_is_a_break() {
        let chain = chain(
            &[
                "from mail (mail [192.0.2.9]) by d.example; 1 Mar 2024 10:03:00 +0000",
                "from x.example ([192.0.2.9]) by mail.example.com; 1 Mar 2024 10:02:00 +0000",
                "from other.example by b.example (192.0.2.9); 1 Mar 2024 10:01:00 +0000",
                "from a.example by MX.example.; 1 Mar 2024 10:00:00 +0000",
            ],
            &ChainOptions::default(),
        );

        assert_eq!(chain.anomalies(), [Anomaly::Break { hop: 1 }]);
        assert_eq!(
            Anomaly::Break { hop: 1 }.to_string(),
            "hop 1 was sent by a host that did not receive hop 0"
        );
    }

    #[test]
    fn hops_without_a_sender_or_receiver_are_not_breaks() {
        let chain = chain(
            &[
                "by mailbox.example with LMTP; 1 Mar 2024 10:01:00 +0000",
                "(qmail 1 invoked by uid 1); 1 Mar 2024 10:00:00 +0000",
            ],
            &ChainOptions::default(),
        );

        assert!(chain.anomalies().is_empty());
    }
}
