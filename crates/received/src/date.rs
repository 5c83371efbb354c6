//! The date after the `;` of a Received field, as a UTC instant.
//!
//! The grammar is `date-time` of
//! [RFC 5322 §3.3](https://www.rfc-editor.org/rfc/rfc5322#section-3.3):
//! `[day-of-week ","] day month year hour ":" minute [":" second] zone`.
//! The weekday and the seconds are optional there, so their absence is no
//! deviation. The obsolete forms of
//! [§4.3](https://www.rfc-editor.org/rfc/rfc5322#section-4.3) (two- and
//! three-digit years, named zones) and what MTAs write beyond them (no zone,
//! no comma, `asctime` order, fractions of a second, a leap second) are
//! read and reported. The parser never allocates.

use jiff::Timestamp;
use mailtrail_message::Span;

use crate::DeviationKind;

/// A date read from a field: the instant, the zone offset as written, and
/// where the date text ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ParsedDate {
    pub(crate) timestamp: Timestamp,
    pub(crate) offset_seconds: i32,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// The deviations of one date, kept until the date is known to be good.
#[derive(Default)]
pub(crate) struct DateDeviations {
    found: [(Option<DeviationKind>, usize, usize); 8],
    length: usize,
}

impl DateDeviations {
    fn push(&mut self, kind: DeviationKind, start: usize, end: usize) {
        if let Some(slot) = self.found.get_mut(self.length) {
            *slot = (Some(kind), start, end);
            self.length += 1;
        }
    }

    /// The deviations found, with spans shifted by `base`.
    pub(crate) fn iter(&self, base: usize) -> impl Iterator<Item = (DeviationKind, Span)> + '_ {
        self.found[..self.length]
            .iter()
            .filter_map(move |&(kind, start, end)| {
                Some((kind?, Span::new(base + start, base + end)))
            })
    }
}

/// Reads a date from `bytes[start..end]`.
///
/// On success the deviations are in `deviations`; on failure the error is
/// the position where reading stopped.
pub(crate) fn parse_date(
    bytes: &[u8],
    start: usize,
    end: usize,
    deviations: &mut DateDeviations,
) -> Result<ParsedDate, usize> {
    let bytes = &bytes[..end.min(bytes.len())];
    if let Some(date) = common_date(bytes, start, deviations) {
        return Ok(date);
    }

    let mut lexer = Lexer {
        bytes,
        position: start,
        end: bytes.len(),
        last_end: start,
    };
    lexer.skip_space();
    lexer.skip_junk(deviations);
    let date_start = lexer.position;

    let weekday = lexer.weekday(deviations);
    let fields = match lexer.peek_alpha() {
        true => lexer.asctime_order(deviations)?,
        false => lexer.rfc_order(deviations)?,
    };

    if fields.day > days_in_month(fields.year, fields.month) {
        return Err(date_start);
    }

    let days = days_from_civil(fields.year, fields.month, fields.day);
    if let Some((weekday, span)) = weekday
        && (days + 4).rem_euclid(7) != weekday
    {
        deviations.push(DeviationKind::WeekdayMismatch, span.0, span.1);
    }

    let local = days * 86_400 + fields.seconds_of_day;
    let timestamp =
        Timestamp::from_second(local - i64::from(fields.offset)).map_err(|_| date_start)?;

    Ok(ParsedDate {
        timestamp,
        offset_seconds: fields.offset,
        start: date_start,
        end: lexer.last_end,
    })
}

