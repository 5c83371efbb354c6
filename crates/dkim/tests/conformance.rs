//! Conformance over every corpus in `../shared/corpora/dkim`: the RFC 8463
//! example, mail-auth's real messages, go-msgauth's verification, signing
//! and canonicalization vectors, and dkimpy's pre-signed messages, keys and
//! key records.
//!
//! Each check becomes one line `case <TAB> outcome <TAB> cause <TAB> verdict`,
//! and the lines must equal `tests/expectations/corpora.txt` exactly, so the
//! file is the record of what mailtrail gives on each corpus and fails when
//! stale (`MAILTRAIL_BLESS=1` rewrites it). The verdict is `match` when the
//! outcome agrees with the upstream expectation, or `policy: <reason>` where
//! the upstream expectation is one implementation's local policy rather
//! than an RFC rule; policy lines are not counted as matches. No line may
//! read `differs`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use mailtrail_dkim::{
    BodyCanonicalizer, Canonicalization, DkimVerification, KeyError, SignError, Signer, SigningKey,
    TagOrder, VerifyOptions, canonicalize_header, verify,
};
use mailtrail_dns::{RecordData, Txt, ZoneResolver};
use serde_json::Value;

/// The expectations file, relative to the crate.
const EXPECTATIONS: &str = "tests/expectations/corpora.txt";

#[test]
fn every_dkim_corpus_gives_the_recorded_outcomes() {
    let Some(root) = mailtrail_testkit::corpus_path("dkim") else {
        return;
    };
    let mut report = Report::default();

    rfc8463(&root, &mut report);
    mail_auth(&root, &mut report);
    go_msgauth_verify(&root, &mut report);
    go_msgauth_canonicalization(&root, &mut report);
    go_msgauth_signing(&root, &mut report);
    dkimpy_presigned(&root, &mut report);
    dkimpy_keys(&root, &mut report);

    report.print_counts();
    report.compare_with_expectations();
}

/// The RFC 8463 Appendix A message with both of its key records.
fn rfc8463(root: &Path, report: &mut Report) {
    let zone = zone_from_lines(&read_text(&root.join("rfc8463/dns-records.txt")));
    let message = read(&root.join("rfc8463/signed-message.eml"));
    let verification = run_verify(&zone, &message, VerifyOptions::new(1_528_637_909 + 60));

    report.verification(
        "rfc8463/signed-message.eml",
        &verification,
        &[Upstream::Pass; 2],
    );
}

/// mail-auth's six real messages: key record lines, a blank line, then the
/// message with LF line ends.
fn mail_auth(root: &Path, report: &mut Report) {
    for number in 1..=6 {
        let name = format!("mail-auth/{number:03}.txt");
        let text = read(&root.join(&name));
        let split = text
            .windows(2)
            .position(|pair| pair == b"\n\n")
            .expect("key records, then a blank line");
        let zone = zone_from_lines(std::str::from_utf8(&text[..split]).expect("key lines"));
        let message = crlf(&text[split + 2..]);

        // 005.txt has x= in November 2022; the corpus README gives its clock.
        // 004.txt is dated after that, so the others verify at a later time.
        let now = if number == 5 {
            1_667_843_700
        } else {
            1_700_000_000
        };
        let options = VerifyOptions::new(now);
        let verification = run_verify(&zone, &message, options);
        let expected = vec![Upstream::Pass; verification.outcomes.len().max(1)];
        report.verification(&name, &verification, &expected);
    }
}

/// go-msgauth's messages to verify, with its DNS map.
fn go_msgauth_verify(root: &Path, report: &mut Report) {
    let manifest = json(&root.join("go-msgauth/manifest.json"));
    let mut zone = ZoneResolver::new();
    for (name, record) in manifest["dns_txt"].as_object().expect("a DNS map") {
        insert_txt(&mut zone, name, record.as_str().expect("TXT text"));
    }
    let options = || VerifyOptions::new(1_700_000_000);

    for vector in manifest["verify_vectors"].as_array().expect("vectors") {
        let file = vector["file"].as_str().expect("a file name");
        let message = read(&root.join("go-msgauth").join(file));
        let case = format!("go-msgauth/{file}");

        match &vector["expect"] {
            Value::Array(expected) => {
                let expected: Vec<Upstream> = expected.iter().map(go_expectation).collect();
                let verification = run_verify(&zone, &message, options());
                report.verification(&case, &verification, &expected);
            }
            Value::String(_) => {
                let verification = run_verify(&zone, &message, options().max_signatures(2));
                let policy = Upstream::Policy(
                    "go-msgauth stops the whole message with an error after 2 \
                     verifications; mailtrail reports the 3rd as policy (not_evaluated)",
                );
                let expected = [Upstream::Pass, Upstream::Pass, policy];
                report.verification(&format!("{case} cap=2"), &verification, &expected);
            }
            other => panic!("unexpected expectation {other}"),
        }
    }

    // The manifest's note: with the RFC 8463 RSA record in place of
    // go-msgauth's, both signatures pass.
    let zone = zone_from_lines(&read_text(&root.join("rfc8463/dns-records.txt")));
    let file = "verify-rfc8463-ed25519-and-rsa.eml";
    let message = read(&root.join("go-msgauth").join(file));
    let verification = run_verify(&zone, &message, options());
    let case = format!("go-msgauth/{file} with-rfc8463-rsa-record");
    report.verification(&case, &verification, &[Upstream::Pass; 2]);
}

