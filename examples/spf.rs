//! Checks SPF for a client address the way a receiving mail server does, and
//! shows why: the matching term, the lookup counters against the limits of
//! RFC 7208 §4.6.4, the Received-SPF field and, on request, every step.
//!
//! ```text
//! cargo run --example spf -- --ip IP [--sender ADDR] [--helo NAME] [--zone FILE] [--json] [--trace]
//! cargo run --example spf -- --ip 192.0.2.10 --sender alice@example.com --helo mail.example.com
//! cargo run --example spf -- --ip 192.0.2.10 --sender "" --helo mail.example.com --json
//! cargo run --example spf -- --ip 192.0.2.10 --helo mail.example.com --zone seen.zone --trace
//! ```
//!
//! With `--sender`, the MAIL FROM identity is checked (`--sender ""` is the
//! null reverse-path, checked as `postmaster@<helo>`), and the HELO identity
//! too when `--helo` is given; the MAIL FROM result is the one reported.
//! With `--helo` alone, the HELO identity is checked. Without `--zone`, the
//! system resolver answers. Exit status: 0 when the check ran, whatever its
//! result; 2 on bad usage or an unusable zone file.
//!
//! `--json` prints one object with the keys `identity` (`mailfrom` or
//! `helo`), `result`, `explanation`, `mechanism`, `dns_lookups`,
//! `void_lookups` and `received_spf`, `trace` with `--trace`, and
//! `helo_result` when both identities were checked.

use std::net::IpAddr;
use std::process::ExitCode;

use clap::Parser;
use mailtrail_examples::DnsOptions;
use mailtrail_spf::{IdentityCheck, Verifier};
use serde::Serialize;

/// Check SPF (RFC 7208) for a client address.
#[derive(Debug, Parser)]
#[command(name = "spf", version)]
struct Cli {
    /// The client's IP address.
    #[arg(long, value_name = "IP")]
    ip: IpAddr,

    /// The MAIL FROM reverse-path; "" is the null reverse-path.
    #[arg(long, value_name = "ADDR")]
    sender: Option<String>,

    /// The HELO/EHLO name.
    #[arg(long, value_name = "NAME")]
    helo: Option<String>,

    /// The receiving host's name, for %{r} and the Received-SPF field.
    #[arg(long, value_name = "NAME")]
    receiver: Option<String>,

    #[command(flatten)]
    dns: DnsOptions,

    /// Print JSON.
    #[arg(long)]
    json: bool,

    /// Show every term, lookup and limit.
    #[arg(long)]
    trace: bool,
}

/// The JSON document printed with `--json`.
#[derive(Debug, Serialize)]
struct Report<'a> {
    identity: &'static str,
    result: &'static str,
    explanation: Option<&'a str>,
    mechanism: Option<&'a str>,
    dns_lookups: u32,
    void_lookups: u32,
    received_spf: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    trace: Option<&'a mailtrail_spf::Trace>,
    #[serde(skip_serializing_if = "Option::is_none")]
    helo_result: Option<&'static str>,
    cause: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.sender.is_none() && cli.helo.is_none() {
        eprintln!("spf: give --sender, --helo or both");
        return ExitCode::from(2);
    }
    let dns = match cli.dns.build() {
        Ok(dns) => dns,
        Err(message) => {
            eprintln!("spf: {message}");
            return ExitCode::from(2);
        }
    };

    let mut verifier = Verifier::new(dns.resolver())
        .with_trace(cli.trace)
        .with_now(std::time::SystemTime::now());
    if let Some(receiver) = &cli.receiver {
        verifier = verifier.with_receiver(receiver.clone());
    }
    let (check, helo_check) = run(&verifier, &cli).await;

    if cli.json {
        print_json(&check, helo_check.as_ref());
    } else {
        print_human(&check, helo_check.as_ref());
    }
    if let Err(message) = dns.finish() {
        eprintln!("spf: {message}");
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

/// Runs the checks the options ask for: the reported one, and the HELO check
/// beside a MAIL FROM check.
async fn run<R: mailtrail_dns::Resolver>(
    verifier: &Verifier<'_, R>,
    cli: &Cli,
) -> (IdentityCheck, Option<IdentityCheck>) {
    match (&cli.sender, &cli.helo) {
        (Some(sender), Some(helo)) => {
            let both = verifier.verify(cli.ip, helo, sender).await;
            (both.mail_from, Some(both.helo))
        }
        (Some(sender), None) => (verifier.verify_mail_from(cli.ip, None, sender).await, None),
        (None, Some(helo)) => (verifier.verify_helo(cli.ip, helo).await, None),
        (None, None) => unreachable!("checked in main"),
    }
}

/// Prints the result, its cause, the counters and the Received-SPF field.
fn print_human(check: &IdentityCheck, helo_check: Option<&IdentityCheck>) {
    let outcome = &check.outcome;
    println!("{}: {} ({})", check.identity, outcome.result, outcome.cause);
    if let Some(explanation) = &outcome.explanation {
        println!("explanation: {explanation}");
    }
    if let Some(helo) = helo_check {
        println!("helo: {} ({})", helo.outcome.result, helo.outcome.cause);
    }

    println!(
        "DNS-querying terms: {}, void lookups: {}, queries sent: {}",
        outcome.counters.dns_lookups, outcome.counters.void_lookups, outcome.counters.queries
    );
    println!("{}", check.received_spf().to_field());
    if let Some(trace) = &outcome.trace {
        print!("\n{trace}");
    }
}

/// Prints the report as one JSON document.
fn print_json(check: &IdentityCheck, helo_check: Option<&IdentityCheck>) {
    let outcome = &check.outcome;
    let report = Report {
        identity: check.identity.as_str(),
        result: outcome.result.as_str(),
        explanation: outcome.explanation.as_deref(),
        mechanism: outcome.mechanism(),
        dns_lookups: outcome.counters.dns_lookups,
        void_lookups: outcome.counters.void_lookups,
        received_spf: check.received_spf().to_string(),
        trace: outcome.trace.as_ref(),
        helo_result: helo_check.map(|helo| helo.outcome.result.as_str()),
        cause: outcome.cause.to_string(),
    };
    match serde_json::to_string_pretty(&report) {
        Ok(text) => println!("{text}"),
        Err(error) => eprintln!("spf: cannot write JSON: {error}"),
    }
}
