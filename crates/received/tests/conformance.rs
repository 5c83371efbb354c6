//! Agreement with two other Received parsers on real fields.
//!
//! The corpora live outside the repository (`../shared/corpora/received`, or
//! `$MAILTRAIL_CORPORA/received`): 181 fields with mail-parser's reading and
//! 9 with rspamd's. Each expected value is compared with what mailtrail
//! reads; agreement is printed per field name and overall.
//!
//! Both corpora are one implementation's view, not the RFC's. Where
//! mailtrail reads a field differently on purpose, the case is listed with
//! the reason in `tests/expectations/received-corpora.txt`. A listed case
//! does not count as a match, every difference must be listed, and a listed
//! case that agrees after all fails the test, so the file stays exact.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;

use jiff::Timestamp;
use mailtrail_received::{Greeting, Protocol, Received, TlsVersion};
use serde::Deserialize;
use serde_json::Value;

/// The share of expected values that must match.
const GOAL: f64 = 0.97;

const EXPECTATIONS: &str = include_str!("expectations/received-corpora.txt");

#[test]
fn agreement_with_mail_parser_and_rspamd_meets_the_goal() {
    let Some(folder) = corpora() else {
        return;
    };

    let mut tally = Tally::default();
    tally.run_mail_parser(&folder.join("received/mail-parser-received.json"));
    tally.run_rspamd(&folder.join("received/rspamd-received.json"));

    println!("{}", tally.report());
    tally.check_expectations();
    assert!(
        tally.overall() >= GOAL,
        "agreement {:.1} % is below the goal",
        tally.overall() * 100.0
    );
}

/// One compared value: corpus, case number and field name.
type Key = (String, usize, String);

#[derive(Default)]
struct Tally {
    /// Matched and total per corpus and field name.
    fields: BTreeMap<(String, String), (usize, usize)>,
    mismatches: BTreeMap<Key, String>,
}

impl Tally {
    fn run_mail_parser(&mut self, path: &PathBuf) {
        let cases: Vec<MailParserCase> = read_json(path);
        assert_eq!(cases.len(), 181, "the mail-parser corpus has 181 fields");

        for (index, case) in cases.iter().enumerate() {
            let parsed = Received::parse(&case.header).ok();
            for (field, expected) in &case.expected {
                let ours = parsed
                    .as_ref()
                    .map_or(Ours::Absent, |r| mail_parser_view(r, field));
                self.compare("mail-parser", index, field, expected, ours);
            }
        }
    }

    fn run_rspamd(&mut self, path: &PathBuf) {
        let corpus: RspamdCorpus = read_json(path);
        assert_eq!(corpus.cases.len(), 9, "the rspamd corpus has 9 fields");

        for (index, case) in corpus.cases.iter().enumerate() {
            let parsed = Received::parse(&case.header).ok();
            for (field, expected) in &case.expected {
                let expected = match expected.as_str() {
                    Some("") => Value::Null,
                    _ => expected.clone(),
                };
                let ours = parsed
                    .as_ref()
                    .map_or(Ours::Absent, |r| rspamd_view(r, field));
                self.compare("rspamd", index, field, &expected, ours);
            }
        }
    }

    fn compare(&mut self, corpus: &str, index: usize, field: &str, expected: &Value, ours: Ours) {
        let agreed = agrees(expected, &ours);
        let entry = self
            .fields
            .entry((corpus.to_string(), field.to_string()))
            .or_default();
        entry.1 += 1;

        if agreed {
            entry.0 += 1;
        } else {
            let key = (corpus.to_string(), index, field.to_string());
            self.mismatches
                .insert(key, format!("expected {expected}, read {ours:?}"));
        }
    }

    fn overall(&self) -> f64 {
        let (matched, total) = self
            .fields
            .values()
            .fold((0, 0), |(m, t), (matched, total)| (m + matched, t + total));

        matched as f64 / total as f64
    }

    fn report(&self) -> String {
        let mut report = String::from("agreement per corpus and field:\n");
        let mut per_corpus: BTreeMap<&str, (usize, usize)> = BTreeMap::new();

        for ((corpus, field), (matched, total)) in &self.fields {
            let percent = 100.0 * *matched as f64 / *total as f64;
            let _ = writeln!(
                report,
                "  {corpus:12} {field:12} {matched:4} / {total:4}  {percent:5.1} %"
            );
            let sum = per_corpus.entry(corpus).or_default();
            sum.0 += matched;
            sum.1 += total;
        }

        for (corpus, (matched, total)) in per_corpus {
            let percent = 100.0 * matched as f64 / total as f64;
            let _ = writeln!(
                report,
                "  {corpus:12} {:12} {matched:4} / {total:4}  {percent:5.1} %",
                "all"
            );
        }
        let _ = writeln!(report, "  overall {:.1} %", self.overall() * 100.0);
        report
    }

