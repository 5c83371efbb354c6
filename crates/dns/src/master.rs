//! Master files ([RFC 1035 §5]) in and out of a [`ZoneResolver`], with the
//! `;@` annotations that record failures and DNSSEC status in comments.
//!
//! Parsing is hickory-proto's. One correction is made before handing it the
//! text: hickory-proto 0.26 decodes a `\DDD` escape as `(D1 << 16) + (D2 << 8) +
//! D3` and stores TXT data as UTF-8 text, so a TXT byte outside ASCII could
//! not survive a round trip. Inside quoted strings each `\DDD` is therefore
//! replaced by a placeholder code point (U+F0000 plus the byte, in a private
//! use plane), which hickory passes through untouched, and the TXT data is
//! turned back into bytes afterwards.
//!
//! [RFC 1035 §5]: https://www.rfc-editor.org/rfc/rfc1035#section-5

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

use hickory_proto::rr::{Name, RData, Record};
use hickory_proto::serialize::txt::Parser;

use crate::name::{display_name, parse_query_name};
use crate::zone::{Failure, ZoneResolver};
use crate::{DnsError, Mx, RecordData, RecordType, Txt};

/// Where the placeholder code points for escaped bytes start.
const BYTE_PLACEHOLDER_BASE: u32 = 0xF_0000;