/// One entry of go-msgauth's `expect` lists.
fn go_expectation(entry: &Value) -> Upstream {
    match entry["result"].as_str() {
        Some("pass") => Upstream::Pass,
        Some(_) => Upstream::NotPass,
        // The second RFC 8463 signature under go-msgauth's own map, whose
        // test._domainkey record holds another key: it cannot verify.
        None => Upstream::NotPass,
    }
}

/// go-msgauth's 24 canonicalization vectors, compared byte for byte.
fn go_msgauth_canonicalization(root: &Path, report: &mut Report) {
    let manifest = json(&root.join("go-msgauth/manifest.json"));
    let vectors = &manifest["canonicalization"];
    let groups = [
        ("simpleCanonicalizerBodyTests", Canonicalization::Simple),
        ("relaxedCanonicalizerBodyTests", Canonicalization::Relaxed),
    ];

    for (group, canonicalization) in groups {
        for (index, vector) in vectors[group]
            .as_array()
            .expect("vectors")
            .iter()
            .enumerate()
        {
            let chunks: Vec<String> = match vector.get("input_chunks") {
                Some(chunks) => chunks
                    .as_array()
                    .expect("chunks")
                    .iter()
                    .map(text)
                    .collect(),
                None => vec![text(&vector["input"])],
            };
            let output = canonical_body(canonicalization, &chunks);
            let case = format!("go-msgauth/canonicalization/{group}#{index}");
            report.equality(&case, output == text(&vector["canonical"]).as_bytes());
        }
    }

    let group = "relaxedCanonicalizerHeaderTests";
    for (index, vector) in vectors[group]
        .as_array()
        .expect("vectors")
        .iter()
        .enumerate()
    {
        let input = text(&vector["input"]);
        let block = mailtrail_message::split(input.as_bytes());
        let field = block.field(0).expect("one field");
        let mut output = Vec::new();
        let name_length = field.name_span().len();
        canonicalize_header(
            Canonicalization::Relaxed,
            field.raw(),
            name_length,
            &mut output,
        );

        let case = format!("go-msgauth/canonicalization/{group}#{index}");
        report.equality(&case, output == text(&vector["canonical"]).as_bytes());
    }
}

/// go-msgauth's signing vectors, reproduced byte for byte: simple/simple,
/// its header list, alphabetical tags.
fn go_msgauth_signing(root: &Path, report: &mut Report) {
    let manifest = json(&root.join("go-msgauth/manifest.json"));
    let folder = root.join("go-msgauth");

    for vector in manifest["sign_vectors"].as_array().expect("vectors") {
        let key = match vector.get("key") {
            Some(file) => read(&folder.join(file.as_str().expect("a key file"))),
            None => vector["ed25519_seed_b64"]
                .as_str()
                .expect("a seed")
                .as_bytes()
                .to_vec(),
        };
        let case = format!("go-msgauth/{}", str_of(&vector["expected"]));
        let key = match SigningKey::from_bytes(&key) {
            Ok(key) => key,
            Err(error @ KeyError::UnsupportedSize { .. }) => {
                let reason = format!(
                    "policy: mailtrail signs with RSA keys of 2048 bits or more only ({error})"
                );
                report.line(&case, "refused", "key_too_short_to_sign", reason);
                continue;
            }
            Err(error) => panic!("the vector's key does not read: {error}"),
        };
        let input = read(&folder.join(vector["input"].as_str().expect("an input")));
        let expected = read(&folder.join(vector["expected"].as_str().expect("an output")));

        let signer = Signer::new(&key, str_of(&vector["d"]), str_of(&vector["s"]))
            .expect("valid names")
            .canonicalization(Canonicalization::Simple, Canonicalization::Simple)
            .headers(["From", "To", "Subject", "Date", "Message-ID"])
            .tag_order(TagOrder::Alphabetical);
        let field = signer
            .sign(&input, vector["t"].as_u64().expect("a time"))
            .expect("the vector signs");

        let signed = [field.as_bytes(), &input].concat();
        report.equality(&case, signed == expected);
    }
}

