//! Reads a domain's MTA-STS posture (RFC 8461) and its TLS-RPT record (RFC
//! 8460): the `_mta-sts` record, the policy, each MX host's verdict under it;
//! or checks a record or a policy file offline.
//!
//! ```text
//! cargo run --example mtasts -- [--zone FILE] [--policy-dir DIR] [--ca FILE] [--json] DOMAIN
//! cargo run --example mtasts -- [--json] --parse-record TEXT
//! cargo run --example mtasts -- [--json] --parse-policy FILE [--match HOST]...
//! cargo run --example mtasts -- --zone examples/data/mtasts.zone --policy-dir examples/data/mtasts example.com
//! ```
//!
//! The first form looks up `_mta-sts.DOMAIN`, fetches the policy from
//! `https://mta-sts.DOMAIN/.well-known/mta-sts.txt` (or, with
//! `--policy-dir`, reads `DIR/DOMAIN.txt` as the body served), looks up the
//! MX set and `_smtp._tls.DOMAIN`, and prints the policy and each MX host's
//! verdict. `--ca FILE` trusts the PEM certificates in FILE instead of
//! Mozilla's roots; the fetcher refuses policy hosts at addresses that are
//! not public unless `--allow-private-addresses` is given. With `--json` it
//! prints `{"record", "policy", "mx": [{"preference", "host", "allowed"}],
//! "tls_rpt", "errors": [...]}`.
//!
//! The offline forms parse TEXT as an `_mta-sts` record, or FILE (`-` for
//! standard input) as a policy and match each `--match` host against it;
//! with `--json` they print `{"valid", "error", "parsed", "matches":
//! [{"host", "matched"}]}`. Add `--strict` to refuse tolerated deviations.
//!
//! Exit status: 0 when the lookup ran or the text is valid, 1 when the text
//! is invalid, 2 on bad usage or unreadable input.

use std::process::ExitCode;
use std::time::SystemTime;

use clap::Parser;
use mailtrail_dns::Resolver;
use mailtrail_examples::{DnsOptions, MtaStsOptions, read_input};
use mailtrail_mtasts::{
    Discovery, MemoryCache, Policy, PolicyFetcher, StsRecord, TlsRptRecord, find_tls_rpt_record,
};
use serde::Serialize;

/// Read a domain's MTA-STS policy and MX verdicts, or check one offline.
#[derive(Debug, Parser)]
#[command(name = "mtasts", version)]
struct Cli {
    /// The domain whose posture to read.
    #[arg(value_name = "DOMAIN", required_unless_present_any = ["parse_record", "parse_policy"])]
    domain: Option<String>,

    /// Parse TEXT as an `_mta-sts` record.
    #[arg(long, value_name = "TEXT", conflicts_with_all = ["domain", "parse_policy"])]
    parse_record: Option<String>,

    /// Parse FILE (`-`: standard input) as a policy.
    #[arg(long, value_name = "FILE", conflicts_with = "domain")]
    parse_policy: Option<String>,

    /// A host to match against the policy (with --parse-policy).
    #[arg(long = "match", value_name = "HOST", requires = "parse_policy")]
    hosts: Vec<String>,

    /// Refuse what the lenient parsers tolerate (with --parse-*).
    #[arg(long)]
    strict: bool,

    #[command(flatten)]
    dns: DnsOptions,

    #[command(flatten)]
    mta_sts: MtaStsOptions,

    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// The JSON printed for a domain.
#[derive(Debug, Serialize)]
struct DomainReport<'a> {
    record: Option<&'a StsRecord<'static>>,
    policy: Option<&'a Policy<'static>>,
    mx: Vec<MxReport>,
    tls_rpt: Option<TlsRptRecord<'static>>,
    errors: Vec<String>,
}

/// One MX host in the JSON.
#[derive(Debug, Serialize)]
struct MxReport {
    preference: u16,
    host: String,
    /// `null` when no policy is in force.
    allowed: Option<bool>,
}

/// The JSON printed by the offline forms.
#[derive(Debug, Serialize)]
struct ParseReport<T: Serialize> {
    valid: bool,
    error: Option<String>,
    parsed: Option<T>,
    matches: Vec<MatchReport>,
}

/// One `--match` host in the JSON.
#[derive(Debug, Serialize)]
struct MatchReport {
    host: String,
    matched: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match (&cli.parse_record, &cli.parse_policy, &cli.domain) {
        (Some(text), _, _) => print_parse(&cli, parse_record(text, cli.strict)),
        (None, Some(file), _) => match read_input(file).and_then(into_text) {
            Ok(text) => print_parse(&cli, parse_policy(&text, &cli.hosts, cli.strict)),
            Err(message) => Err(message),
        },
        (None, None, Some(domain)) => run(&cli, domain).await.map(|()| true),
        (None, None, None) => Err("give DOMAIN, --parse-record or --parse-policy".to_owned()),
    };

    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("mtasts: {message}");
            ExitCode::from(2)
        }
    }
}

