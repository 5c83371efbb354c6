//! Where did this message really come from, and who vouched for it? The
//! forensic analysis of one message: the path drawn hop by hop, where it
//! entered the organisation and what that door is (an expected gateway, a
//! forgotten "ghost" MX, or not an MX at all), every Authentication-Results
//! field weighed, SPF, DKIM and DMARC checked afresh, and the findings.
//!
//! ```text
//! cargo run --example analyze -- [--zone FILE] [--policy-dir DIR] [--org DOMAIN]... \
//!     [--internal HOST_OR_NET]... [--trust AUTHSERV_ID]... [--gateway HOST]... \
//!     [--now RFC3339] [--record OUT] [--json] MESSAGE
//! cargo run --example analyze -- --zone examples/data/ghost-mx/zone \
//!     --policy-dir examples/data/ghost-mx/policies --org ourcompany.com \
//!     --trust mx1.new-seg-vendor.com --now 2024-03-12T10:00:00Z examples/data/ghost-mx/message.eml
//! ```
//!
//! MESSAGE is a raw message (`-` reads standard input). `--policy-dir DIR`
//! serves MTA-STS policy bodies from `DIR/<policy-domain>.txt` instead of
//! HTTPS. `--record OUT` writes every DNS answer seen; replaying it with
//! `--zone OUT` gives the same report. `--now` defaults to the clock.
//! Exit status: 0 when the analysis ran, whatever it found; 2 on bad usage
//! or unreadable input.
//!
//! `--json` prints `{"hops", "entry": {"hop", "host", "ip",
//! "classification", "mx_preference"}, "authentication_results", "spf",
//! "dkim", "dmarc", "findings": [{"code", "severity", "message",
//! "evidence"}]}`, followed by `recipient_domain` and `doors`.

use std::fmt::Write as _;
use std::process::ExitCode;

use clap::Parser;
use jiff::Timestamp;
use mailtrail::{Analyzer, EntryClass, Finding, GatewaySource, OrganisationView, Report};
use mailtrail_examples::{DnsOptions, MtaStsOptions, finish, hop_line, read_input};
use serde::Serialize;
use serde_json::{Value, json};

/// Analyse where a message came from and who vouched for it.
#[derive(Debug, Parser)]
#[command(name = "analyze", version)]
struct Cli {
    /// The message (`-` reads standard input).
    #[arg(value_name = "MESSAGE")]
    message: String,

    /// A domain the organisation receives mail for (repeatable).
    #[arg(long = "org", value_name = "DOMAIN")]
    domains: Vec<String>,

    /// An internal host, `*.domain` pattern or IP network (repeatable).
    #[arg(long, value_name = "HOST_OR_NET")]
    internal: Vec<String>,

    /// An authserv-id whose Authentication-Results are trusted (repeatable).
    #[arg(long = "trust", value_name = "AUTHSERV_ID")]
    trusted: Vec<String>,

    /// An expected inbound gateway (repeatable; default: derived from the
    /// recipient domain's MTA-STS policy or MX set).
    #[arg(long = "gateway", value_name = "HOST")]
    gateways: Vec<String>,

    /// The time of the analysis, RFC 3339 (default: now).
    #[arg(long, value_name = "RFC3339")]
    now: Option<Timestamp>,

    #[command(flatten)]
    dns: DnsOptions,

    #[command(flatten)]
    mta_sts: MtaStsOptions,

    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    finish("analyze", run(&cli).await)
}

/// Runs the analysis and renders it.
async fn run(cli: &Cli) -> Result<String, String> {
    let message = read_input(&cli.message)?;
    let dns = cli.dns.build()?;
    let mta_sts = cli.mta_sts.build(dns.resolver())?;
    let organisation = organisation(cli)?;
    let now = cli.now.unwrap_or_else(Timestamp::now);

    let analyzer = Analyzer::new(dns.resolver(), &mta_sts, now).with_organisation(organisation);
    let report = analyzer.analyze(&message).await;
    dns.finish()?;

    if cli.json {
        let text =
            serde_json::to_string_pretty(&json_report(&report)).map_err(|e| e.to_string())?;
        return Ok(text + "\n");
    }
    Ok(human(&report, &message))
}

