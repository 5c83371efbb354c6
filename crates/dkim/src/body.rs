//! Body canonicalization, simple and relaxed, and the body hash
//! ([RFC 6376 §3.4.3, §3.4.4, §3.7](https://www.rfc-editor.org/rfc/rfc6376#section-3.4.3)).
//!
//! The canonicalizer streams: it takes the body in chunks of any size and
//! hands canonical bytes to a sink, holding back only the empty lines that
//! may turn out to end the body and a CR that may start a line end. Lines
//! that canonicalization leaves as they are (nearly all of them) are handed
//! on as slices of the input, whole runs of lines at once, so the body is
//! never copied. Bare LF line ends are read as CRLF.

use ring::digest;

use crate::Canonicalization;

/// Canonicalizes a body given in chunks.
///
/// ```
/// use mailtrail_dkim::{BodyCanonicalizer, Canonicalization};
///
/// let mut canonical = Vec::new();
/// let mut sink = |bytes: &[u8]| canonical.extend_from_slice(bytes);
/// let mut canonicalizer = BodyCanonicalizer::new(Canonicalization::Relaxed);
/// canonicalizer.feed(b"Hey \t you!\r\n\r", &mut sink);
/// canonicalizer.feed(b"\n\r\n", &mut sink);
/// canonicalizer.finish(&mut sink);
///
/// assert_eq!(canonical, b"Hey you!\r\n");
/// ```
#[derive(Clone, Debug)]
pub struct BodyCanonicalizer {
    canonicalization: Canonicalization,
    /// Empty lines seen but not yet written: they vanish if the body ends.
    pending_empty_lines: u64,
    /// A CR ended the last chunk; it is a line end if LF follows.
    pending_cr: bool,
    /// Relaxed only: white space seen in the line, written as one space if
    /// more content follows on the line.
    pending_space: bool,
    /// The current line has content (for relaxed, other than white space).
    line_has_content: bool,
    /// No byte of the current line has been seen.
    at_line_start: bool,
    /// Some non-empty line has been written.
    body_non_empty: bool,
}

impl BodyCanonicalizer {
    /// A canonicalizer at the start of a body.
    pub const fn new(canonicalization: Canonicalization) -> Self {
        Self {
            canonicalization,
            pending_empty_lines: 0,
            pending_cr: false,
            pending_space: false,
            line_has_content: false,
            at_line_start: true,
            body_non_empty: false,
        }
    }

    /// Canonicalizes the next chunk of the body, handing canonical bytes to
    /// `sink`.
    pub fn feed(&mut self, chunk: &[u8], sink: &mut impl FnMut(&[u8])) {
        let mut position = 0;

        if !self.at_line_start {
            let Some(newline) = memchr::memchr(b'\n', chunk) else {
                self.bytewise(chunk, sink);
                return;
            };
            self.bytewise(&chunk[..=newline], sink);
            position = newline + 1;
        }

        if let Some(last) = memchr::memrchr(b'\n', &chunk[position..]) {
            let end = position + last + 1;
            match self.canonicalization {
                Canonicalization::Simple => self.simple_lines(&chunk[position..end], sink),
                Canonicalization::Relaxed => self.relaxed_lines(&chunk[position..end], sink),
            }
            position = end;
        }

        self.bytewise(&chunk[position..], sink);
    }

    /// Ends the body: completes a last line without line end, drops the
    /// trailing empty lines, and writes the CRLF that an empty body is in
    /// simple canonicalization (§3.4.3).
    pub fn finish(mut self, sink: &mut impl FnMut(&[u8])) {
        if self.pending_cr {
            self.pending_cr = false;
            self.content(b"\r", sink);
        }

        if self.line_has_content {
            sink(b"\r\n");
        }

        if self.canonicalization == Canonicalization::Simple && !self.body_non_empty {
            sink(b"\r\n");
        }
    }

    /// Whole lines in simple canonicalization: unchanged, but for bare LF
    /// line ends and held-back empty lines.
    fn simple_lines(&mut self, lines: &[u8], sink: &mut impl FnMut(&[u8])) {
        let mut run = Run::new(self.pending_empty_lines == 0);
        let mut line_start = 0;

        for newline in memchr::memchr_iter(b'\n', lines) {
            let has_cr = newline > line_start && lines[newline - 1] == b'\r';
            let content_end = newline - usize::from(has_cr);

            if content_end == line_start {
                self.pending_empty_lines += 1;
                run.contiguous &= has_cr;
            } else {
                self.confirm_empty_lines(&mut run, lines, line_start, sink);
                run.line(lines, content_end, newline, has_cr, sink);
            }
            line_start = newline + 1;
        }

        sink(&lines[run.start..run.end]);
        self.at_line_start = true;
    }