/// Reads the form nearly every MTA writes, `[Ddd, ]d Mon yyyy hh:mm[:ss]
/// +hhmm`, in one straight pass; an obsolete zone name such as `GMT` in
/// place of the offset is read and reported as the general lexer would.
/// Anything else (and a weekday that does not match) gives `None` and goes
/// to the general lexer, which reads it the same way when it is this form.
fn common_date(bytes: &[u8], start: usize, deviations: &mut DateDeviations) -> Option<ParsedDate> {
    let mut at = skip_fws(bytes, start);
    let date_start = at;

    let mut weekday = None;
    if let [first, second, third, b',', ..] = *bytes.get(at..)? {
        weekday = Some(weekday_number(&[first, second, third])?);
        at = skip_fws(bytes, at + 4);
    }

    let (day, at) = digits(bytes, at, 1, 2)?;
    let month_start = skip_fws(bytes, at);
    let month = month_at(bytes, month_start)?;
    let (year, at) = digits(bytes, skip_fws(bytes, month_start + 3), 4, 4)?;

    let (hour, at) = digits(bytes, skip_fws(bytes, at), 1, 2)?;
    if bytes.get(at) != Some(&b':') {
        return None;
    }
    let (minute, mut at) = digits(bytes, at + 1, 2, 2)?;
    let mut second = 0;
    if bytes.get(at) == Some(&b':') {
        (second, at) = digits(bytes, at + 1, 2, 2)?;
    }
    let in_range = hour < 24 && minute < 60 && second < 60;
    if !in_range || matches!(bytes.get(at), Some(b'.')) {
        return None;
    }

    let (offset, zone_name, end) = common_zone(bytes, skip_fws(bytes, at))?;

    let year = i64::from(year);
    if day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    if weekday.is_some_and(|weekday| (days + 4).rem_euclid(7) != weekday as i64) {
        return None;
    }

    let local = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    let timestamp = Timestamp::from_second(local - i64::from(offset)).ok()?;
    if let Some(zone_start) = zone_name {
        deviations.push(DeviationKind::ObsoleteZone, zone_start, end);
    }

    Some(ParsedDate {
        timestamp,
        offset_seconds: offset,
        start: date_start,
        end,
    })
}

/// The zone of a common date at `at`: `+hhmm` or `-hhmm`, or an obsolete
/// zone name (RFC 5322 §4.3) of at most five letters. Returns the offset,
/// where the name starts if it was one, and where the zone ends.
fn common_zone(bytes: &[u8], at: usize) -> Option<(i32, Option<usize>, usize)> {
    let sign = match bytes.get(at)? {
        b'+' => 1,
        b'-' => -1,
        byte if byte.is_ascii_alphabetic() => {
            let rest = &bytes[at..];
            let length = rest
                .iter()
                .take_while(|byte| byte.is_ascii_alphabetic())
                .count();
            let offset = obsolete_zone(&rest[..length])?;
            return Some((offset, Some(at), at + length));
        }
        _ => return None,
    };

    let (zone, end) = digits(bytes, at + 1, 4, 4)?;
    Some((
        sign * (zone / 100 * 3600 + zone % 100 * 60) as i32,
        None,
        end,
    ))
}

/// The position of the first byte at or after `at` that is not white
/// space or folding.
fn skip_fws(bytes: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\r' | b'\n') = bytes.get(at) {
        at += 1;
    }

    at
}

/// A run of `min` to `max` digits at `at`, not followed by another digit:
/// its value and where it ends.
fn digits(bytes: &[u8], at: usize, min: usize, max: usize) -> Option<(u32, usize)> {
    let mut value = 0;
    let mut end = at;

    while let Some(&byte @ b'0'..=b'9') = bytes.get(end) {
        if end - at == max {
            return None;
        }
        value = value * 10 + u32::from(byte - b'0');
        end += 1;
    }

    (end - at >= min).then_some((value, end))
}

/// A month of exactly three letters at `at`.
fn month_at(bytes: &[u8], at: usize) -> Option<u32> {
    let name = bytes.get(at..at + 3)?;
    let after = bytes.get(at + 3).copied().unwrap_or(b' ');

    if after.is_ascii_alphabetic() {
        return None;
    }
    month_number(name)
}

/// The parts of a date once read, before they become an instant.
struct Fields {
    year: i64,
    month: u32,
    day: u32,
    seconds_of_day: i64,
    offset: i32,
}

/// A position in the date text, skipping white space and folding.
struct Lexer<'b> {
    bytes: &'b [u8],
    position: usize,
    end: usize,
    /// One past the last byte of the last token read.
    last_end: usize,
}

