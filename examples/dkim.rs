//! Verifies the DKIM signatures of a message, one line or JSON object per
//! DKIM-Signature field, or signs a message.
//!
//! ```text
//! cargo run --example dkim -- verify [--zone FILE] [--now UNIX_SECONDS] [--json] FILE
//! cargo run --example dkim -- sign --key FILE --domain D --selector S [--headers LIST] [--now UNIX_SECONDS] FILE
//! cargo run --example dkim -- verify message.eml
//! cargo run --example dkim -- verify --zone keys.zone --now 1700000000 --json message.eml
//! cargo run --example dkim -- sign --key key.pem --domain example.com --selector s1 message.eml
//! ```
//!
//! FILE is a message; `-` reads standard input. `--now` defaults to the
//! clock. `verify` prints `dkim=RESULT header.d=... header.s=...
//! header.a=... (reason)` per signature, and `dkim=none` for an unsigned
//! message; with `--json`, an array with one object per DKIM-Signature
//! field in message order, each with the keys `domain`, `selector`,
//! `algorithm`, `result`, `reason`, `body_hash_matches` and `key_bits`
//! (null where unknown), plus `signature_matches` and `testing`; an
//! unsigned message gives `[]`. Exit status: 0 when a signature passed, 1
//! when none did, 2 on bad usage or unreadable input.
//!
//! `sign` reads the key as PEM or DER (PKCS#8 or PKCS#1 RSA, PKCS#8
//! Ed25519) or as a 32-octet Ed25519 seed, raw or in base64, and prints the
//! signed message: the new DKIM-Signature field (with the message's line
//! ends) followed by the message unchanged. `--headers` takes a colon- or
//! comma-separated list of field names; without it, the fields RFC 6376
//! §5.4.1 recommends are signed when present. Exit status: 0 when signed,
//! 1 when the message cannot be signed, 2 on bad usage or unreadable input.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::{Args, Parser, Subcommand};
use mailtrail_dkim::{
    Canonicalization, DkimOutcome, DkimVerification, Signer, SigningKey, VerifyOptions, verify,
};
use mailtrail_examples::{DnsOptions, read_input};
use serde::Serialize;

/// Verify or sign DKIM signatures (RFC 6376, 8301, 8463).
#[derive(Debug, Parser)]
#[command(name = "dkim", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The two things the example does.
#[derive(Debug, Subcommand)]
enum Command {
    /// Verify every DKIM-Signature field of a message.
    Verify(VerifyArgs),
    /// Sign a message and print it with its new DKIM-Signature field.
    Sign(SignArgs),
}

/// Options of `verify`.
#[derive(Debug, Args)]
struct VerifyArgs {
    #[command(flatten)]
    dns: DnsOptions,

    /// The present in Unix seconds, for x= and t=; defaults to the clock.
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<u64>,

    /// Print a JSON array, one object per signature.
    #[arg(long)]
    json: bool,

    /// Seconds x= may be past and t= future.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    clock_skew: u64,

    /// How many signatures to evaluate.
    #[arg(long, value_name = "N", default_value_t = 10)]
    max_signatures: usize,

    /// Refuse the deviations a lenient parse tolerates.
    #[arg(long)]
    strict: bool,

    /// The message; `-` reads standard input.
    #[arg(value_name = "FILE")]
    file: String,
}

/// Options of `sign`.
#[derive(Debug, Args)]
struct SignArgs {
    /// The private key: PEM, DER, or an Ed25519 seed (raw or base64).
    #[arg(long, value_name = "FILE")]
    key: String,

    /// The signing domain, the d= tag.
    #[arg(long, value_name = "D")]
    domain: String,

    /// The selector, the s= tag.
    #[arg(long, value_name = "S")]
    selector: String,

    /// Field names to sign, separated by colons or commas.
    #[arg(long, value_name = "LIST")]
    headers: Option<String>,

    /// The signing time in Unix seconds, for t= and x=; defaults to the
    /// clock.
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<u64>,

    /// Header and body canonicalization, as in c=.
    #[arg(long, value_name = "HEADER/BODY", default_value = "relaxed/relaxed")]
    canonicalization: String,

    /// List each signed name once more than the message has such fields.
    #[arg(long)]
    oversign: bool,

    /// Write l= with the canonical body length.
    #[arg(long)]
    body_length: bool,

    /// Write x= this many seconds after the signing time.
    #[arg(long, value_name = "SECONDS")]
    expire: Option<u64>,

    /// Write i=, the agent or user identifier.
    #[arg(long, value_name = "ID")]
    identifier: Option<String>,

    /// The message; `-` reads standard input.
    #[arg(value_name = "FILE")]
    file: String,
}