/// dkimpy's pre-signed messages, with its DNS map.
fn dkimpy_presigned(root: &Path, report: &mut Report) {
    let folder = root.join("dkimpy");
    let manifest = json(&folder.join("manifest.json"));
    let records = dkimpy_records(&folder, &manifest);

    for vector in manifest["presigned_vectors"].as_array().expect("vectors") {
        let file = str_of(&vector["message"]);
        let mut records = records.clone();
        if let Some(overrides) = vector.get("dns_override").and_then(Value::as_object) {
            for (name, record) in overrides {
                records.insert(name.clone(), str_of(record).to_owned());
            }
        }

        let zone = zone_from_map(&records);
        let message = crlf(&read(&folder.join(file)));
        let verification = run_verify(&zone, &message, VerifyOptions::new(1_700_000_000));

        // dkimpy verifies the first signature only; the others are checked
        // against the same expectation.
        let upstream = match str_of(&vector["expect"]) {
            "pass" => Upstream::Pass,
            _ => Upstream::NotPass,
        };
        let expected = vec![upstream; verification.outcomes.len()];
        report.verification(&format!("dkimpy/{file}"), &verification, &expected);
    }
}

/// dkimpy's keys and key records: messages signed here with its private
/// keys verify with its public records, the broken records fail, and a
/// message without From cannot be signed.
fn dkimpy_keys(root: &Path, report: &mut Report) {
    let folder = root.join("dkimpy");
    let record = |file: &str| read_text(&folder.join(file)).trim().to_owned();
    let key = |file: &str| SigningKey::from_bytes(&read(&folder.join(file)));

    let pairs = [
        ("test.private", "test.txt"),
        ("test.private", "test2.txt"),
        ("1024_testkey.key", "1024_testkey_wo_markers.pub.txt"),
        ("1024_testkey.key", "1024_testkey_wo_markers.pub.rsa.txt"),
        ("2048_testkey.key", "2048_testkey_wo_markers.pub.txt"),
        ("2048_testkey.key", "2048_testkey_wo_markers.pub.rsa.txt"),
        ("2048_testkey_PKCS8.key", "2048_testkey_PKCS8.key.pub.txt"),
        ("ed25519test.key", "ed25519test.dns"),
        ("rfc8032_7_1.key", "eximtest.dns"),
    ];
    let messages = [
        "test.message",
        "rfc6376.msg",
        "rfc6376.w1258.msg",
        "ed25519test.msg",
        "message.mbox",
        "test_extra.message",
    ];

    for (private, public) in pairs {
        let signing_key = match key(private) {
            Ok(signing_key) => signing_key,
            Err(error @ KeyError::UnsupportedSize { .. }) => {
                let reason = format!(
                    "policy: mailtrail signs with RSA keys of 2048 bits or more only ({error})"
                );
                report.line(
                    &format!("dkimpy/{private}+{public} sign"),
                    "refused",
                    "key_too_short_to_sign",
                    reason,
                );
                continue;
            }
            Err(error) => panic!("dkimpy key {private} does not read: {error}"),
        };
        // eximtest.dns is another key: a signature by rfc8032_7_1.key must fail.
        let upstream = if public == "eximtest.dns" {
            Upstream::NotPass
        } else {
            Upstream::Pass
        };
        for file in messages {
            let message = crlf(&read(&folder.join(file)));
            let outcome = sign_and_verify(&signing_key, &message, &record(public));
            // message.mbox keeps its original kitterman.com signature below
            // ours; the corpus has no key for it, so it cannot pass.
            let expected = [upstream, Upstream::NotPass];
            let count = outcome.outcomes.len().clamp(1, 2);
            let case = format!("dkimpy/{private}+{public}/{file}");
            report.verification(&case, &outcome, &expected[..count]);
        }
    }

    // The broken records are tried with a key mailtrail signs with; dkimpy's
    // test.private has 1024 bits.
    let signing_key = key("2048_testkey.key").expect("dkimpy's 2048-bit key reads");
    let message = crlf(&read(&folder.join("test.message")));
    for broken in [
        "badk.txt",
        "badversion.txt",
        "test_bad.txt",
        "test_tlsrpt.txt",
    ] {
        let outcome = sign_and_verify(&signing_key, &message, &record(broken));
        let case = format!("dkimpy/2048_testkey.key+{broken}/test.message");
        report.verification(&case, &outcome, &[Upstream::NotPass]);
    }

    let no_from = crlf(&read(&folder.join("test_nofrom.message")));
    let refused = Signer::new(&signing_key, "example.com", "test")
        .expect("valid names")
        .sign(&no_from, 1_700_000_000);
    report.equality(
        "dkimpy/test_nofrom.message sign",
        refused == Err(SignError::NoFromField),
    );
}

