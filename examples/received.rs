//! The route of a message from its Received fields, and where it entered
//! the organisation.
//!
//! ```text
//! cargo run --example received -- [--json] [--internal HOST_OR_NET]... FILE
//! cargo run --example received -- benches/data/realistic.eml
//! cargo run --example received -- --internal '*.gateway.example.com' \
//!     --internal '*.prod.example.com' --internal 203.0.113.0/24 message.eml
//! cat message.eml | cargo run --example received -- --json -
//! ```
//!
//! FILE is a message or a bare header block; `-` reads standard input.
//! `--internal` names what the organisation owns: a host name, a `*.domain`
//! pattern, an IP address or a CIDR network; give it once per member. The
//! output lists one hop per line, oldest first (time, delay, sender and
//! receiver, protocol and TLS), then the anomalies and the entry hop.
//! `--json` prints `{"hops": [...], "entry": INDEX_OR_NULL, "anomalies":
//! [...]}`. Exit status: 0 on success, 1 when the input cannot be read, 2 on
//! bad usage.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser;
use jiff::{SignedDuration, Timestamp};
use mailtrail_examples::{hop_line, peer, read_input};
use mailtrail_message::split;
use mailtrail_received::{
    Anomaly, Chain, ChainOptions, Hop, Member, Organisation, Trust, TrustBoundary,
};
use serde::Serialize;

/// Reconstruct the route of a message from its Received fields.
#[derive(Debug, Parser)]
#[command(name = "received", version)]
struct Cli {
    /// Print JSON instead of one line per hop.
    #[arg(long)]
    json: bool,

    /// What the organisation owns: a host name, a `*.domain` pattern, an IP
    /// address or a CIDR network. Repeat for each.
    #[arg(long, value_name = "HOST_OR_NET")]
    internal: Vec<Member>,

    /// The present, for dates in the future (RFC 3339); defaults to the
    /// clock.
    #[arg(long, value_name = "TIME")]
    now: Option<Timestamp>,

    /// Seconds a hop may be dated before the previous one, or after now,
    /// before it is an anomaly.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    tolerance: i64,

    /// A message or header block; `-` reads standard input.
    #[arg(value_name = "FILE")]
    file: String,
}

/// The JSON document printed with `--json`.
#[derive(Debug, Serialize)]
struct Report<'c, 'a> {
    hops: Vec<HopReport<'c, 'a>>,
    entry: Option<usize>,
    anomalies: Vec<AnomalyReport>,
}

/// A hop as its field's JSON object, with `trusted` when `--internal` was
/// given.
#[derive(Debug, Serialize)]
struct HopReport<'c, 'a> {
    #[serde(flatten)]
    hop: &'c Hop<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trusted: Option<bool>,
}

/// An anomaly of the chain, or why no entry hop was found.
#[derive(Debug, Serialize)]
struct AnomalyReport {
    kind: &'static str,
    hop: Option<usize>,
    message: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let input = match read_input(&cli.file) {
        Ok(input) => input,
        Err(message) => {
            eprintln!("received: {message}");
            return ExitCode::from(1);
        }
    };

    let options = ChainOptions {
        now: Some(cli.now.unwrap_or_else(Timestamp::now)),
        tolerance: SignedDuration::from_secs(cli.tolerance),
    };
    let block = split(&input);
    let chain = Chain::from_block(&block, &options);
    let organisation: Organisation = cli.internal.iter().cloned().collect();
    let boundary = (!organisation.is_empty()).then(|| chain.trust_boundary(&organisation));

    let output = match cli.json {
        true => json(&chain, boundary.as_ref()),
        false => human(&chain, boundary.as_ref()),
    };
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = std::io::stdout().lock().write_all(output.as_bytes());
    ExitCode::SUCCESS
}

fn json(chain: &Chain<'_>, boundary: Option<&TrustBoundary<'_>>) -> String {
    let hops = chain
        .hops()
        .iter()
        .enumerate()
        .map(|(index, hop)| HopReport {
            hop,
            trusted: boundary.map(|boundary| boundary.trust(index) == Trust::Recorded),
        })
        .collect();

    let mut anomalies: Vec<AnomalyReport> = chain.anomalies().iter().map(anomaly_report).collect();
    if let Some(reason) = boundary.and_then(TrustBoundary::no_entry) {
        anomalies.push(AnomalyReport {
            kind: "no-entry",
            hop: None,
            message: reason.to_string(),
        });
    }

    let report = Report {
        hops,
        entry: boundary.and_then(|boundary| boundary.entry().map(|entry| entry.hop)),
        anomalies,
    };
    let json = serde_json::to_string_pretty(&report).expect("the report serializes");
    json + "\n"
}

fn anomaly_report(anomaly: &Anomaly) -> AnomalyReport {
    AnomalyReport {
        kind: anomaly.kind(),
        hop: Some(anomaly.hop()),
        message: anomaly.to_string(),
    }
}

fn human(chain: &Chain<'_>, boundary: Option<&TrustBoundary<'_>>) -> String {
    let mut out = String::new();
    if chain.hops().is_empty() {
        out.push_str("no Received fields\n");
    }

    for (index, hop) in chain.hops().iter().enumerate() {
        let trust = match boundary.map(|boundary| boundary.trust(index)) {
            Some(Trust::Recorded) => "recorded ",
            Some(Trust::Claimed) => "claimed  ",
            None => "",
        };
        let _ = writeln!(out, "{index:>3}  {trust}{}", hop_line(hop));
    }

    if !chain.anomalies().is_empty() {
        out.push_str("\nanomalies:\n");
        for anomaly in chain.anomalies() {
            let _ = writeln!(out, "  {anomaly}");
        }
    }

    let Some(boundary) = boundary else {
        out.push_str("\nentry hop: not sought (give --internal for the organisation's hosts)\n");
        return out;
    };
    let _ = match (boundary.entry(), boundary.no_entry()) {
        (Some(entry), _) => {
            let sender = peer(entry.sender.name, entry.sender.reverse_dns, entry.sender.ip);
            let receiver = peer(entry.receiver.name, None, entry.receiver.ip);
            writeln!(out, "\nentry hop: {}: {sender} → {receiver}", entry.hop)
        }
        (None, Some(reason)) => writeln!(out, "\nentry hop: none: {reason}"),
        (None, None) => writeln!(out, "\nentry hop: none"),
    };
    out
}