    /// Every difference is a listed expectation, and every expectation is
    /// still a difference.
    fn check_expectations(&self) {
        let listed = expectations();
        let differences: BTreeSet<&Key> = self.mismatches.keys().collect();

        let unexpected: Vec<String> = self
            .mismatches
            .iter()
            .filter(|(key, _)| !listed.contains(*key))
            .map(|((corpus, index, field), detail)| format!("{corpus} {index} {field}: {detail}"))
            .collect();
        let stale: Vec<&Key> = listed
            .iter()
            .filter(|key| !differences.contains(key))
            .collect();

        assert!(
            unexpected.is_empty(),
            "differences not in the expectations file:\n{}",
            unexpected.join("\n")
        );
        assert!(
            stale.is_empty(),
            "expectations that no longer apply: {stale:?}"
        );
    }
}

/// What mailtrail read for a compared field.
#[derive(Debug)]
enum Ours {
    Absent,
    Text(String),
    /// Any of these texts.
    Forms(Vec<String>),
    Address(IpAddr),
    Instant(Timestamp),
}

impl Ours {
    fn text(part: Option<impl ToString>) -> Self {
        part.map_or(Self::Absent, |part| Self::Text(part.to_string()))
    }
}

/// mail-parser's fields, from mailtrail's reading.
fn mail_parser_view(received: &Received<'_>, field: &str) -> Ours {
    match field {
        "from" => Ours::text(received.from_name().map(|name| name.value)),
        "from_ip" => received
            .from_ip()
            .map_or(Ours::Absent, |ip| Ours::Address(ip.value)),
        "from_iprev" => Ours::text(received.reverse_dns().map(|name| name.value)),
        "by" => Ours::text(received.by().map(|by| by.value)),
        "for_" => Ours::text(
            received
                .recipients()
                .next()
                .map(|recipient| recipient.value),
        ),
        "with" => Ours::text(received.with().map(|with| mail_parser_protocol(with.value))),
        "tls_version" => Ours::text(received.tls_version().map(|v| mail_parser_tls(v.value))),
        "tls_cipher" => Ours::text(received.tls_cipher().map(|cipher| cipher.value)),
        "id" => Ours::text(received.id().map(|id| id.value)),
        "ident" => ident_view(received),
        "helo" => Ours::text(received.helo().map(|helo| helo.value)),
        "helo_cmd" => Ours::text(received.greeting().map(|greeting| match greeting {
            Greeting::Helo => "Helo",
            Greeting::Ehlo => "Ehlo",
            Greeting::Lhlo => "Lhlo",
        })),
        "via" => Ours::text(received.via().map(|via| via.value)),
        "date" => received
            .date()
            .map_or(Ours::Absent, |date| Ours::Instant(date.value)),
        other => panic!("unknown mail-parser field {other}"),
    }
}

/// mail-parser keeps the ident as the `user@host` token; mailtrail splits
/// the user from the host, which it files as the reverse-DNS name or the
/// address. Either joined form, or the user alone, agrees.
fn ident_view(received: &Received<'_>) -> Ours {
    let Some(user) = received.ident() else {
        return Ours::Absent;
    };

    let hosts = [
        received.reverse_dns().map(|name| name.value.to_string()),
        received.from_ip().map(|ip| ip.value.to_string()),
    ];

    let mut forms = vec![user.value.to_string()];
    forms.extend(
        hosts
            .into_iter()
            .flatten()
            .map(|host| format!("{}@{host}", user.value)),
    );
    Ours::Forms(forms)
}

/// rspamd's fields, from mailtrail's reading.
fn rspamd_view(received: &Received<'_>, field: &str) -> Ours {
    match field {
        "real_ip" | "from_ip" => received
            .from_ip()
            .map_or(Ours::Absent, |ip| Ours::Address(ip.value)),
        "from_hostname" => Ours::text(received.from_name().map(|name| name.value)),
        "real_hostname" => Ours::text(received.reverse_dns().map(|name| name.value)),
        "by_hostname" => Ours::text(received.by().map(|by| by.value)),
        other => panic!("unknown rspamd field {other}"),
    }
}

fn mail_parser_protocol(protocol: Protocol<'_>) -> String {
    match protocol {
        Protocol::Local => "Local".to_string(),
        other => other.as_str().to_string(),
    }
}