/// The organisation's view from the options.
fn organisation(cli: &Cli) -> Result<OrganisationView, String> {
    let mut view = OrganisationView::new();
    for domain in &cli.domains {
        view = view.with_domain(domain.clone());
    }
    for member in &cli.internal {
        view = view
            .with_internal(member)
            .map_err(|error| format!("--internal {member}: {error}"))?;
    }
    for id in &cli.trusted {
        view = view.with_trusted_id(id.clone());
    }
    for gateway in &cli.gateways {
        view = view.with_gateway(gateway.clone());
    }
    Ok(view)
}

/// The JSON document, with the documented keys first.
fn json_report(report: &Report<'_>) -> Value {
    #[derive(Serialize)]
    struct Document<'a> {
        hops: Value,
        entry: Option<Value>,
        authentication_results: Value,
        spf: Value,
        dkim: Value,
        dmarc: Value,
        findings: &'a [Finding],
        recipient_domain: Option<&'a str>,
        doors: Value,
    }

    let entry = report.entry.as_ref().map(|entry| {
        json!({
            "hop": entry.hop,
            "host": entry.host,
            "ip": entry.ip,
            "classification": entry.classification,
            "mx_preference": entry.mx_preference,
            "sender": entry.sender,
            "sender_ip": entry.sender_ip,
            "evidence": entry.evidence,
        })
    });
    let document = Document {
        hops: value(report.chain.hops()),
        entry,
        authentication_results: value(&report.authentication_results),
        spf: value(&report.spf),
        dkim: value(&report.dkim.outcomes),
        dmarc: value(&report.dmarc),
        findings: &report.findings,
        recipient_domain: report.recipient_domain.as_deref(),
        doors: value(&report.doors),
    };
    serde_json::to_value(document).unwrap_or(Value::Null)
}

/// The JSON value of a part of the report.
fn value<T: Serialize + ?Sized>(item: &T) -> Value {
    serde_json::to_value(item).unwrap_or(Value::Null)
}

/// The analyst's summary: verdict, path, doors, authentication, evidence.
fn human(report: &Report<'_>, message: &[u8]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", verdict(report));

    out.push_str("\nPath, oldest first:\n");
    let entry_hop = report.entry.as_ref().map(|entry| entry.hop);
    for (index, hop) in report.chain.hops().iter().enumerate() {
        let mark = match entry_hop {
            Some(entry) if entry == index => "ENTRY  ",
            Some(entry) if index < entry => "claimed",
            Some(_) => "inside ",
            None => "       ",
        };
        let _ = writeln!(out, "  {index:>2} {mark} {}", hop_line(hop));
    }
    if let Some(reason) = &report.no_entry {
        let _ = writeln!(out, "  no entry hop: {reason}");
    }

    let doors = &report.doors;
    if let Some(domain) = &doors.domain {
        let source = match doors.gateway_source {
            Some(GatewaySource::Given) => "as given",
            Some(GatewaySource::MtaStsPolicy) => "the hosts its MTA-STS policy allows",
            Some(GatewaySource::LowestPreferenceMx) => {
                "no MTA-STS policy, so its lowest-preference MX hosts"
            }
            Some(GatewaySource::Unknown) | None => "unknown",
        };
        let _ = writeln!(out, "\nDoors of {domain} (gateways: {source}):");
        for door in &doors.mx {
            let policy = match door.mta_sts_allowed {
                Some(true) => "in MTA-STS policy",
                Some(false) => "NOT in MTA-STS policy",
                None => "no MTA-STS policy",
            };
            let gateway = if doors.gateways.contains(&door.host) {
                ", gateway"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "  MX {:>3} {:<32} {policy}{gateway}",
                door.preference, door.host
            );
        }
    }

    out.push_str("\nAuthentication, checked afresh:\n");
    if let Some(spf) = &report.spf {
        let _ = writeln!(
            out,
            "  SPF   {} for {} from {}",
            spf.outcome.result, spf.outcome.domain, spf.ip
        );
    }
    for outcome in &report.dkim.outcomes {
        let domain = outcome.signing_domain.unwrap_or("?");
        let _ = writeln!(out, "  DKIM  {} d={domain}", outcome.result);
    }
    let dmarc = &report.dmarc;
    let author = dmarc.author_domain.as_deref().unwrap_or("?");
    let _ = writeln!(out, "  DMARC {} for {author}", dmarc.result);
    for field in &report.authentication_results {
        let id = field.authserv_id.as_deref().unwrap_or("(no id)");
        let _ = writeln!(
            out,
            "  A-R field {} by {id}: {} ({}): {}",
            field.field_index,
            field.trust,
            field.reason,
            field.results.join(" ")
        );
    }

    if !report.findings.is_empty() {
        out.push_str("\nFindings:\n");
    }
    for finding in &report.findings {
        let _ = writeln!(
            out,
            "  [{}] {}: {}",
            finding.severity, finding.code, finding.message
        );
        if let Some(evidence) = finding.evidence {
            let text =
                String::from_utf8_lossy(message.get(evidence.span.range()).unwrap_or_default());
            let first_line = text.lines().next().unwrap_or_default();
            let _ = writeln!(
                out,
                "      evidence: field {}: {first_line}",
                evidence.field_index
            );
        }
    }
    out
}

