//! A small dig for the lookups mail authentication makes, with replayable
//! recordings.
//!
//! ```text
//! cargo run --example dns -- [--zone FILE] [--record OUT] [--json] TYPE NAME
//! cargo run --example dns -- MX example.com
//! cargo run --example dns -- --record seen.zone TXT _dmarc.example.com
//! cargo run --example dns -- --zone seen.zone TXT _dmarc.example.com
//! cargo run --example dns -- PTR 192.0.2.25
//! ```
//!
//! TYPE is one of A, AAAA, MX, PTR, TXT (any case); for PTR, NAME is an IP
//! address. Exit status: 0 when records were found, 1 when the lookup failed
//! (NXDOMAIN, NODATA, SERVFAIL, timeout, invalid name), 2 on bad usage.

use std::process::ExitCode;

use clap::Parser;
use mailtrail_dns::{Answer, DnsError, RecordData, RecordType, lookup};
use mailtrail_examples::DnsOptions;
use serde::Serialize;

/// Look up a DNS record the way mailtrail's evaluators do.
#[derive(Debug, Parser)]
#[command(name = "dns", version)]
struct Cli {
    #[command(flatten)]
    dns: DnsOptions,

    /// Print JSON instead of master-file lines.
    #[arg(long)]
    json: bool,

    /// Record type: A, AAAA, MX, PTR or TXT.
    #[arg(value_name = "TYPE")]
    rtype: RecordType,

    /// Domain name, or an IP address for PTR.
    #[arg(value_name = "NAME")]
    name: String,
}

/// The JSON document printed with `--json`.
#[derive(Debug, Serialize)]
struct Report<'a> {
    query: Query<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    answer: Option<&'a Answer<RecordData>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a DnsError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

/// What was asked.
#[derive(Debug, Serialize)]
struct Query<'a> {
    #[serde(rename = "type")]
    rtype: RecordType,
    name: &'a str,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let dns = match cli.dns.build() {
        Ok(dns) => dns,
        Err(message) => {
            eprintln!("dns: {message}");
            return ExitCode::from(2);
        }
    };

    let outcome = lookup(dns.resolver(), cli.rtype, &cli.name).await;
    if cli.json {
        print_json(&cli, &outcome);
    } else {
        print_human(&cli, &outcome);
    }

    if let Err(message) = dns.finish() {
        eprintln!("dns: {message}");
        return ExitCode::from(2);
    }
    if outcome.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Prints answers as master-file lines and failures as `;;` comments.
fn print_human(cli: &Cli, outcome: &Result<Answer<RecordData>, DnsError>) {
    match outcome {
        Ok(answer) => {
            let owner = owner_name(cli);
            for record in answer.records.iter() {
                println!(
                    "{owner}.\t{}\tIN\t{}\t{record}",
                    answer.ttl,
                    record.mnemonic()
                );
            }
            let status = match answer.authentic {
                Some(true) => "authenticated",
                Some(false) => "not authenticated",
                None => "unknown",
            };
            println!(";; DNSSEC: {status}");
        }
        Err(error) => println!(";; {}: {error}", error_word(error)),
    }
}

/// Prints the report as one JSON document.
fn print_json(cli: &Cli, outcome: &Result<Answer<RecordData>, DnsError>) {
    let report = Report {
        query: Query {
            rtype: cli.rtype,
            name: &cli.name,
        },
        answer: outcome.as_ref().ok(),
        error: outcome.as_ref().err(),
        message: outcome.as_ref().err().map(ToString::to_string),
    };
    match serde_json::to_string_pretty(&report) {
        Ok(text) => println!("{text}"),
        Err(error) => eprintln!("dns: cannot write JSON: {error}"),
    }
}

/// The owner name the answer lines show: the reverse name for PTR.
fn owner_name(cli: &Cli) -> String {
    match (cli.rtype, cli.name.parse()) {
        (RecordType::Ptr, Ok(ip)) => mailtrail_dns::reverse_name(ip),
        _ => cli.name.trim_end_matches('.').to_owned(),
    }
}

/// The status word dig users know for each failure.
fn error_word(error: &DnsError) -> &'static str {
    match error {
        DnsError::NxDomain { .. } => "NXDOMAIN",
        DnsError::NoData { .. } => "NODATA",
        DnsError::ServerFailure { .. } => "SERVFAIL",
        DnsError::Timeout { .. } => "TIMEOUT",
        _ => "INVALID",
    }
}