/// Signs `message` for test._domainkey.example.com and verifies it with
/// `record` published there.
fn sign_and_verify(key: &SigningKey, message: &[u8], record: &str) -> DkimVerification<'static> {
    let field = Signer::new(key, "example.com", "test")
        .expect("valid names")
        .sign(message, 1_700_000_000)
        .expect("the message signs");
    let signed: &'static [u8] = Box::leak([field.as_bytes(), message].concat().into_boxed_slice());

    let mut zone = ZoneResolver::new();
    insert_txt(&mut zone, "test._domainkey.example.com", record);
    run_verify(&zone, signed, VerifyOptions::new(1_700_000_000))
}

/// The DNS map of dkimpy's manifest, `@file` values read from the folder.
fn dkimpy_records(folder: &Path, manifest: &Value) -> BTreeMap<String, String> {
    let map = manifest["dns_txt"].as_object().expect("a DNS map");

    map.iter()
        .map(|(name, value)| {
            let value = str_of(value);
            let record = match value.strip_prefix('@') {
                Some(file) => read_text(&folder.join(file)).trim().to_owned(),
                None => value.to_owned(),
            };
            (name.clone(), record)
        })
        .collect()
}

/// What an upstream test expects of one signature.
#[derive(Clone, Copy, Debug)]
enum Upstream {
    /// The signature verifies.
    Pass,
    /// The signature does not verify (any result but pass).
    NotPass,
    /// A local policy of the upstream implementation, recorded with why.
    Policy(&'static str),
}

/// The lines computed so far and the counts per corpus.
#[derive(Default)]
struct Report {
    lines: Vec<String>,
    counts: BTreeMap<String, (usize, usize, usize)>,
}

impl Report {
    /// One line per outcome; a missing outcome is a line of its own.
    fn verification(
        &mut self,
        case: &str,
        verification: &DkimVerification<'_>,
        expected: &[Upstream],
    ) {
        let outcomes = &verification.outcomes;
        if outcomes.is_empty() && expected.is_empty() {
            self.line(case, "no-signature", "-", "match".into());
            return;
        }

        for index in 0..outcomes.len().max(expected.len()) {
            let outcome = outcomes.get(index);
            let result = outcome.map_or_else(
                || "missing".to_owned(),
                |outcome| outcome.result.to_string(),
            );
            let cause = outcome
                .and_then(|outcome| outcome.cause.as_ref())
                .map_or("-", |cause| cause.code());
            let passed = outcome.is_some_and(|outcome| outcome.is_pass());

            let verdict = match expected.get(index) {
                Some(Upstream::Pass) if passed => "match".to_owned(),
                Some(Upstream::NotPass) if outcome.is_some() && !passed => "match".to_owned(),
                Some(Upstream::Policy(reason)) => format!("policy: {reason}"),
                _ => "differs".to_owned(),
            };
            self.line(&format!("{case}#{index}"), &result, cause, verdict);
        }
    }

    /// One line for a byte-for-byte comparison.
    fn equality(&mut self, case: &str, equal: bool) {
        let verdict = if equal { "match" } else { "differs" };
        self.line(
            case,
            if equal { "equal" } else { "unequal" },
            "-",
            verdict.into(),
        );
    }

    /// Records a line and counts it for its corpus.
    fn line(&mut self, case: &str, outcome: &str, cause: &str, verdict: String) {
        let corpus = case.split('/').next().unwrap_or(case).to_owned();
        let counts = self.counts.entry(corpus).or_default();
        counts.0 += 1;
        if verdict == "match" {
            counts.1 += 1;
        } else if verdict.starts_with("policy") {
            counts.2 += 1;
        }

        self.lines
            .push(format!("{case}\t{outcome}\t{cause}\t{verdict}"));
    }

    /// Prints the counts per corpus (shown with `--nocapture`).
    fn print_counts(&self) {
        for (corpus, (total, matched, policy)) in &self.counts {
            println!("dkim/{corpus}: {matched}/{total} match upstream, {policy} local policy");
        }
    }

    /// Fails on any difference with the expectations file, and on any
    /// check that differs from upstream.
    fn compare_with_expectations(&self) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(EXPECTATIONS);
        let computed = self.lines.join("\n") + "\n";