impl Lexer<'_> {
    /// `day month year time zone`, the order of RFC 5322.
    fn rfc_order(&mut self, deviations: &mut DateDeviations) -> Result<Fields, usize> {
        let day = self.day()?;
        let month = self.month()?;
        let year = self.year(deviations)?;
        let seconds_of_day = self.time(deviations)?;
        let offset = self.zone(deviations).unwrap_or_else(|| {
            deviations.push(DeviationKind::MissingZone, self.last_end, self.last_end);
            0
        });

        Ok(Fields {
            year,
            month,
            day,
            seconds_of_day,
            offset,
        })
    }

    /// `month day time [zone] year [zone]`, the order of C's `asctime`
    /// with the zones some MTAs add.
    fn asctime_order(&mut self, deviations: &mut DateDeviations) -> Result<Fields, usize> {
        let start = self.position;
        let month = self.month()?;
        let day = self.day()?;
        let seconds_of_day = self.time(deviations)?;
        let zone_before = self.zone(deviations);
        let year = self.year(deviations)?;
        deviations.push(DeviationKind::AsctimeDate, start, self.last_end);

        let offset = match zone_before.or_else(|| self.zone(deviations)) {
            Some(offset) => offset,
            None => {
                deviations.push(DeviationKind::MissingZone, self.last_end, self.last_end);
                0
            }
        };

        Ok(Fields {
            year,
            month,
            day,
            seconds_of_day,
            offset,
        })
    }

    /// An optional day of the week and its comma: the weekday number
    /// (Sunday 0) and its span.
    fn weekday(&mut self, deviations: &mut DateDeviations) -> Option<(i64, (usize, usize))> {
        let checkpoint = self.position;
        let (start, end) = self.alpha()?;

        let Some(weekday) = weekday_number(&self.bytes[start..end]) else {
            self.position = checkpoint;
            return None;
        };

        self.skip_space();
        if self.bytes.get(self.position) == Some(&b',') && self.position < self.end {
            self.position += 1;
            self.last_end = self.position;
        } else if !self.peek_alpha() {
            deviations.push(DeviationKind::MissingComma, end, end);
        }

        Some((weekday as i64, (start, end)))
    }

    fn day(&mut self) -> Result<u32, usize> {
        let (value, digits) = self.number()?;

        match (digits, value) {
            (1 | 2, 1..=31) => Ok(value as u32),
            _ => Err(self.position),
        }
    }

    fn month(&mut self) -> Result<u32, usize> {
        let (start, end) = self.alpha().ok_or(self.position)?;

        month_number(&self.bytes[start..end]).ok_or(start)
    }

    /// A year of four digits, or the obsolete two or three (RFC 5322 §4.3).
    fn year(&mut self, deviations: &mut DateDeviations) -> Result<i64, usize> {
        let start = self.peek_start();
        let (value, digits) = self.number()?;

        match digits {
            4 => Ok(value),
            2 | 3 => {
                deviations.push(DeviationKind::ObsoleteYear, start, self.last_end);
                Ok(match value {
                    0..=49 => 2000 + value,
                    _ => 1900 + value,
                })
            }
            _ => Err(start),
        }
    }

    /// `hour ":" minute [":" second]`, as seconds since midnight.
    fn time(&mut self, deviations: &mut DateDeviations) -> Result<i64, usize> {
        let (hour, hour_digits) = self.number()?;
        self.expect(b':')?;
        let (minute, minute_digits) = self.number_here()?;

        let mut second = 0;
        if self.bytes.get(self.position) == Some(&b':') && self.position < self.end {
            self.position += 1;
            let start = self.position;
            let (value, digits) = self.number_here()?;
            if digits != 2 {
                return Err(start);
            }
            second = value;
            self.fraction(deviations);
            if second == 60 {
                deviations.push(DeviationKind::LeapSecond, start, start + 2);
                second = 59;
            }
        }

        let valid = matches!(hour_digits, 1 | 2) && minute_digits == 2;
        if !valid || hour > 23 || minute > 59 || second > 59 {
            return Err(self.position);
        }

        Ok(hour * 3600 + minute * 60 + second)
    }

    /// Skips `.digits` after the seconds, reporting it.
    fn fraction(&mut self, deviations: &mut DateDeviations) {
        let start = self.position;
        if self.bytes.get(start) != Some(&b'.') || start >= self.end {
            return;
        }

        let digits = self.count_while(start + 1, |byte| byte.is_ascii_digit());
        if digits > 0 {
            self.position = start + 1 + digits;
            self.last_end = self.position;
            deviations.push(DeviationKind::FractionalSeconds, start, self.position);
        }
    }

    /// A zone: `+hhmm` / `-hhmm`, or a name. `None` when there is none.
    fn zone(&mut self, deviations: &mut DateDeviations) -> Option<i32> {
        self.skip_space();
        let start = self.position;
        let sign = match self.byte() {
            Some(b'+') => 1,
            Some(b'-') => -1,
            Some(byte) if byte.is_ascii_alphabetic() => return self.named_zone(deviations),
            _ => return None,
        };

        let digits = self.count_while(start + 1, |byte| byte.is_ascii_digit());
        if digits != 4 {
            return None;
        }

        let text = &self.bytes[start + 1..start + 5];
        let hours = i32::from(text[0] - b'0') * 10 + i32::from(text[1] - b'0');
        let minutes = i32::from(text[2] - b'0') * 10 + i32::from(text[3] - b'0');
        self.position = start + 5;
        self.last_end = self.position;

        Some(sign * (hours * 3600 + minutes * 60))
    }

    /// A zone name: the obsolete ones of RFC 5322 §4.3 with their offsets;
    /// others as `-0000`, unknown.
    fn named_zone(&mut self, deviations: &mut DateDeviations) -> Option<i32> {
        let checkpoint = (self.position, self.last_end);
        let (start, end) = self.alpha()?;
        let name = &self.bytes[start..end];

        if name.len() > 5
            || KEYWORDS
                .iter()
                .any(|keyword| name.eq_ignore_ascii_case(keyword))
        {
            (self.position, self.last_end) = checkpoint;
            return None;
        }

        match obsolete_zone(name) {
            Some(offset) => {
                deviations.push(DeviationKind::ObsoleteZone, start, end);
                Some(offset)
            }
            None => {
                deviations.push(DeviationKind::UnknownZone, start, end);
                Some(0)
            }
        }
    }

    /// Skips bytes before the date that cannot start one, like `_` in
    /// `;_ Tue, 21 Jul 2009`.
    fn skip_junk(&mut self, deviations: &mut DateDeviations) {
        let start = self.position;
        let junk = self.count_while(start, |byte| {
            !byte.is_ascii_alphanumeric() && !matches!(byte, b' ' | b'\t' | b'\r' | b'\n' | b'(')
        });

        if junk > 0 {
            deviations.push(DeviationKind::TextBeforeDate, start, start + junk);
            self.position += junk;
            self.skip_space();
        }
    }
}