    /// Whole lines in relaxed canonicalization: lines without tabs or runs
    /// of spaces pass unchanged but for white space at their end; the others
    /// are rewritten.
    fn relaxed_lines(&mut self, lines: &[u8], sink: &mut impl FnMut(&[u8])) {
        let mut run = Run::new(self.pending_empty_lines == 0);
        let mut anomalies = Anomalies::new(lines);
        let mut line_start = 0;

        for newline in memchr::memchr_iter(b'\n', lines) {
            let has_cr = newline > line_start && lines[newline - 1] == b'\r';
            let content_end = newline - usize::from(has_cr);
            let trimmed_end = trim_white_space(lines, line_start, content_end);

            if trimmed_end == line_start {
                self.pending_empty_lines += 1;
                run.contiguous &= has_cr && content_end == line_start;
            } else if anomalies.within(line_start, trimmed_end) {
                self.confirm_empty_lines(&mut run, lines, line_start, sink);
                run.flush(lines, line_start, sink);
                compress_white_space(&lines[line_start..trimmed_end], sink);
                sink(b"\r\n");
                run.restart(newline + 1);
            } else {
                self.confirm_empty_lines(&mut run, lines, line_start, sink);
                let unchanged = trimmed_end == content_end;
                run.line(lines, trimmed_end, newline, has_cr && unchanged, sink);
            }
            line_start = newline + 1;
        }

        sink(&lines[run.start..run.end]);
        self.at_line_start = true;
    }

    /// A non-empty line follows the held-back empty lines, so they are part
    /// of the body after all: extend the run over them when they are plain
    /// CRLFs right after it, else write the run and then CRLFs.
    fn confirm_empty_lines(
        &mut self,
        run: &mut Run,
        lines: &[u8],
        line_start: usize,
        sink: &mut impl FnMut(&[u8]),
    ) {
        self.body_non_empty = true;
        if self.pending_empty_lines == 0 {
            return;
        }

        if run.contiguous {
            run.end = line_start;
        } else {
            run.flush(lines, line_start, sink);
            write_line_ends(self.pending_empty_lines, sink);
        }

        self.pending_empty_lines = 0;
        run.contiguous = true;
    }

    /// Byte by byte, for the line a chunk boundary cut.
    fn bytewise(&mut self, bytes: &[u8], sink: &mut impl FnMut(&[u8])) {
        let relaxed = self.canonicalization == Canonicalization::Relaxed;

        for &byte in bytes {
            self.at_line_start = false;
            if self.pending_cr {
                self.pending_cr = false;
                if byte == b'\n' {
                    self.end_line(sink);
                    continue;
                }
                self.content(b"\r", sink);
            }

            match byte {
                b'\r' => self.pending_cr = true,
                b'\n' => self.end_line(sink),
                b' ' | b'\t' if relaxed => self.pending_space = true,
                _ => self.content(&[byte], sink),
            }
        }
    }

    /// One byte of line content, written after any held-back empty lines and
    /// white space.
    fn content(&mut self, byte: &[u8], sink: &mut impl FnMut(&[u8])) {
        if !self.line_has_content {
            write_line_ends(self.pending_empty_lines, sink);
            self.pending_empty_lines = 0;
            self.line_has_content = true;
            self.body_non_empty = true;
        }

        if self.pending_space {
            sink(b" ");
            self.pending_space = false;
        }
        sink(byte);
    }

    /// A line end seen byte by byte.
    fn end_line(&mut self, sink: &mut impl FnMut(&[u8])) {
        if self.line_has_content {
            sink(b"\r\n");
        } else {
            self.pending_empty_lines += 1;
        }

        self.line_has_content = false;
        self.pending_space = false;
        self.at_line_start = true;
    }
}

/// The bytes of the input that pass unchanged and are not yet written:
/// `start..end`, plus, when `contiguous`, the held-back empty lines right
/// after `end`, which are plain CRLFs.
struct Run {
    start: usize,
    end: usize,
    contiguous: bool,
}

impl Run {
    /// An empty run at the start of the lines.
    const fn new(contiguous: bool) -> Self {
        Self {
            start: 0,
            end: 0,
            contiguous,
        }
    }

