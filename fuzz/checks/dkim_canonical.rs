//! The invariants of the DKIM canonicalizers, checked on any input: the
//! streaming body canonicalizer agrees with a plain line-by-line reference
//! however the body is cut, its output is canonical and idempotent, and the
//! header canonicalizers give one well-formed line per field.
//!
//! Shared by the `dkim_canonical` fuzz target and by the corpus replay test
//! of the dkim crate (`crates/dkim/tests/fuzz_corpus.rs`).

use mailtrail_dkim::{BodyCanonicalizer, BodyHasher, Canonicalization, canonicalize_header};

/// Checks body and header canonicalization of `input`.
pub(crate) fn check_canonicalization(input: &[u8]) {
    let cut = input
        .first()
        .map_or(0, |&first| usize::from(first) % (input.len() + 1));

    for canonicalization in [Canonicalization::Simple, Canonicalization::Relaxed] {
        let whole = canonical(canonicalization, &[input]);
        assert_eq!(
            whole,
            reference(canonicalization, input),
            "streaming agrees with the reference"
        );

        let (head, tail) = input.split_at(cut);
        assert_eq!(
            canonical(canonicalization, &[head, tail]),
            whole,
            "a cut changes nothing"
        );
        if input.len() <= 4096 {
            let bytes: Vec<&[u8]> = input.chunks(1).collect();
            assert_eq!(
                canonical(canonicalization, &bytes),
                whole,
                "byte chunks change nothing"
            );
        }

        check_canonical_form(canonicalization, &whole);
        assert_eq!(
            canonical(canonicalization, &[&whole]),
            whole,
            "canonicalization is idempotent"
        );
        check_hasher(canonicalization, input, cut, whole.len() as u64);
    }

    check_headers(input);
}

/// Canonicalizes a body given in chunks.
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

/// RFC 6376 §3.4.3 and §3.4.4 written the obvious way: split into lines
/// (CRLF or bare LF), rewrite each, drop the empty lines at the end.
fn reference(canonicalization: Canonicalization, input: &[u8]) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut rest = input;

    while let Some(newline) = rest.iter().position(|&byte| byte == b'\n') {
        let line = &rest[..newline];
        lines.push(line.strip_suffix(b"\r").unwrap_or(line).to_vec());
        rest = &rest[newline + 1..];
    }
    if !rest.is_empty() {
        lines.push(rest.to_vec());
    }

    if canonicalization == Canonicalization::Relaxed {
        lines = lines.into_iter().map(|line| relax_line(&line)).collect();
    }
    while lines.last().is_some_and(Vec::is_empty) {
        lines.pop();
    }

    let mut output: Vec<u8> = lines
        .into_iter()
        .flat_map(|line| [line, b"\r\n".to_vec()].concat())
        .collect();
    if canonicalization == Canonicalization::Simple && output.is_empty() {
        output.extend_from_slice(b"\r\n");
    }
    output
}

/// One line relaxed: runs of spaces and tabs made one space, none at the end.
fn relax_line(line: &[u8]) -> Vec<u8> {
    let mut output = Vec::with_capacity(line.len());
    let mut in_space = false;

    for &byte in line {
        if byte == b' ' || byte == b'\t' {
            in_space = true;
            continue;
        }
        if in_space {
            output.push(b' ');
            in_space = false;
        }
        output.push(byte);
    }
    output
}

/// What canonical bodies look like.
fn check_canonical_form(canonicalization: Canonicalization, body: &[u8]) {
    assert!(
        body.is_empty() || body.ends_with(b"\r\n"),
        "a body ends with CRLF"
    );
    assert!(!body.ends_with(b"\r\n\r\n"), "no empty line ends the body");

    let bare_lf = body
        .iter()
        .enumerate()
        .any(|(index, &byte)| byte == b'\n' && (index == 0 || body[index - 1] != b'\r'));
    assert!(!bare_lf, "every LF follows a CR");

    if canonicalization == Canonicalization::Relaxed {
        assert!(!body.contains(&b'\t'), "relaxed bodies have no tab");
        assert!(
            !body.windows(2).any(|pair| pair == b"  "),
            "relaxed bodies have no double space"
        );
        assert!(
            !body.windows(3).any(|triple| triple == b" \r\n"),
            "no space ends a line"
        );
    } else {
        assert!(!body.is_empty(), "a simple body is at least CRLF");
    }
}

