//! Interoperability with dkimpy (the Python DKIM implementation): messages
//! signed here verify with dkimpy, and messages signed by dkimpy verify
//! here, for RSA-2048 and Ed25519 with relaxed and simple canonicalization.
//!
//! dkimpy runs through `tests/dkimpy_interop.py`, given key records directly
//! (no DNS, no network). `.ci/run` installs it; elsewhere, without dkimpy
//! and PyNaCl, the test says it skipped. Under CI (`CI=true`) a missing
//! dkimpy fails the test.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use mailtrail_dkim::{Canonicalization, DkimResult, Signer, SigningKey, VerifyOptions, verify};
use mailtrail_dns::{RecordData, Txt, ZoneResolver};
use serde_json::{Value, json};

/// The committed test-only keys.
const RSA_KEY: &str = include_str!("data/test-only-rsa2048.pem");
const ED25519_KEY: &str = include_str!("data/test-only-ed25519.pem");

/// The messages both sides sign: a short one, and the realistic bench
/// message (folded fields, eight Received fields, multipart body, and a
/// signature of its own that neither side has a key for).
const SHORT_MESSAGE: &[u8] = b"From: Joe SixPack <joe@football.example.com>\r\n\
    To: Suzie Q <suzie@shopping.example.net>\r\n\
    Subject: Is dinner ready?\r\n\
    Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n\
    Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n\
    \r\n\
    Hi.\r\n\
    \r\n\
    We lost the game.  Are you hungry yet?\r\n\
    \r\n\
    Joe.\r\n\r\n";
const REALISTIC_MESSAGE: &[u8] = include_bytes!("../../../benches/data/realistic.eml");

/// The signed header fields, for both sides.
const HEADERS: [&str; 5] = ["From", "To", "Subject", "Date", "Message-ID"];