/// Looks the domain up and prints its posture.
async fn run(cli: &Cli, domain: &str) -> Result<(), String> {
    let dns = cli.dns.build()?;
    let fetcher = cli.mta_sts.fetcher(dns.resolver())?;

    let report = inspect(dns.resolver(), &fetcher, domain).await;
    if cli.json {
        let text = serde_json::to_string_pretty(&report.json()).map_err(|e| e.to_string())?;
        println!("{text}");
    } else {
        report.print();
    }
    dns.finish()
}

/// What the lookup of one domain found.
struct Inspection {
    discovered: mailtrail_mtasts::Discovered,
    mx: Vec<(u16, String)>,
    tls_rpt: Option<TlsRptRecord<'static>>,
    errors: Vec<String>,
}

/// Discovers the policy, and reads the MX set and the TLS-RPT record.
async fn inspect<R: Resolver, F: PolicyFetcher>(
    resolver: &R,
    fetcher: &F,
    domain: &str,
) -> Inspection {
    let cache = MemoryCache::new();
    let discovered = Discovery::new(resolver, fetcher, &cache)
        .discover(domain, SystemTime::now())
        .await;
    let mut errors: Vec<String> = discovered
        .problems
        .iter()
        .map(ToString::to_string)
        .collect();
    let domain = discovered.policy_domain.clone();

    let mx = match resolver.mx(&domain).await {
        Ok(answer) => answer
            .records
            .iter()
            .map(|mx| (mx.preference, mx.exchange.clone()))
            .collect(),
        Err(error) => {
            errors.push(format!("MX lookup: {error}"));
            Vec::new()
        }
    };

    let tls_rpt = match resolver.txt(&format!("_smtp._tls.{domain}")).await {
        Ok(answer) => {
            let texts: Vec<String> = answer.records.iter().map(|txt| txt.to_text()).collect();
            find_tls_rpt_record(texts.iter().map(String::as_str))
                .map(TlsRptRecord::into_owned)
                .map_err(|error| errors.push(format!("_smtp._tls record: {error}")))
                .ok()
        }
        Err(error) if error.is_void() => None,
        Err(error) => {
            errors.push(format!("_smtp._tls lookup: {error}"));
            None
        }
    };

    Inspection {
        discovered,
        mx,
        tls_rpt,
        errors,
    }
}

impl Inspection {
    fn policy(&self) -> Option<&Policy<'static>> {
        self.discovered.policy.as_ref().map(|entry| &entry.policy)
    }

    fn json(&self) -> DomainReport<'_> {
        let mx = self
            .mx
            .iter()
            .map(|(preference, host)| MxReport {
                preference: *preference,
                host: host.clone(),
                allowed: self.policy().map(|policy| policy.allows(host)),
            })
            .collect();
        DomainReport {
            record: self.discovered.record.as_ref(),
            policy: self.policy(),
            mx,
            tls_rpt: self.tls_rpt.clone(),
            errors: self.errors.clone(),
        }
    }

    fn print(&self) {
        println!("domain:  {}", self.discovered.policy_domain);
        match &self.discovered.record {
            Some(record) => println!("record:  {record}"),
            None => println!("record:  none"),
        }
        match self.policy() {
            Some(policy) => {
                println!(
                    "policy:  mode {}, max_age {} ({})",
                    policy.mode, policy.max_age, self.discovered.source
                );
                for pattern in &policy.mx {
                    println!("         mx: {pattern}");
                }
                for verdict in policy.check_mx(self.mx.iter().map(|(p, h)| (*p, h.as_str()))) {
                    let allowed = if verdict.allowed {
                        "allowed"
                    } else {
                        "NOT ALLOWED"
                    };
                    println!(
                        "mx {:>5} {}: {allowed}, {}",
                        verdict.preference, verdict.host, verdict.delivery
                    );
                }
            }
            None => {
                println!("policy:  none (deliver as without MTA-STS)");
                for (preference, host) in &self.mx {
                    println!("mx {preference:>5} {host}");
                }
            }
        }
        match &self.tls_rpt {
            Some(record) => println!("tls-rpt: {record}"),
            None => println!("tls-rpt: none"),
        }
        for error in &self.errors {
            println!("error:   {error}");
        }
    }
}