/// The hasher counts what the canonicalizer writes and honours `l=`.
fn check_hasher(canonicalization: Canonicalization, input: &[u8], cut: usize, length: u64) {
    let mut whole = BodyHasher::new(canonicalization, None);
    whole.update(input);
    let whole = whole.finish();

    let (head, tail) = input.split_at(cut);
    let mut split = BodyHasher::new(canonicalization, None);
    split.update(head);
    split.update(tail);
    assert_eq!(
        split.finish(),
        whole,
        "the hash does not depend on the chunks"
    );
    assert_eq!(
        whole.canonical_length, length,
        "the hasher counts every canonical octet"
    );

    let mut limited = BodyHasher::new(canonicalization, Some(cut as u64));
    limited.update(input);
    let limited = limited.finish();
    assert_eq!(
        limited.hashed_length,
        length.min(cut as u64),
        "l= bounds what is hashed"
    );
    assert_eq!(limited.canonical_length, length);
}

/// Each field gives one line, relaxed names in lowercase, relaxed values
/// without folding or runs of white space.
fn check_headers(input: &[u8]) {
    let block = mailtrail_message::split(input);

    for field in block.fields() {
        let name_length = field.name_span().len();
        let mut relaxed = Vec::new();
        canonicalize_header(
            Canonicalization::Relaxed,
            field.raw(),
            name_length,
            &mut relaxed,
        );
        let mut simple = Vec::new();
        canonicalize_header(
            Canonicalization::Simple,
            field.raw(),
            name_length,
            &mut simple,
        );

        assert!(
            relaxed.ends_with(b"\r\n") && simple.ends_with(b"\r\n"),
            "fields end with CRLF"
        );
        let content = &relaxed[..relaxed.len() - 2];
        assert!(!content.contains(&b'\n'), "relaxed fields are unfolded");
        assert!(
            !content.windows(2).any(|pair| pair == b"  "),
            "no double space"
        );
        assert!(!content.contains(&b'\t'), "no tab");
        let name = &content[..name_length];
        assert!(
            name.iter().all(|byte| !byte.is_ascii_uppercase()),
            "names are lowercase"
        );
        assert_eq!(
            content.get(name_length),
            Some(&b':'),
            "the colon follows the name"
        );
        assert!(!content.ends_with(b" "), "no space ends the value");
        assert_eq!(
            relaxed,
            reference_relaxed_header(field.raw(), name_length),
            "relaxed agrees with the reference"
        );
    }
}

/// RFC 6376 §3.4.2 written the obvious way, on a field's raw bytes.
fn reference_relaxed_header(raw: &[u8], name_length: usize) -> Vec<u8> {
    let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    let rest = &raw[name_length..];
    let colon = rest
        .iter()
        .position(|&byte| byte == b':')
        .map_or(0, |position| position + 1);

    let mut unfolded = Vec::new();
    let value = &rest[colon..];
    for (index, &byte) in value.iter().enumerate() {
        let line_break = byte == b'\n' || byte == b'\r' && value.get(index + 1) == Some(&b'\n');
        if !line_break {
            unfolded.push(byte);
        }
    }

    let mut output: Vec<u8> = raw[..name_length].to_ascii_lowercase();
    output.push(b':');
    let relaxed = relax_line(&unfolded);
    output.extend_from_slice(relaxed.strip_prefix(b" ").unwrap_or(&relaxed));
    output.extend_from_slice(b"\r\n");
    output
}