/// The one-line verdict.
fn verdict(report: &Report<'_>) -> String {
    let Some(entry) = &report.entry else {
        return "VERDICT: no entry hop could be placed; read the path below".to_owned();
    };
    let host = entry.host.as_deref().unwrap_or("an unnamed host");
    let preference = entry
        .mx_preference
        .map_or_else(String::new, |p| format!(" (MX preference {p})"));
    let what = match entry.classification {
        EntryClass::PrimaryMx => "an expected gateway".to_owned(),
        EntryClass::SecondaryMx => format!("a secondary MX host{preference}"),
        EntryClass::GhostMx => {
            format!("a ghost MX{preference} the policy does not cover: GATEWAY BYPASS")
        }
        EntryClass::OffMx => "not an MX host: direct delivery, GATEWAY BYPASS".to_owned(),
        EntryClass::Internal => "internal".to_owned(),
        EntryClass::Unknown => "not placed".to_owned(),
    };
    let count = report.findings.len();
    format!("VERDICT: entered at {host}, {what}; {count} finding(s)")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The analysis of the shipped case, as the README runs it.
    fn shipped_case() -> (Vec<u8>, Value) {
        let data = concat!(env!("CARGO_MANIFEST_DIR"), "/data/ghost-mx");
        let cli = Cli::parse_from([
            "analyze",
            "--zone",
            &format!("{data}/zone"),
            "--policy-dir",
            &format!("{data}/policies"),
            "--now",
            "2024-03-12T10:00:00Z",
            "--json",
            &format!("{data}/message.eml"),
        ]);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let text = runtime.block_on(run(&cli)).unwrap();
        (
            read_input(&cli.message).unwrap(),
            serde_json::from_str(&text).unwrap(),
        )
    }

    #[test]
    fn json_has_the_documented_keys_and_the_ghost_entry() {
        let (_, json) = shipped_case();
        for key in [
            "hops",
            "entry",
            "authentication_results",
            "spf",
            "dkim",
            "dmarc",
            "findings",
        ] {
            assert!(json.get(key).is_some(), "{key} missing");
        }
        let entry = &json["entry"];
        assert_eq!(entry["host"], "mta.old-vendor.com");
        assert_eq!(entry["classification"], "ghost_mx");
        assert_eq!(entry["mx_preference"], 50);
        assert_eq!(entry["hop"], 1);
        let codes: Vec<&str> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap())
            .collect();
        assert_eq!(
            codes,
            [
                "entry_via_ghost_mx",
                "gateway_bypass",
                "untrusted_authserv_id"
            ]
        );
        let finding = &json["findings"][0];
        for key in ["code", "severity", "message", "evidence"] {
            assert!(finding.get(key).is_some(), "finding key {key} missing");
        }
    }

    #[test]
    fn evidence_spans_point_at_the_fields_they_name() {
        let (message, json) = shipped_case();
        for finding in json["findings"].as_array().unwrap() {
            let span = &finding["evidence"]["span"];
            let (start, end) = (
                span["start"].as_u64().unwrap(),
                span["end"].as_u64().unwrap(),
            );
            let text = &message[start as usize..end as usize];
            assert!(
                text.starts_with(b"Received:") || text.starts_with(b"Authentication-Results:"),
                "{}",
                String::from_utf8_lossy(text)
            );
        }
    }
}