/// One signature in the JSON output.
#[derive(Debug, Serialize, PartialEq, Eq)]
struct SignatureReport<'a> {
    domain: Option<&'a str>,
    selector: Option<&'a str>,
    algorithm: Option<&'a str>,
    result: &'static str,
    reason: Option<String>,
    body_hash_matches: Option<bool>,
    key_bits: Option<u32>,
    signature_matches: Option<bool>,
    testing: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Verify(args) => run_verify(args).await,
        Command::Sign(args) => run_sign(&args),
    };

    match outcome {
        Ok(code) => code,
        Err(message) => {
            eprintln!("dkim: {message}");
            ExitCode::from(2)
        }
    }
}

/// Verifies and prints; exit 0 when a signature passed.
async fn run_verify(args: VerifyArgs) -> Result<ExitCode, String> {
    let message = read_input(&args.file)?;
    let dns = args.dns.build()?;
    let options = VerifyOptions::new(args.now.unwrap_or_else(clock))
        .clock_skew(Duration::from_secs(args.clock_skew))
        .max_signatures(args.max_signatures)
        .strict(args.strict);

    let verification = verify(dns.resolver(), &message, &options).await;
    if args.json {
        let reports = json_reports(&verification);
        let text = serde_json::to_string_pretty(&reports).map_err(|error| error.to_string())?;
        println!("{text}");
    } else {
        print_lines(&verification);
    }

    dns.finish()?;
    let passed = verification.passing().next().is_some();
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The JSON objects, one per DKIM-Signature field.
fn json_reports<'v>(verification: &'v DkimVerification<'_>) -> Vec<SignatureReport<'v>> {
    verification.outcomes.iter().map(report).collect()
}

/// One outcome as its JSON object.
fn report<'v>(outcome: &'v DkimOutcome<'_>) -> SignatureReport<'v> {
    SignatureReport {
        domain: outcome.signing_domain,
        selector: outcome.selector,
        algorithm: outcome.algorithm,
        result: outcome.result.as_str(),
        reason: outcome.reason(),
        body_hash_matches: outcome.body_hash_matches,
        key_bits: outcome.key_bits,
        signature_matches: outcome.signature_matches,
        testing: outcome.testing,
    }
}

/// One Authentication-Results style line per signature.
fn print_lines(verification: &DkimVerification<'_>) {
    if verification.outcomes.is_empty() {
        println!("dkim=none (no DKIM-Signature field)");
        return;
    }

    for outcome in &verification.outcomes {
        let mut line = format!("dkim={}", outcome.result);
        for (property, value) in [
            ("header.d", outcome.signing_domain),
            ("header.s", outcome.selector),
            ("header.a", outcome.algorithm),
        ] {
            if let Some(value) = value {
                line.push_str(&format!(" {property}={value}"));
            }
        }

        let mut notes: Vec<String> = outcome.reason().into_iter().collect();
        if let Some(bits) = outcome.key_bits {
            notes.push(format!("{bits}-bit key"));
        }
        if outcome.testing {
            notes.push("key in testing mode".to_owned());
        }
        if !notes.is_empty() {
            line.push_str(&format!(" ({})", notes.join("; ")));
        }
        println!("{line}");
    }
}

/// Signs and prints the signed message; exit 1 when it cannot be signed.
fn run_sign(args: &SignArgs) -> Result<ExitCode, String> {
    let message = read_input(&args.file)?;
    let key_bytes =
        std::fs::read(&args.key).map_err(|error| format!("cannot read {}: {error}", args.key))?;
    let key =
        SigningKey::from_bytes(&key_bytes).map_err(|error| format!("{}: {error}", args.key))?;
    let signer = signer(args, &key)?;

    let field = match signer.sign(&message, args.now.unwrap_or_else(clock)) {
        Ok(field) => field,
        Err(error) => {
            eprintln!("dkim: cannot sign {}: {error}", args.file);
            return Ok(ExitCode::from(1));
        }
    };

    let output = signed_message(&field, &message);
    std::io::stdout()
        .write_all(&output)
        .map_err(|error| format!("cannot write the message: {error}"))?;
    Ok(ExitCode::SUCCESS)
}

/// The signer the options describe.
fn signer<'k>(args: &SignArgs, key: &'k SigningKey) -> Result<Signer<'k>, String> {
    let (header, body) = parse_canonicalization(&args.canonicalization)?;
    let mut signer = Signer::new(key, &args.domain, &args.selector)
        .map_err(|error| error.to_string())?
        .canonicalization(header, body)
        .oversign(args.oversign)
        .body_length(args.body_length);

    if let Some(list) = &args.headers {
        let names = list
            .split([':', ','])
            .map(str::trim)
            .filter(|name| !name.is_empty());
        signer = signer.headers(names.map(str::to_owned));
    }
    if let Some(seconds) = args.expire {
        signer = signer.expire_after(Duration::from_secs(seconds));
    }
    if let Some(identifier) = &args.identifier {
        signer = signer
            .identifier(identifier)
            .map_err(|error| error.to_string())?;
    }
    Ok(signer)
}