/// A master file that could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ZoneError {
    /// A `;@` annotation line is malformed.
    #[error("line {line}: bad annotation: {reason}")]
    Annotation {
        /// The 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },

    /// A `\DDD` escape in a quoted string is out of range, or the text holds a
    /// code point reserved for escaped bytes.
    #[error("line {line}: bad escape: {reason}")]
    Escape {
        /// The 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },

    /// The file could not be read.
    #[error("cannot read zone file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },

    /// A name given in code or in an annotation is not a valid domain name.
    #[error(transparent)]
    Name(DnsError),

    /// The file is not UTF-8 text; raw bytes belong in `\DDD` escapes.
    #[error("zone file is not UTF-8 at byte {offset}; write such bytes as \\DDD escapes")]
    NotUtf8 {
        /// The offset of the first invalid byte.
        offset: usize,
    },

    /// hickory-proto's parser rejected the file.
    #[error("zone file syntax: {0}")]
    Syntax(String),
}

/// What a `;@` annotation sets.
#[derive(Debug, Clone)]
enum Outcome {
    Failure(Failure, Option<String>),
    Authentic(bool),
}

/// One `;@` annotation line.
#[derive(Debug)]
struct Annotation {
    line: usize,
    name: String,
    rtype: RecordType,
    outcome: Outcome,
}

/// Reads a master file from disk.
pub(crate) fn read_path(path: &Path) -> Result<ZoneResolver, ZoneError> {
    let bytes = std::fs::read(path).map_err(|source| ZoneError::Io {
        path: path.to_owned(),
        source,
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|error| ZoneError::NotUtf8 {
        offset: error.valid_up_to(),
    })?;
    read(text, Some(path), None)
}

/// Parses master-file text into a zone.
pub(crate) fn read(
    text: &str,
    path: Option<&Path>,
    origin: Option<&str>,
) -> Result<ZoneResolver, ZoneError> {
    let origin = match origin {
        Some(origin) => parse_query_name(origin).map_err(ZoneError::Name)?,
        None => Name::root(),
    };
    let origin = Some(origin);
    let annotations = scan_annotations(text, origin.as_ref())?;
    let prepared = hide_byte_escapes(text)?;

    let parser = Parser::new(prepared, path.map(Path::to_path_buf), origin);
    let (_, record_sets) = parser
        .parse()
        .map_err(|error| ZoneError::Syntax(error.to_string()))?;

    let mut zone = ZoneResolver::new();
    for record in record_sets
        .values()
        .flat_map(|set| set.records_without_rrsigs())
    {
        add_record(&mut zone, record)?;
    }
    for annotation in annotations {
        apply(&mut zone, annotation)?;
    }
    Ok(zone)
}

/// Adds one parsed record; types mailtrail does not serve only make the name
/// exist.
fn add_record(zone: &mut ZoneResolver, record: &Record) -> Result<(), ZoneError> {
    let name = display_name(&record.name);
    let data = match &record.data {
        RData::A(a) => RecordData::A(a.0),
        RData::AAAA(aaaa) => RecordData::Aaaa(aaaa.0),
        RData::CNAME(cname) => RecordData::Cname(display_name(&cname.0)),
        RData::MX(mx) => RecordData::Mx(Mx {
            preference: mx.preference,
            exchange: display_name(&mx.exchange),
        }),
        RData::PTR(ptr) => RecordData::Ptr(display_name(&ptr.0)),
        RData::TXT(txt) => RecordData::Txt(reveal_byte_escapes(&txt.txt_data)),
        _ => {
            zone.add_node(&name)?;
            return Ok(());
        }
    };
    zone.insert(&name, record.ttl, data)
}

/// Sets what an annotation says.
fn apply(zone: &mut ZoneResolver, annotation: Annotation) -> Result<(), ZoneError> {
    let Annotation {
        line,
        name,
        rtype,
        outcome,
    } = annotation;
    let result = match outcome {
        Outcome::Failure(failure, detail) => {
            zone.set_failure_with_detail(&name, rtype, failure, detail)
        }
        Outcome::Authentic(authentic) => zone.set_authentic(&name, rtype, authentic),
    };
    result.map_err(|error| ZoneError::Annotation {
        line,
        reason: error.to_string(),
    })
}

/// Finds the `;@ <name> <TYPE> <outcome>` lines, resolving relative names
/// against the `$ORIGIN` in force on each line.
fn scan_annotations(text: &str, origin: Option<&Name>) -> Result<Vec<Annotation>, ZoneError> {
    let mut origin = origin.map(display_name);
    let mut annotations = Vec::new();

    for (index, raw_line) in text.lines().enumerate() {
        let line = raw_line.trim_start();
        let number = index + 1;

        if let Some(rest) = strip_prefix_ignore_case(line, "$ORIGIN") {
            let target = rest.split_whitespace().next().unwrap_or_default();
            origin = Some(resolve(target, origin.as_deref()));
        } else if let Some(rest) = line.strip_prefix(";@") {
            annotations.push(parse_annotation(rest, origin.as_deref(), number)?);
        }
    }
    Ok(annotations)
}

/// Parses the words after `;@`: a name, a type, an outcome, and for
/// `servfail` an optional detail running to the end of the line.
fn parse_annotation(
    words: &str,
    origin: Option<&str>,
    line: usize,
) -> Result<Annotation, ZoneError> {
    let bad = |reason: String| ZoneError::Annotation { line, reason };
    let mut parts = words
        .trim()
        .splitn(4, char::is_whitespace)
        .filter(|part| !part.is_empty());
    let (Some(name), Some(rtype), Some(word)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad(format!(
            "expected `;@ <name> <TYPE> <outcome>`, found {words:?}"
        )));
    };
    let detail = parts.next().map(|rest| rest.trim().to_owned());

    let rtype = rtype
        .parse::<RecordType>()
        .map_err(|error| bad(error.to_string()))?;
    let outcome = match (word, detail) {
        ("authentic", None) => Outcome::Authentic(true),
        ("not-authentic", None) => Outcome::Authentic(false),
        ("servfail", detail) => Outcome::Failure(Failure::ServerFailure, detail),
        (word, None) => match word.parse::<Failure>() {
            Ok(failure) => Outcome::Failure(failure, None),
            Err(ZoneError::Annotation { reason, .. }) => return Err(bad(reason)),
            Err(other) => return Err(other),
        },
        (word, Some(detail)) => {
            return Err(bad(format!(
                "unexpected {detail:?} after {word}; only servfail has one"
            )));
        }
    };
    Ok(Annotation {
        line,
        name: resolve(name, origin),
        rtype,
        outcome,
    })
}

/// Makes a master-file name absolute: `@` is the origin, a name ending in a
/// dot is absolute, anything else is relative to the origin when there is
/// one.
fn resolve(name: &str, origin: Option<&str>) -> String {
    match (name, origin) {
        ("@", Some(origin)) => origin.to_owned(),
        (name, _) if name.ends_with('.') => name.to_owned(),
        (name, Some(origin)) if origin != "." => format!("{name}.{origin}"),
        (name, _) => name.to_owned(),
    }
}

/// `line` without `prefix` when it starts with it in any case.
fn strip_prefix_ignore_case<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    let head = line.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &line[prefix.len()..])
}

