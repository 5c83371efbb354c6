//! Which doors does this domain leave open? The audit of one domain, read
//! as an attacker would: MX hosts with their addresses and MTA-STS coverage
//! (the ghost door), the MTA-STS policy and mode, TLS-RPT, SPF with its
//! lookup count, DMARC by the tree walk, and each weakness with its remedy.
//!
//! ```text
//! cargo run --example audit -- [--zone FILE] [--policy-dir DIR] [--record OUT] [--json] DOMAIN
//! cargo run --example audit -- --zone examples/data/ghost-mx/zone \
//!     --policy-dir examples/data/ghost-mx/policies ourcompany.com
//! ```
//!
//! `--policy-dir DIR` serves MTA-STS policy bodies from
//! `DIR/<policy-domain>.txt` instead of HTTPS. `--record OUT` writes every
//! DNS answer seen; replaying it with `--zone OUT` gives the same audit.
//! Exit status: 0 when the audit ran, whatever it found; 2 on bad usage.
//!
//! `--json` prints `{"domain", "mx": [{"preference", "host", "addresses",
//! "mta_sts_allowed"}], "mta_sts", "tls_rpt", "spf", "dmarc", "findings":
//! [...]}` (with `mta_sts_problem` after `mta_sts`).

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::SystemTime;

use clap::Parser;
use mailtrail::{Audit, audit};
use mailtrail_examples::{DnsOptions, MtaStsOptions, finish};

/// Audit a domain's inbound doors and sender policies.
#[derive(Debug, Parser)]
#[command(name = "audit", version)]
struct Cli {
    /// The domain.
    #[arg(value_name = "DOMAIN")]
    domain: String,

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
    finish("audit", run(&cli).await)
}

/// Runs the audit and renders it.
async fn run(cli: &Cli) -> Result<String, String> {
    let dns = cli.dns.build()?;
    let mta_sts = cli.mta_sts.build(dns.resolver())?;
    let audit = audit(dns.resolver(), &mta_sts, &cli.domain, SystemTime::now()).await;
    dns.finish()?;

    if cli.json {
        let text = serde_json::to_string_pretty(&audit).map_err(|error| error.to_string())?;
        return Ok(text + "\n");
    }
    Ok(human(&audit))
}

/// The audit for a reader: the verdict, the doors, the policies, the fixes.
fn human(audit: &Audit) -> String {
    let mut out = String::new();
    let worst = audit.findings.first().map_or_else(
        || "nothing to fix".to_owned(),
        |finding| format!("{} ({})", finding.code, finding.severity),
    );
    let _ = writeln!(
        out,
        "AUDIT of {}: {} finding(s); worst: {worst}",
        audit.domain,
        audit.findings.len()
    );

    out.push_str("\nDoors:\n");
    for door in &audit.mx {
        let addresses: Vec<String> = door.addresses.iter().map(ToString::to_string).collect();
        let addresses = if addresses.is_empty() {
            "NO ADDRESS".to_owned()
        } else {
            addresses.join(", ")
        };
        let policy = match door.mta_sts_allowed {
            Some(true) => "in MTA-STS policy",
            Some(false) => "NOT in MTA-STS policy",
            None => "no MTA-STS policy",
        };
        let _ = writeln!(
            out,
            "  MX {:>3} {:<32} {addresses:<24} {policy}",
            door.preference, door.host
        );
    }

    out.push_str("\nPolicies:\n");
    let mta_sts = match (&audit.mta_sts, &audit.mta_sts_problem) {
        (Some(policy), _) => format!("mode {}, mx {}", policy.mode, policy.mx.join(", ")),
        (None, Some(problem)) => format!("unreachable: {problem}"),
        (None, None) => "none".to_owned(),
    };
    let _ = writeln!(out, "  MTA-STS  {mta_sts}");
    let _ = writeln!(
        out,
        "  TLS-RPT  {}",
        audit.tls_rpt.as_deref().unwrap_or("none")
    );
    let spf = match (&audit.spf.record, &audit.spf.error) {
        (_, Some(error)) => format!("unusable: {error}"),
        (Some(record), None) => format!("{record} ({} DNS lookups)", audit.spf.dns_lookups),
        (None, None) => "none".to_owned(),
    };
    let _ = writeln!(out, "  SPF      {spf}");
    let dmarc = match (&audit.dmarc.record, &audit.dmarc.policy_domain) {
        (Some(record), Some(domain)) => format!("{record} (at _dmarc.{domain})"),
        _ => audit
            .dmarc
            .problem
            .clone()
            .unwrap_or_else(|| "none".to_owned()),
    };
    let _ = writeln!(out, "  DMARC    {dmarc}");

    if !audit.findings.is_empty() {
        out.push_str("\nFindings:\n");
    }
    for finding in &audit.findings {
        let _ = writeln!(
            out,
            "  [{}] {}: {}",
            finding.severity, finding.code, finding.message
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_has_the_documented_keys_and_the_ghost_door() {
        let data = concat!(env!("CARGO_MANIFEST_DIR"), "/data/ghost-mx");
        let cli = Cli::parse_from([
            "audit",
            "--zone",
            &format!("{data}/zone"),
            "--policy-dir",
            &format!("{data}/policies"),
            "--json",
            "ourcompany.com",
        ]);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&runtime.block_on(run(&cli)).unwrap()).unwrap();

        for key in [
            "domain", "mx", "mta_sts", "tls_rpt", "spf", "dmarc", "findings",
        ] {
            assert!(json.get(key).is_some(), "{key} missing");
        }
        let ghost = &json["mx"][2];
        assert_eq!(ghost["host"], "mta.old-vendor.com");
        assert_eq!(ghost["preference"], 50);
        assert_eq!(ghost["mta_sts_allowed"], false);
        assert_eq!(ghost["addresses"][0], "203.0.113.50");
        assert_eq!(json["findings"][0]["code"], "mx_not_in_mta_sts_policy");
    }
}