impl Lexer<'_> {
    fn byte(&self) -> Option<u8> {
        self.bytes.get(self.position).copied()
    }

    fn skip_space(&mut self) {
        let spaces = self.count_while(self.position, |byte| {
            matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
        });
        self.position += spaces;
    }

    fn count_while(&self, from: usize, keep: impl Fn(u8) -> bool) -> usize {
        let slice = self.bytes.get(from..).unwrap_or_default();

        slice
            .iter()
            .position(|&byte| !keep(byte))
            .unwrap_or(slice.len())
    }

    fn peek_start(&mut self) -> usize {
        self.skip_space();
        self.position
    }

    fn peek_alpha(&mut self) -> bool {
        self.skip_space();
        self.byte().is_some_and(|byte| byte.is_ascii_alphabetic())
    }

    /// A run of letters after white space, as a range.
    fn alpha(&mut self) -> Option<(usize, usize)> {
        self.skip_space();
        let start = self.position;
        let length = self.count_while(start, |byte| byte.is_ascii_alphabetic());

        if length == 0 {
            return None;
        }

        self.position += length;
        self.last_end = self.position;
        Some((start, self.position))
    }

    /// A run of digits after white space: its value and digit count.
    fn number(&mut self) -> Result<(i64, usize), usize> {
        self.skip_space();
        self.number_here()
    }

    /// A run of digits right here, at most nine of them.
    fn number_here(&mut self) -> Result<(i64, usize), usize> {
        let start = self.position;
        let digits = self.count_while(start, |byte| byte.is_ascii_digit());
        if digits == 0 || digits > 9 {
            return Err(start);
        }

        let value = self.bytes[start..start + digits]
            .iter()
            .fold(0_i64, |value, &byte| value * 10 + i64::from(byte - b'0'));
        self.position += digits;
        self.last_end = self.position;

        Ok((value, digits))
    }

    fn expect(&mut self, byte: u8) -> Result<(), usize> {
        if self.byte() != Some(byte) {
            return Err(self.position);
        }

        self.position += 1;
        Ok(())
    }
}

/// Words that end a date: clause keywords that may follow it.
const KEYWORDS: [&[u8]; 6] = [b"from", b"by", b"via", b"with", b"id", b"for"];