    /// A non-empty line whose content ends at `content_end`: extends the run
    /// when the line passes unchanged, else writes the run through the
    /// content and a CRLF.
    fn line(
        &mut self,
        lines: &[u8],
        content_end: usize,
        newline: usize,
        unchanged: bool,
        sink: &mut impl FnMut(&[u8]),
    ) {
        if unchanged {
            self.end = newline + 1;
            return;
        }

        sink(&lines[self.start..content_end]);
        sink(b"\r\n");
        self.restart(newline + 1);
    }

    /// Writes the run, which must end at `at`, and restarts it there.
    fn flush(&mut self, lines: &[u8], at: usize, sink: &mut impl FnMut(&[u8])) {
        sink(&lines[self.start..self.end]);
        self.restart(at);
    }

    /// Starts an empty run at `at`.
    fn restart(&mut self, at: usize) {
        self.start = at;
        self.end = at;
    }
}

/// Where the next tab and the next pair of spaces lie, found with SIMD
/// searches that each scan any stretch of the input at most once.
struct Anomalies<'a> {
    lines: &'a [u8],
    finder: memchr::memmem::Finder<'static>,
    next_tab: Option<usize>,
    next_double_space: Option<usize>,
}

impl<'a> Anomalies<'a> {
    /// Searches over `lines`, nothing found yet.
    fn new(lines: &'a [u8]) -> Self {
        Self {
            lines,
            finder: memchr::memmem::Finder::new(b"  "),
            next_tab: None,
            next_double_space: None,
        }
    }

    /// Whether `start..end` holds a tab or two spaces in a row.
    fn within(&mut self, start: usize, end: usize) -> bool {
        if self.next_tab.is_none_or(|tab| tab < start) {
            let found = memchr::memchr(b'\t', &self.lines[start..]);
            self.next_tab = Some(found.map_or(usize::MAX, |offset| start + offset));
        }

        if self.next_double_space.is_none_or(|pair| pair < start) {
            let found = self.finder.find(&self.lines[start..]);
            self.next_double_space = Some(found.map_or(usize::MAX, |offset| start + offset));
        }

        let first = self
            .next_tab
            .min(self.next_double_space)
            .unwrap_or(usize::MAX);
        first < end
    }
}

/// Writes a line's content with each run of white space made one space; the
/// content has no white space at its end (§3.4.4).
fn compress_white_space(content: &[u8], sink: &mut impl FnMut(&[u8])) {
    let mut segment_start = 0;
    let mut index = 0;

    while index < content.len() {
        if !matches!(content[index], b' ' | b'\t') {
            index += 1;
            continue;
        }

        let run_end = content[index..]
            .iter()
            .position(|&byte| !matches!(byte, b' ' | b'\t'))
            .map_or(content.len(), |length| index + length);
        if run_end - index > 1 || content[index] == b'\t' {
            sink(&content[segment_start..index]);
            sink(b" ");
            segment_start = run_end;
        }
        index = run_end;
    }

    sink(&content[segment_start..]);
}

/// End of `start..end` once spaces and tabs at its end are removed.
fn trim_white_space(lines: &[u8], start: usize, end: usize) -> usize {
    lines[start..end]
        .iter()
        .rposition(|&byte| !matches!(byte, b' ' | b'\t'))
        .map_or(start, |position| start + position + 1)
}

/// Writes `count` CRLFs, in slices of a constant.
fn write_line_ends(count: u64, sink: &mut impl FnMut(&[u8])) {
    let mut left = count;

    while left > 0 {
        let now = left.min(64);
        sink(&LINE_ENDS[..2 * now as usize]);
        left -= now;
    }
}

/// Sixty-four CRLFs.
const LINE_ENDS: [u8; 128] = line_ends();

/// Builds [`LINE_ENDS`].
const fn line_ends() -> [u8; 128] {
    let mut output = [b'\n'; 128];
    let mut index = 0;
    while index < 128 {
        output[index] = b'\r';
        index += 2;
    }
    output
}