        if std::env::var_os("MAILTRAIL_BLESS").is_some() {
            let header = read_text(&path)
                .lines()
                .take_while(|line| line.starts_with('#'))
                .fold(String::new(), |mut header, line| {
                    let _ = writeln!(header, "{line}");
                    header
                });
            fs::write(&path, header + &computed).expect("the expectations file is writable");
        }

        let recorded: Vec<&str> = fs::read_to_string(&path)
            .map(|text| Box::leak(text.into_boxed_str()) as &str)
            .unwrap_or_default()
            .lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .collect();
        let stale: Vec<String> = diff(&recorded, &self.lines);
        assert!(
            stale.is_empty(),
            "{EXPECTATIONS} is stale:\n{}",
            stale.join("\n")
        );

        let differing: Vec<&String> = self
            .lines
            .iter()
            .filter(|line| line.ends_with("differs"))
            .collect();
        assert!(
            differing.is_empty(),
            "checks that differ from upstream: {differing:#?}"
        );
    }
}

/// The lines only in one of the two lists, marked `-` (recorded) and `+`
/// (computed).
fn diff(recorded: &[&str], computed: &[String]) -> Vec<String> {
    let mut lines: Vec<String> = recorded
        .iter()
        .filter(|line| !computed.iter().any(|other| other == *line))
        .map(|line| format!("- {line}"))
        .collect();

    lines.extend(
        computed
            .iter()
            .filter(|line| !recorded.contains(&line.as_str()))
            .map(|line| format!("+ {line}")),
    );
    if lines.is_empty() && recorded.len() != computed.len() {
        lines.push(format!(
            "- {} lines recorded, + {} computed",
            recorded.len(),
            computed.len()
        ));
    }
    lines
}

/// Verifies on a current-thread runtime.
fn run_verify<'m>(
    zone: &ZoneResolver,
    message: &'m [u8],
    options: VerifyOptions,
) -> DkimVerification<'m> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    runtime.block_on(verify(zone, message, &options))
}

/// Canonicalizes a body given in chunks.
fn canonical_body(canonicalization: Canonicalization, chunks: &[String]) -> Vec<u8> {
    let mut output = Vec::new();
    let mut sink = |bytes: &[u8]| output.extend_from_slice(bytes);
    let mut canonicalizer = BodyCanonicalizer::new(canonicalization);

    for chunk in chunks {
        canonicalizer.feed(chunk.as_bytes(), &mut sink);
    }
    canonicalizer.finish(&mut sink);
    output
}

/// A zone from `<name> <TXT text>` lines.
fn zone_from_lines(lines: &str) -> ZoneResolver {
    let mut zone = ZoneResolver::new();
    for (name, record) in lines.lines().filter_map(|line| line.split_once(' ')) {
        insert_txt(&mut zone, name, record.trim());
    }
    zone
}

/// A zone from a map of names to TXT text.
fn zone_from_map(records: &BTreeMap<String, String>) -> ZoneResolver {
    let mut zone = ZoneResolver::new();
    for (name, record) in records {
        insert_txt(&mut zone, name, record);
    }
    zone
}

/// Adds a TXT record, split into strings of at most 255 octets as DNS
/// would serve it; names the zone cannot hold are left out (as DNS would
/// answer nothing for them).
fn insert_txt(zone: &mut ZoneResolver, name: &str, record: &str) {
    let strings: Vec<Vec<u8>> = record.as_bytes().chunks(255).map(<[u8]>::to_vec).collect();
    let _ = zone.insert(name, 300, RecordData::Txt(Txt::new(strings)));
}

/// LF line ends as CRLF (the corpus README asks for it).
fn crlf(bytes: &[u8]) -> Vec<u8> {
    let mut output = Vec::with_capacity(bytes.len() + bytes.len() / 32);
    for (index, &byte) in bytes.iter().enumerate() {
        if byte == b'\n' && (index == 0 || bytes[index - 1] != b'\r') {
            output.push(b'\r');
        }
        output.push(byte);
    }
    output
}

/// A JSON string value, owned.
fn text(value: &Value) -> String {
    str_of(value).to_owned()
}

/// A JSON string value.
fn str_of(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{value} is not a string"))
}

/// Reads and parses a JSON file.
fn json(path: &Path) -> Value {
    serde_json::from_slice(&read(path))
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Reads a corpus file.
fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Reads a corpus text file.
fn read_text(path: &Path) -> String {
    String::from_utf8(read(path)).unwrap_or_else(|_| panic!("{} is not UTF-8", path.display()))
}