fn mail_parser_tls(version: TlsVersion<'_>) -> String {
    match version {
        TlsVersion::Ssl2 => "SSLv2".into(),
        TlsVersion::Ssl3 => "SSLv3".into(),
        TlsVersion::Tls1_0 => "TLSv1_0".into(),
        TlsVersion::Tls1_1 => "TLSv1_1".into(),
        TlsVersion::Tls1_2 => "TLSv1_2".into(),
        TlsVersion::Tls1_3 => "TLSv1_3".into(),
        other => other.to_string(),
    }
}

/// Whether mailtrail's value is the expected one. Host names compare as
/// written; addresses as addresses (`[192.0.2.1]` is 192.0.2.1); dates as
/// instants.
fn agrees(expected: &Value, ours: &Ours) -> bool {
    match (expected, ours) {
        (Value::Null, Ours::Absent) => true,
        (Value::Null, _) | (_, Ours::Absent) => false,
        (Value::Object(host), _) if host.contains_key("Name") => agrees(&host["Name"], ours),
        (Value::Object(host), _) if host.contains_key("IpAddr") => {
            let expected: IpAddr = host["IpAddr"]
                .as_str()
                .and_then(|ip| ip.parse().ok())
                .expect("an address");
            match ours {
                Ours::Address(ip) => *ip == expected,
                Ours::Text(text) => literal(text) == Some(expected),
                _ => false,
            }
        }
        (Value::Object(date), Ours::Instant(instant)) => expected_instant(date) == Some(*instant),
        (Value::String(text), Ours::Text(ours)) => ours == text,
        (Value::String(text), Ours::Forms(forms)) => forms.iter().any(|form| form == text),
        (Value::String(text), Ours::Address(ip)) => text.parse::<IpAddr>().ok() == Some(*ip),
        _ => false,
    }
}

/// An address written as a literal, bare or with a port.
fn literal(text: &str) -> Option<IpAddr> {
    let inner = text.trim_start_matches('[');
    let inner = inner.split(']').next().unwrap_or(inner);
    let inner = inner.strip_prefix("IPv6:").unwrap_or(inner);

    inner.parse().ok()
}

/// mail-parser's date fields as an instant, if they make one.
fn expected_instant(date: &serde_json::Map<String, Value>) -> Option<Timestamp> {
    let number = |name: &str| date.get(name).and_then(Value::as_i64);
    let civil = jiff::civil::Date::new(
        i16::try_from(number("year")?).ok()?,
        i8::try_from(number("month")?).ok()?,
        i8::try_from(number("day")?).ok()?,
    )
    .ok()?;
    let time = jiff::civil::Time::new(
        i8::try_from(number("hour")?).ok()?,
        i8::try_from(number("minute")?).ok()?,
        i8::try_from(number("second")?).ok()?,
        0,
    )
    .ok()?;
    let datetime = civil.to_datetime(time);

    let sign = if date.get("tz_before_gmt")?.as_bool()? {
        -1
    } else {
        1
    };
    let offset = sign * (number("tz_hour")? * 3600 + number("tz_minute")? * 60);
    let offset = jiff::tz::Offset::from_seconds(i32::try_from(offset).ok()?).ok()?;

    offset.to_timestamp(datetime).ok()
}

/// The listed differences: `corpus case field reason...` per line.
fn expectations() -> BTreeSet<Key> {
    EXPECTATIONS
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut words = line.split_whitespace();
            let corpus = words.next().expect("a corpus name").to_string();
            let index = words
                .next()
                .and_then(|n| n.parse().ok())
                .expect("a case number");
            let field = words.next().expect("a field name").to_string();
            assert!(words.next().is_some(), "the entry {line:?} gives no reason");
            (corpus, index, field)
        })
        .collect()
}

#[derive(Deserialize)]
struct MailParserCase {
    header: String,
    expected: BTreeMap<String, Value>,
}

#[derive(Deserialize)]
struct RspamdCorpus {
    cases: Vec<RspamdCase>,
}

#[derive(Deserialize)]
struct RspamdCase {
    header: String,
    expected: BTreeMap<String, Value>,
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &PathBuf) -> T {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));

    serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("cannot parse {}: {error}", path.display()))
}

/// The corpora folder, or `None` (after saying so) when it is missing
/// outside CI.
fn corpora() -> Option<PathBuf> {
    let folder = std::env::var_os("MAILTRAIL_CORPORA").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/corpora"
            ))
        },
        PathBuf::from,
    );

    if folder.join("received").is_dir() {
        return Some(folder);
    }

    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "the conformance corpora are missing at {}",
        folder.display()
    );
    println!("skipped: no conformance corpora at {}", folder.display());
    None
}