/// Replaces each `\DDD` inside quoted strings by its placeholder code point,
/// leaving comments and unquoted text alone.
fn hide_byte_escapes(text: &str) -> Result<Cow<'_, str>, ZoneError> {
    if !text.contains('\\') && !text.chars().any(is_placeholder) {
        return Ok(Cow::Borrowed(text));
    }

    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let (mut in_quotes, mut in_comment, mut line) = (false, false, 1);

    while let Some(ch) = chars.next() {
        match ch {
            '\n' => {
                line += 1;
                in_comment = false;
            }
            ';' if !in_quotes => in_comment = true,
            '"' if !in_comment => in_quotes = !in_quotes,
            '\\' if in_quotes => {
                let digits: String = chars.clone().take(3).collect();
                if digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()) {
                    out.push(placeholder(&digits, line)?);
                    chars.nth(2);
                } else if let Some(escaped) = chars.next() {
                    out.push('\\');
                    out.push(escaped);
                }
                continue;
            }
            ch if is_placeholder(ch) && in_quotes => {
                return Err(ZoneError::Escape {
                    line,
                    reason: format!("U+{:X} is reserved for escaped bytes", ch as u32),
                });
            }
            _ => {}
        }
        out.push(ch);
    }
    Ok(Cow::Owned(out))
}

/// The placeholder code point of a `\DDD` escape.
fn placeholder(digits: &str, line: usize) -> Result<char, ZoneError> {
    let value: u32 = digits.parse().unwrap_or(u32::MAX);
    if value > 255 {
        return Err(ZoneError::Escape {
            line,
            reason: format!("\\{digits} is above 255"),
        });
    }
    char::from_u32(BYTE_PLACEHOLDER_BASE + value).ok_or_else(|| ZoneError::Escape {
        line,
        reason: format!("\\{digits}"),
    })
}

/// Whether a code point is one of the byte placeholders.
fn is_placeholder(ch: char) -> bool {
    (BYTE_PLACEHOLDER_BASE..=BYTE_PLACEHOLDER_BASE + 255).contains(&(ch as u32))
}

/// Turns TXT strings parsed by hickory back into the bytes they stand for.
fn reveal_byte_escapes(strings: &[Box<[u8]>]) -> Txt {
    Txt::new(
        strings
            .iter()
            .map(|string| match std::str::from_utf8(string) {
                Ok(text) if text.chars().any(is_placeholder) => {
                    let mut bytes = Vec::with_capacity(text.len());
                    for ch in text.chars() {
                        if is_placeholder(ch) {
                            bytes.push((ch as u32 - BYTE_PLACEHOLDER_BASE) as u8);
                        } else {
                            bytes.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
                        }
                    }
                    bytes
                }
                _ => string.to_vec(),
            }),
    )
}

/// Writes a zone as a master file: records sorted by name and type (keeping
/// their order within a type), then annotations sorted by name and type.
pub(crate) fn write(zone: &ZoneResolver, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str("; written by mailtrail-dns; `;@` lines are failures and DNSSEC status\n")?;
    for (name, records) in zone.sorted_nodes() {
        let mut records: Vec<_> = records.iter().collect();
        records.sort_by_key(|(_, data)| data.mnemonic());
        for (ttl, data) in records {
            if !hickory_can_read(name, data) {
                f.write_str("; hickory-proto cannot read this name, so it is not replayed: ")?;
            }
            writeln!(f, "{} {ttl} IN {} {data}", absolute(name), data.mnemonic())?;
        }
    }
    for ((name, rtype), (failure, detail)) in zone.sorted_failures() {
        write!(f, ";@ {} {rtype} {failure}", absolute(name))?;
        if let Some(detail) = detail {
            write!(f, " {}", detail.replace(['\r', '\n'], " "))?;
        }
        writeln!(f)?;
    }
    for ((name, rtype), authentic) in zone.sorted_authentic() {
        let word = if *authentic {
            "authentic"
        } else {
            "not-authentic"
        };
        writeln!(f, ";@ {} {rtype} {word}", absolute(name))?;
    }
    Ok(())
}