/// Reads `relaxed/simple` and the like; one word sets both.
fn parse_canonicalization(text: &str) -> Result<(Canonicalization, Canonicalization), String> {
    let (header, body) = text.split_once('/').unwrap_or((text, text));
    let parse = |word: &str| {
        word.parse::<Canonicalization>()
            .map_err(|_| format!("--canonicalization {text:?}: expected simple or relaxed"))
    };

    Ok((parse(header)?, parse(body)?))
}

/// The field, with the message's line ends, followed by the message.
fn signed_message(field: &str, message: &[u8]) -> Vec<u8> {
    let first_line_end = message.iter().position(|&byte| byte == b'\n');
    let bare_lf = first_line_end.is_some_and(|end| end == 0 || message[end - 1] != b'\r');
    let field = if bare_lf {
        field.replace("\r\n", "\n")
    } else {
        field.to_owned()
    };

    [field.as_bytes(), message].concat()
}

/// The clock, in Unix seconds.
fn clock() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailtrail_dns::ZoneResolver;

    const MESSAGE: &[u8] = b"From: a@example.com\nSubject: hi\n\nHello.\n";

    fn signed_and_zone() -> (Vec<u8>, ZoneResolver) {
        let key = SigningKey::from_ed25519_seed(&[4; 32]).unwrap();
        let args = SignArgs::try_parse_from([
            "sign",
            "--key",
            "-",
            "--domain",
            "example.com",
            "--selector",
            "s",
            "--headers",
            "From:Subject",
            "-",
        ])
        .unwrap();
        let field = signer(&args, &key)
            .unwrap()
            .sign(MESSAGE, 1_700_000_000)
            .unwrap();
        let zone = format!(
            "s._domainkey.example.com. 300 IN TXT \"{}\"",
            key.public_key_record()
        )
        .parse()
        .unwrap();
        (signed_message(&field, MESSAGE), zone)
    }

    #[derive(Debug, Parser)]
    struct SignOnly {
        #[command(flatten)]
        args: SignArgs,
    }

    impl SignArgs {
        fn try_parse_from<const N: usize>(words: [&str; N]) -> Result<Self, clap::Error> {
            SignOnly::try_parse_from(words).map(|parsed| parsed.args)
        }
    }

    #[test]
    fn the_signed_message_keeps_its_line_ends_and_signs_the_listed_fields() {
        let (signed, _) = signed_and_zone();
        let text = String::from_utf8(signed).unwrap();

        assert!(text.starts_with("DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;"));
        assert!(
            !text.contains('\r'),
            "a bare-LF message gets a bare-LF field"
        );
        assert!(text.contains(" h=From:Subject;"));
        assert!(text.ends_with("From: a@example.com\nSubject: hi\n\nHello.\n"));
    }

    #[test]
    fn json_has_the_documented_keys_in_order_and_null_where_unknown() {
        let (signed, zone) = signed_and_zone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let verification =
            runtime.block_on(verify(&zone, &signed, &VerifyOptions::new(1_700_000_000)));

        let text = serde_json::to_string(&json_reports(&verification)).unwrap();
        let keys = [
            "domain",
            "selector",
            "algorithm",
            "result",
            "reason",
            "body_hash_matches",
            "key_bits",
        ];
        let positions: Vec<usize> = keys
            .iter()
            .map(|key| {
                text.find(&format!("\"{key}\":"))
                    .unwrap_or_else(|| panic!("{key} in {text}"))
            })
            .collect();
        assert!(
            positions.is_sorted(),
            "keys in the documented order: {text}"
        );

        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json[0]["domain"], "example.com");
        assert_eq!(json[0]["result"], "pass");
        assert_eq!(json[0]["reason"], serde_json::Value::Null);
        assert_eq!(json[0]["key_bits"], 256);

        let empty = runtime.block_on(verify(&zone, MESSAGE, &VerifyOptions::new(0)));
        assert_eq!(serde_json::to_string(&json_reports(&empty)).unwrap(), "[]");
    }

    #[test]
    fn a_missing_key_gives_a_reason_and_nulls() {
        let (signed, _) = signed_and_zone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let verification = runtime.block_on(verify(
            &ZoneResolver::new(),
            &signed,
            &VerifyOptions::new(1_700_000_000),
        ));

        let json = serde_json::to_value(json_reports(&verification)).unwrap();
        assert_eq!(json[0]["result"], "permerror");
        assert_eq!(
            json[0]["reason"],
            "no key record at s._domainkey.example.com"
        );
        assert_eq!(json[0]["key_bits"], serde_json::Value::Null);
        assert_eq!(json[0]["body_hash_matches"], serde_json::Value::Null);
    }

    #[test]
    fn canonicalization_takes_one_word_or_a_pair() {
        assert_eq!(
            parse_canonicalization("simple").unwrap(),
            (Canonicalization::Simple, Canonicalization::Simple)
        );
        assert_eq!(
            parse_canonicalization("relaxed/simple").unwrap(),
            (Canonicalization::Relaxed, Canonicalization::Simple)
        );
        assert!(parse_canonicalization("nowsp").is_err());
    }
}