#[test]
fn mailtrail_signatures_verify_with_dkimpy_and_dkimpy_signatures_verify_here() {
    if !dkimpy_available() {
        return;
    }

    let cases = cases();
    let mailtrail_signed: Vec<Vec<u8>> = cases.iter().map(Case::sign_with_mailtrail).collect();
    let mut jobs: Vec<Value> = cases
        .iter()
        .zip(&mailtrail_signed)
        .map(|(case, signed)| case.verify_job(signed))
        .collect();
    // A control: the same signature over a changed body must not verify.
    let mut tampered = mailtrail_signed[0].clone();
    tampered.extend_from_slice(b"P.S. changed in transit\r\n");
    jobs.push(cases[0].verify_job(&tampered));

    let mut dkimpy_results = run_dkimpy("verify", jobs);
    assert_eq!(
        dkimpy_results.pop(),
        Some(Value::Bool(false)),
        "dkimpy refuses a changed body"
    );
    let dkimpy_fields = run_dkimpy("sign", cases.iter().map(Case::sign_job).collect());

    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let mut failures = Vec::new();
    for ((case, verified), field) in cases.iter().zip(&dkimpy_results).zip(&dkimpy_fields) {
        if verified != &Value::Bool(true) {
            failures.push(format!("dkimpy did not verify mailtrail's {}", case.name));
        }

        let field = STANDARD
            .decode(field.as_str().expect("a field"))
            .expect("base64");
        let signed = [field.as_slice(), case.message].concat();
        let result = case.verify_with_mailtrail(&signed, now);
        if result != DkimResult::Pass {
            failures.push(format!(
                "mailtrail gave {result} for dkimpy's {}",
                case.name
            ));
        }
    }

    println!(
        "interop: {} cases each way, {} failures",
        cases.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

/// One key, canonicalization and message.
struct Case {
    name: String,
    key: SigningKey,
    dkimpy_key: String,
    algorithm: &'static str,
    canonicalization: Canonicalization,
    message: &'static [u8],
}

impl Case {
    /// Signs with mailtrail and returns the signed message.
    fn sign_with_mailtrail(&self) -> Vec<u8> {
        let field = Signer::new(&self.key, "example.com", "interop")
            .expect("valid names")
            .canonicalization(self.canonicalization, self.canonicalization)
            .headers(HEADERS)
            .sign(self.message, 1_700_000_000)
            .expect("the message signs");

        [field.as_bytes(), self.message].concat()
    }

    /// A dkimpy verification job for a signed message.
    fn verify_job(&self, signed: &[u8]) -> Value {
        json!({
            "message": STANDARD.encode(signed),
            "name": "interop._domainkey.example.com",
            "record": self.key.public_key_record(),
        })
    }

    /// A dkimpy signing job for the message.
    fn sign_job(&self) -> Value {
        let canonicalization = format!("{0}/{0}", self.canonicalization);
        json!({
            "message": STANDARD.encode(self.message),
            "key": self.dkimpy_key,
            "algorithm": self.algorithm,
            "canonicalization": canonicalization,
            "domain": "example.com",
            "selector": "interop",
            "headers": HEADERS,
        })
    }

    /// Verifies with mailtrail; the first signature is the one just added.
    fn verify_with_mailtrail(&self, signed: &[u8], now: u64) -> DkimResult {
        let mut zone = ZoneResolver::new();
        let record = RecordData::Txt(Txt::new([self.key.public_key_record()]));
        zone.insert("interop._domainkey.example.com", 300, record)
            .expect("a valid name");

        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        let verification = runtime.block_on(verify(&zone, signed, &VerifyOptions::new(now)));
        verification.outcomes[0].result
    }
}

/// Every combination of key, canonicalization and message.
fn cases() -> Vec<Case> {
    let ed25519_seed = ed25519_seed_base64();
    let keys = [
        ("rsa2048", RSA_KEY, RSA_KEY.to_owned(), "rsa-sha256"),
        ("ed25519", ED25519_KEY, ed25519_seed, "ed25519-sha256"),
    ];
    let messages = [("short", SHORT_MESSAGE), ("realistic", REALISTIC_MESSAGE)];
    let mut cases = Vec::new();

    for (key_name, pem, dkimpy_key, algorithm) in keys {
        for canonicalization in [Canonicalization::Relaxed, Canonicalization::Simple] {
            for (message_name, message) in messages {
                cases.push(Case {
                    name: format!("{key_name} {canonicalization} {message_name}"),
                    key: SigningKey::from_pem(pem).expect("the test key reads"),
                    dkimpy_key: dkimpy_key.clone(),
                    algorithm,
                    canonicalization,
                    message,
                });
            }
        }
    }
    cases
}

/// The Ed25519 seed of the test key in base64, as dkimpy takes it: the
/// last 32 octets of the 48-octet PKCS#8 document.
fn ed25519_seed_base64() -> String {
    let body: String = ED25519_KEY
        .lines()
        .skip_while(|line| !line.starts_with("-----BEGIN"))
        .filter(|line| !line.starts_with("-----"))
        .collect();
    let der = STANDARD.decode(body).expect("PEM base64");

    STANDARD.encode(&der[der.len() - 32..])
}

/// Runs the helper script on a list of jobs and returns its results.
fn run_dkimpy(mode: &str, jobs: Vec<Value>) -> Vec<Value> {
    let mut child = Command::new("python3")
        .arg(script())
        .arg(mode)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python3 runs");

    let input = serde_json::to_vec(&jobs).expect("jobs serialize");
    child
        .stdin
        .take()
        .expect("a pipe")
        .write_all(&input)
        .expect("the helper reads its jobs");
    let output = child.wait_with_output().expect("the helper finishes");

    assert!(output.status.success(), "dkimpy_interop.py {mode} failed");
    let results: Vec<Value> = serde_json::from_slice(&output.stdout).expect("JSON results");
    assert_eq!(results.len(), jobs.len(), "one result per job");
    results
}

/// Whether dkimpy and PyNaCl import; under CI their absence fails.
fn dkimpy_available() -> bool {
    let available = Command::new("python3")
        .arg(script())
        .arg("check")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());

    let under_ci = std::env::var("CI").is_ok_and(|value| value == "true");
    assert!(
        available || !under_ci,
        "dkimpy and PyNaCl must be installed under CI"
    );
    if !available {
        println!("skipped: dkimpy or PyNaCl is not importable (pip install dkimpy pynacl)");
    }
    available
}

/// The helper script beside this file.
fn script() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dkimpy_interop.py")
}