/// The day of the week a name stands for (Sunday 0): the three letters of
/// RFC 5322 §3.3, or the full name, without regard to case.
fn weekday_number(word: &[u8]) -> Option<usize> {
    const FULL: [&[u8]; 7] = [
        b"sunday",
        b"monday",
        b"tuesday",
        b"wednesday",
        b"thursday",
        b"friday",
        b"saturday",
    ];

    let number = match &lower_three(word)? {
        b"sun" => 0,
        b"mon" => 1,
        b"tue" => 2,
        b"wed" => 3,
        b"thu" => 4,
        b"fri" => 5,
        b"sat" => 6,
        _ => return None,
    };

    (word.len() == 3 || word.eq_ignore_ascii_case(FULL[number])).then_some(number)
}

/// The month (January 1) a name stands for, three letters or in full.
fn month_number(word: &[u8]) -> Option<u32> {
    const FULL: [&[u8]; 12] = [
        b"january",
        b"february",
        b"march",
        b"april",
        b"may",
        b"june",
        b"july",
        b"august",
        b"september",
        b"october",
        b"november",
        b"december",
    ];

    let number = match &lower_three(word)? {
        b"jan" => 1,
        b"feb" => 2,
        b"mar" => 3,
        b"apr" => 4,
        b"may" => 5,
        b"jun" => 6,
        b"jul" => 7,
        b"aug" => 8,
        b"sep" => 9,
        b"oct" => 10,
        b"nov" => 11,
        b"dec" => 12,
        _ => return None,
    };

    (word.len() == 3 || word.eq_ignore_ascii_case(FULL[number as usize - 1])).then_some(number)
}

/// The first three letters of `word` in lower case.
fn lower_three(word: &[u8]) -> Option<[u8; 3]> {
    match word {
        [a, b, c, ..] => Some([a | 0x20, b | 0x20, c | 0x20]),
        _ => None,
    }
}