/// Canonicalizes a body and hashes it with SHA-256, honouring `l=`.
///
/// ```
/// use mailtrail_dkim::{BodyHasher, Canonicalization};
///
/// let mut hasher = BodyHasher::new(Canonicalization::Relaxed, Some(5));
/// hasher.update(b"Hello  world\r\n\r\n");
/// let hash = hasher.finish();
///
/// assert_eq!(hash.canonical_length, 13);
/// assert_eq!(hash.hashed_length, 5);
/// let expected = ring::digest::digest(&ring::digest::SHA256, b"Hello");
/// assert_eq!(hash.digest, expected.as_ref());
/// ```
#[derive(Clone)]
pub struct BodyHasher {
    canonicalizer: BodyCanonicalizer,
    sink: HashSink,
}

impl BodyHasher {
    /// A hasher for `canonicalization` that hashes at most `body_length`
    /// canonical octets (the `l=` tag), or all of them.
    pub fn new(canonicalization: Canonicalization, body_length: Option<u64>) -> Self {
        Self {
            canonicalizer: BodyCanonicalizer::new(canonicalization),
            sink: HashSink {
                context: digest::Context::new(&digest::SHA256),
                limit: body_length.unwrap_or(u64::MAX),
                length: 0,
                buffer: Vec::new(),
            },
        }
    }

    /// The hash of a whole body held in memory: what [`update`](Self::update)
    /// with the whole body then [`finish`](Self::finish) give, found with a
    /// few vector scans instead of a walk over every line when the body is
    /// relaxed, has CRLF line ends and no tab.
    ///
    /// ```
    /// use mailtrail_dkim::{BodyHasher, Canonicalization};
    ///
    /// let body = b"Hello  world \r\n\r\n";
    /// let whole = BodyHasher::hash_whole(Canonicalization::Relaxed, None, body);
    ///
    /// let mut hasher = BodyHasher::new(Canonicalization::Relaxed, None);
    /// hasher.update(body);
    /// assert_eq!(whole, hasher.finish());
    /// assert_eq!(whole.canonical_length, 13);
    /// ```
    pub fn hash_whole(
        canonicalization: Canonicalization,
        body_length: Option<u64>,
        body: &[u8],
    ) -> BodyHash {
        let mut hasher = Self::new(canonicalization, body_length);
        let sink = &mut hasher.sink;
        let done = canonicalization == Canonicalization::Relaxed
            && crate::whole_body::relaxed(body, &mut |bytes| sink.write(bytes));

        if !done {
            hasher.update(body);
        }
        hasher.finish()
    }

    /// Hashes the next chunk of the body.
    pub fn update(&mut self, chunk: &[u8]) {
        let sink = &mut self.sink;

        self.canonicalizer
            .feed(chunk, &mut |bytes| sink.write(bytes));
    }

    /// Ends the body and returns its hash.
    pub fn finish(mut self) -> BodyHash {
        let sink = &mut self.sink;
        self.canonicalizer.finish(&mut |bytes| sink.write(bytes));
        self.sink.flush();

        let mut digest = [0; 32];
        digest.copy_from_slice(self.sink.context.finish().as_ref());
        BodyHash {
            digest,
            canonical_length: self.sink.length,
            hashed_length: self.sink.length.min(self.sink.limit),
        }
    }
}

impl std::fmt::Debug for BodyHasher {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("BodyHasher")
            .field("canonicalizer", &self.canonicalizer)
            .field("length", &self.sink.length)
            .field("limit", &self.sink.limit)
            .finish()
    }
}

/// The hash of a canonicalized body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BodyHash {
    /// SHA-256 of the first `hashed_length` canonical octets.
    pub digest: [u8; 32],
    /// Octets in the whole canonical body.
    pub canonical_length: u64,
    /// Octets hashed: the whole body, or `l=` if that is less.
    pub hashed_length: u64,
}

/// Canonical bytes smaller than this are gathered before hashing.
const BUFFER_SIZE: usize = 1024;

/// Counts canonical octets and hashes those within the limit, gathering
/// small writes so the hash sees large blocks.
#[derive(Clone)]
struct HashSink {
    context: digest::Context,
    limit: u64,
    length: u64,
    buffer: Vec<u8>,
}

impl HashSink {
    /// Takes canonical bytes.
    fn write(&mut self, bytes: &[u8]) {
        let start = self.length;
        self.length += bytes.len() as u64;
        if start >= self.limit {
            return;
        }

        let take = (self.limit - start).min(bytes.len() as u64) as usize;
        let bytes = &bytes[..take];

        if bytes.len() >= BUFFER_SIZE / 2 {
            self.flush();
            self.context.update(bytes);
        } else {
            if self.buffer.len() + bytes.len() > BUFFER_SIZE {
                self.flush();
            }
            if self.buffer.capacity() == 0 {
                self.buffer.reserve_exact(BUFFER_SIZE);
            }
            self.buffer.extend_from_slice(bytes);
        }
    }