/// Whether hickory-proto's master-file reader accepts the names of a record:
/// it refuses labels with characters such as `:`, `/` or space, which DNS
/// allows and SPF macros produce.
fn hickory_can_read(owner: &str, data: &RecordData) -> bool {
    let target = match data {
        RecordData::Cname(target) | RecordData::Ptr(target) => Some(target.as_str()),
        RecordData::Mx(mx) => Some(mx.exchange.as_str()),
        _ => None,
    };
    [Some(owner), target]
        .into_iter()
        .flatten()
        .all(|name| Name::from_ascii(name).is_ok())
}

/// A name with its trailing dot.
fn absolute(name: &str) -> String {
    let mut text = name.to_owned();
    if !text.ends_with('.') {
        text.push('.');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_inside_comments_do_not_open_a_string() {
        let text = "; a \"stray quote\nx.example. 60 IN TXT \"\\065\"\n";
        let prepared = hide_byte_escapes(text).unwrap();
        assert!(prepared.contains(char::from_u32(BYTE_PLACEHOLDER_BASE + 65).unwrap()));
    }

    #[test]
    fn escapes_outside_quotes_are_left_to_hickory() {
        let text = "a\\046b.example. 60 IN A 192.0.2.1\n";
        assert_eq!(hide_byte_escapes(text).unwrap(), text);
    }

    #[test]
    fn text_without_escapes_is_borrowed() {
        let text = "x.example. 60 IN TXT \"plain\"\n";
        assert!(matches!(hide_byte_escapes(text).unwrap(), Cow::Borrowed(_)));
    }

    #[test]
    fn placeholder_code_points_in_input_are_refused() {
        let text = format!(
            "x.example. 60 IN TXT \"{}\"\n",
            char::from_u32(0xF_0041).unwrap()
        );
        assert!(matches!(
            hide_byte_escapes(&text),
            Err(ZoneError::Escape { line: 1, .. })
        ));
    }

    #[test]
    fn annotation_names_resolve_against_the_origin() {
        assert_eq!(resolve("@", Some("example.com")), "example.com");
        assert_eq!(resolve("slow", Some("example.com")), "slow.example.com");
        assert_eq!(resolve("abs.example.", Some("example.com")), "abs.example.");
        assert_eq!(resolve("bare", Some(".")), "bare");
        assert_eq!(resolve("bare", None), "bare");
    }

    #[test]
    fn records_hickory_cannot_read_are_written_as_comments() {
        let mut zone = ZoneResolver::new();
        let txt = RecordData::Txt(Txt::new(["x"]));
        zone.insert("foo:bar/baz.example.com", 60, txt.clone())
            .unwrap();
        zone.insert("plain.example.com", 60, txt).unwrap();

        let text = zone.to_string();
        let replay: ZoneResolver = text.parse().unwrap();
        assert!(
            text.contains("; hickory-proto cannot read this name"),
            "{text}"
        );
        assert!(replay.has("plain.example.com", RecordType::Txt));
        assert!(!replay.has("foo:bar/baz.example.com", RecordType::Txt));
    }

    #[test]
    fn origin_lines_change_later_annotations_only() {
        let text = ";@ a A timeout\n$ORIGIN example.net.\n;@ b A timeout\n";
        let found =
            scan_annotations(text, Some(&Name::from_ascii("example.com.").unwrap())).unwrap();
        let names: Vec<_> = found.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["a.example.com", "b.example.net."]);
    }
}