/// Checks a record.
fn parse_record(text: &str, strict: bool) -> ParseReport<StsRecord<'_>> {
    let parsed = if strict {
        StsRecord::parse_strict(text)
    } else {
        StsRecord::parse(text)
    };
    match parsed {
        Ok(record) => ParseReport {
            valid: true,
            error: None,
            parsed: Some(record),
            matches: Vec::new(),
        },
        Err(error) => ParseReport {
            valid: false,
            error: Some(error.to_string()),
            parsed: None,
            matches: Vec::new(),
        },
    }
}

/// Checks a policy and matches the hosts against it.
fn parse_policy<'a>(text: &'a str, hosts: &[String], strict: bool) -> ParseReport<Policy<'a>> {
    let parsed = if strict {
        Policy::parse_strict(text)
    } else {
        Policy::parse(text)
    };
    let policy = match parsed {
        Ok(policy) => policy,
        Err(error) => {
            return ParseReport {
                valid: false,
                error: Some(error.to_string()),
                parsed: None,
                matches: Vec::new(),
            };
        }
    };

    let matches = hosts
        .iter()
        .map(|host| MatchReport {
            host: host.clone(),
            matched: policy.allows(host),
        })
        .collect();
    ParseReport {
        valid: true,
        error: None,
        parsed: Some(policy),
        matches,
    }
}

/// Prints an offline report; says whether the text was valid.
fn print_parse<T: Serialize + std::fmt::Display>(
    cli: &Cli,
    report: ParseReport<T>,
) -> Result<bool, String> {
    if cli.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        );
        return Ok(report.valid);
    }

    match (&report.parsed, &report.error) {
        (Some(parsed), _) => println!("valid:\n{parsed}"),
        (None, error) => println!("invalid: {}", error.as_deref().unwrap_or("")),
    }
    for found in &report.matches {
        println!(
            "{}: {}",
            found.host,
            if found.matched {
                "matches"
            } else {
                "does not match"
            }
        );
    }
    Ok(report.valid)
}

/// The input as UTF-8 text.
fn into_text(bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|_| "the policy is not UTF-8".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailtrail_dns::ZoneResolver;
    use mailtrail_mtasts::StaticFetcher;

    const ZONE: &str = r#"
$TTL 300
example.com.           MX  10 mx1.example.com.
example.com.           MX  50 legacy.example.net.
_mta-sts.example.com.  TXT "v=STSv1; id=20240501"
_smtp._tls.example.com. TXT "v=TLSRPTv1; rua=mailto:tls@example.com"
"#;

    /// Checks that the top-level keys come first and in this order.
    fn assert_in_order(text: &str, keys: &[&str]) {
        let positions: Vec<usize> = keys
            .iter()
            .map(|key| {
                text.find(&format!("\"{key}\":"))
                    .unwrap_or_else(|| panic!("no {key}"))
            })
            .collect();
        assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "{text}");
        assert!(text.starts_with(&format!("{{\"{}\":", keys[0])), "{text}");
    }

    fn inspection() -> Inspection {
        let zone: ZoneResolver = ZONE.parse().unwrap();
        let mut fetcher = StaticFetcher::new();
        fetcher.insert(
            "example.com",
            "version: STSv1\nmode: enforce\nmx: *.example.com\nmax_age: 86400\n",
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(inspect(&zone, &fetcher, "example.com"))
    }

    #[test]
    fn domain_json_has_the_documented_keys_and_verdicts() {
        let text = serde_json::to_string(&inspection().json()).unwrap();
        assert_in_order(&text, &["record", "policy", "mx", "tls_rpt", "errors"]);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();

        assert_eq!(value["record"]["id"], "20240501");
        assert_eq!(value["policy"]["mode"], "enforce");
        assert_eq!(
            value["mx"][0],
            serde_json::json!({"preference": 10, "host": "mx1.example.com", "allowed": true})
        );
        assert_eq!(value["mx"][1]["allowed"], false);
        assert_eq!(value["tls_rpt"]["rua"][0]["mailto"], "tls@example.com");
        assert_eq!(value["errors"], serde_json::json!([]));
    }

    #[test]
    fn offline_policy_json_has_the_documented_keys_and_matches() {
        let report = parse_policy(
            "version: STSv1\nmode: testing\nmx: *.example.com\nmax_age: 60\n",
            &["mx.example.com".to_owned(), "a.mx.example.com".to_owned()],
            false,
        );
        let text = serde_json::to_string(&report).unwrap();
        assert_in_order(&text, &["valid", "error", "parsed", "matches"]);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["matches"][0]["matched"], true);
        assert_eq!(value["matches"][1]["matched"], false);
    }

    #[test]
    fn an_invalid_record_reports_its_error() {
        let report = parse_record("v=STSv1; id=test-123", false);
        assert!(!report.valid);
        assert!(report.error.unwrap().contains("id field"));
    }
}