    /// Hashes what is gathered.
    fn flush(&mut self) {
        if !self.buffer.is_empty() {
            self.context.update(&self.buffer);
            self.buffer.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(canonicalization: Canonicalization, chunks: &[&[u8]]) -> Vec<u8> {
        let mut output = Vec::new();
        let mut sink = |bytes: &[u8]| output.extend_from_slice(bytes);
        let mut canonicalizer = BodyCanonicalizer::new(canonicalization);

        for chunk in chunks {
            canonicalizer.feed(chunk, &mut sink);
        }
        canonicalizer.finish(&mut sink);
        output
    }

    #[test]
    fn simple_drops_trailing_empty_lines_and_completes_the_last_line() {
        let simple = |body: &[u8]| canonical(Canonicalization::Simple, &[body]);

        assert_eq!(simple(b""), b"\r\n");
        assert_eq!(simple(b"\r\n\r\n"), b"\r\n");
        assert_eq!(simple(b"a\r\n\r\nb\r\n\r\n"), b"a\r\n\r\nb\r\n");
        assert_eq!(simple(b"a  \t \r\nb"), b"a  \t \r\nb\r\n");
        assert_eq!(simple(b"a\n\nb\n\n"), b"a\r\n\r\nb\r\n");
    }

    #[test]
    fn relaxed_compresses_and_trims_white_space() {
        let relaxed = |body: &[u8]| canonical(Canonicalization::Relaxed, &[body]);

        assert_eq!(relaxed(b""), b"");
        assert_eq!(relaxed(b" \t\r\n\r\n"), b"");
        assert_eq!(relaxed(b"  a \t b  \r\n\tc\r\n \r\n"), b" a b\r\n c\r\n");
        assert_eq!(relaxed(b"a\r\n  \r\nb"), b"a\r\n\r\nb\r\n");
    }

    #[test]
    fn a_carriage_return_that_ends_no_line_is_content() {
        assert_eq!(
            canonical(Canonicalization::Simple, &[b"\r\n", b"\r"]),
            b"\r\n\r\r\n"
        );
        assert_eq!(
            canonical(Canonicalization::Simple, &[b"a\rb\r\n"]),
            b"a\rb\r\n"
        );
        assert_eq!(
            canonical(Canonicalization::Relaxed, &[b"a \r b\r\n"]),
            b"a \r b\r\n"
        );
    }

    #[test]
    fn every_split_of_a_body_gives_the_same_bytes() {
        let body: &[u8] = b"x \t y\r\n\r\n  \n\tz\r\r\n\r\n \r\nend  \r\n\r\n";

        for canonicalization in [Canonicalization::Simple, Canonicalization::Relaxed] {
            let whole = canonical(canonicalization, &[body]);
            for split in 0..=body.len() {
                let (head, tail) = body.split_at(split);
                assert_eq!(
                    canonical(canonicalization, &[head, tail]),
                    whole,
                    "{canonicalization} split at {split}"
                );
            }
            let bytes: Vec<&[u8]> = body.chunks(1).collect();
            assert_eq!(canonical(canonicalization, &bytes), whole);
        }
    }

    #[test]
    fn body_length_limits_what_is_hashed_but_not_what_is_counted() {
        let mut hasher = BodyHasher::new(Canonicalization::Simple, Some(u64::MAX));
        hasher.update(b"abc\r\n");
        let unlimited = hasher.finish();

        assert_eq!(unlimited.canonical_length, 5);
        assert_eq!(unlimited.hashed_length, 5);

        let mut limited = BodyHasher::new(Canonicalization::Simple, Some(0));
        limited.update(b"abc\r\n");
        let limited = limited.finish();
        let empty = digest::digest(&digest::SHA256, b"");
        assert_eq!(limited.digest, empty.as_ref());
        assert_eq!(limited.canonical_length, 5);
    }

    #[test]
    fn many_empty_lines_are_written_in_slices() {
        let mut body = b"a\r\n".to_vec();
        body.extend(b"\r\n".repeat(1000));
        body.extend(b"b\r\n");

        let relaxed = canonical(Canonicalization::Relaxed, &[&body[..500], &body[500..]]);
        assert_eq!(relaxed, body);
    }
}