/// The offset of an obsolete zone name (RFC 5322 §4.3), in seconds.
///
/// Military letters other than `Z` are read as `-0000`: RFC 5322 says their
/// signs were published backwards in RFC 822, so they carry no offset.
fn obsolete_zone(name: &[u8]) -> Option<i32> {
    let mut buffer = [0_u8; 5];
    let upper = buffer.get_mut(..name.len())?;
    for (to, from) in upper.iter_mut().zip(name) {
        *to = from.to_ascii_uppercase();
    }

    let hours = match &*upper {
        b"UT" | b"GMT" | b"UTC" | b"Z" => 0,
        b"EST" => -5,
        b"EDT" | b"AST" => -4,
        b"CST" => -6,
        b"CDT" => -5,
        b"MST" => -7,
        b"MDT" => -6,
        b"PST" => -8,
        b"PDT" => -7,
        [letter] if letter.is_ascii_uppercase() && *letter != b'J' => 0,
        _ => return None,
    };

    Some(hours * 3600)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;

    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<(String, i32, Vec<DeviationKind>), usize> {
        let mut deviations = DateDeviations::default();
        let date = parse_date(text.as_bytes(), 0, text.len(), &mut deviations)?;
        let kinds = deviations.iter(0).map(|(kind, _)| kind).collect();

        Ok((date.timestamp.to_string(), date.offset_seconds, kinds))
    }

    #[test]
    fn rfc_5322_dates_become_utc_instants() {
        assert_eq!(
            read(" Tue, 12 Mar 2024 02:14:23 -0700"),
            Ok(("2024-03-12T09:14:23Z".into(), -25_200, vec![]))
        );
        assert_eq!(
            read("Mon, 01 Apr 2024\r\n 01:02:19 +0130"),
            Ok(("2024-03-31T23:32:19Z".into(), 5_400, vec![]))
        );
    }

    #[test]
    fn optional_weekday_and_seconds_are_not_deviations() {
        assert_eq!(
            read("12 Mar 2024 09:14 +0000"),
            Ok(("2024-03-12T09:14:00Z".into(), 0, vec![]))
        );
    }

    #[test]
    fn obsolete_years_and_zones_are_read_and_reported() {
        let (instant, offset, kinds) = read("Wed, 26 Mar 03 20:43:24 PST").unwrap();
        assert_eq!(instant, "2003-03-27T04:43:24Z");
        assert_eq!(offset, -28_800);
        assert_eq!(
            kinds,
            [DeviationKind::ObsoleteYear, DeviationKind::ObsoleteZone]
        );

        let (instant, _, _) = read("1 Jan 99 00:00:00 GMT").unwrap();
        assert_eq!(instant, "1999-01-01T00:00:00Z");
        let (instant, _, _) = read("1 Jan 103 00:00:00 +0000").unwrap();
        assert_eq!(instant, "2003-01-01T00:00:00Z");
    }

    #[test]
    fn a_common_date_with_a_zone_name_reports_the_name_where_it_is() {
        let text = "Tue, 12 Mar 2024 09:14:22 GMT (x)";
        let mut deviations = DateDeviations::default();
        let date = parse_date(text.as_bytes(), 0, text.len(), &mut deviations).unwrap();
        let found: Vec<_> = deviations.iter(0).collect();

        assert_eq!(date.timestamp.to_string(), "2024-03-12T09:14:22Z");
        assert_eq!(date.end, 29);
        assert_eq!(found, [(DeviationKind::ObsoleteZone, Span::new(26, 29))]);
        assert_eq!(
            read("12 Mar 2024 04:14:22 est"),
            Ok((
                "2024-03-12T09:14:22Z".into(),
                -18_000,
                vec![DeviationKind::ObsoleteZone]
            ))
        );
    }

    #[test]
    fn unknown_zone_names_and_missing_zones_read_as_utc() {
        let (instant, offset, kinds) = read("Mon, 7 Aug 2006 17:48:07 MEST").unwrap();
        assert_eq!((instant.as_str(), offset), ("2006-08-07T17:48:07Z", 0));
        assert_eq!(kinds, [DeviationKind::UnknownZone]);

        let (_, _, kinds) = read("30 Apr 2003 15:06:29").unwrap();
        assert_eq!(kinds, [DeviationKind::MissingZone]);
    }

    #[test]
    fn asctime_order_with_zone_before_or_after_the_year() {
        let (instant, _, kinds) = read("Fri Feb 07 10:18:12 2003 -0800").unwrap();
        assert_eq!(instant, "2003-02-07T18:18:12Z");
        assert_eq!(kinds, [DeviationKind::AsctimeDate]);

        let (instant, _, kinds) = read("Fri Sep 14 14:36:56 EDT 2018").unwrap();
        assert_eq!(instant, "2018-09-14T18:36:56Z");
        assert!(kinds.contains(&DeviationKind::ObsoleteZone));
    }

    #[test]
    fn fractions_leap_seconds_junk_and_missing_comma_are_tolerated() {
        let (instant, _, kinds) = read("_ Thu, 02 Apr 2020 07:53:55.516 +0000").unwrap();
        assert_eq!(instant, "2020-04-02T07:53:55Z");
        assert_eq!(
            kinds,
            [
                DeviationKind::TextBeforeDate,
                DeviationKind::FractionalSeconds
            ]
        );

        let (instant, _, kinds) = read("Sat 31 Dec 2016 23:59:60 +0000").unwrap();
        assert_eq!(instant, "2016-12-31T23:59:59Z");
        assert_eq!(
            kinds,
            [DeviationKind::MissingComma, DeviationKind::LeapSecond]
        );
    }

    #[test]
    fn a_wrong_weekday_is_reported_and_the_date_wins() {
        let (instant, _, kinds) = read("Mon, 12 Mar 2024 09:00:00 +0000").unwrap();

        assert_eq!(instant, "2024-03-12T09:00:00Z");
        assert_eq!(kinds, [DeviationKind::WeekdayMismatch]);
    }

    #[test]
    fn impossible_dates_fail_at_a_position() {
        for text in [
            "",
            "14:47:44 +0000",
            "31 Feb 2024 10:00:00 +0000",
            "12 Foo 2024 10:00 +0000",
            "12 Mar 2024 24:00 +0000",
            "12 Mar 2024 10:5 +0000",
            "12 Mar 20245 10:00 +0000",
        ] {
            assert!(read(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn the_date_ends_before_a_comment_or_keyword() {
        let text = "Thu, 20 Mar 2003 10:06:43 +0100 for <a@example.com>";
        let mut deviations = DateDeviations::default();
        let date = parse_date(text.as_bytes(), 0, text.len(), &mut deviations).unwrap();

        assert_eq!(
            &text[date.start..date.end],
            "Thu, 20 Mar 2003 10:06:43 +0100"
        );

        let text = "1 Mar 2024 10:00:00 for <a@example.com>";
        let date = parse_date(text.as_bytes(), 0, text.len(), &mut deviations).unwrap();
        assert_eq!(&text[date.start..date.end], "1 Mar 2024 10:00:00");
    }

    #[test]
    fn civil_days_match_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
    }
}
