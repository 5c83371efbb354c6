//! Evaluates DMARC (RFC 9989, or RFC 7489 with `--legacy-psl`) and explains
//! the verdict: the record and where the tree walk found it, the policy that
//! applies and why, the disposition, which identifiers aligned, and every
//! `_dmarc` name asked.
//!
//! ```text
//! cargo run --example dmarc -- [--zone FILE] [--json] [--legacy-psl] FILE --ip IP [--mail-from ADDR] [--helo NAME] [--now UNIX_SECONDS]
//! cargo run --example dmarc -- [--zone FILE] [--json] [--legacy-psl] --from-domain D [--spf RESULT:DOMAIN] [--dkim RESULT:DOMAIN]...
//! cargo run --example dmarc -- --zone examples/data/demo.zone --from-domain example.com --spf pass:bounce.example.com
//! ```
//!
//! The first form runs a receiver's whole pipeline on a message (FILE, `-`
//! for standard input): SPF for the client IP, the HELO name and the MAIL
//! FROM (default: the message's Return-Path; `""` is the null reverse-path),
//! DKIM on every signature at `--now` (default: the clock), then DMARC on
//! every author domain of From. The second evaluates outcomes given on the
//! command line, such as `--spf pass:example.com --dkim fail:example.com`.
//! Without `--zone`, the system resolver answers. Exit status: 0 when the
//! evaluation ran, whatever its result; 2 on bad usage or unreadable input.
//!
//! `--json` prints one object with the keys `result`, `policy`,
//! `policy_domain`, `organizational_domain`, `record`, `disposition`,
//! `testing`, `spf_aligned`, `dkim_aligned` (booleans), `reasons` and
//! `tree_walk` (each step `{name, purpose, found, detail}`), followed by
//! `author_domain`, `policy_source`, `dkim_aligned_domains` and
//! `other_authors`.

use std::net::IpAddr;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Parser;
use mailtrail_dkim::{DkimResult, VerifyOptions, verify};
use mailtrail_dmarc::{
    Authentication, Evaluator, Mode, Policy, PolicySource, SpfIdentity, Verdict, WalkPurpose,
    WalkStep,
};
use mailtrail_dns::Resolver;
use mailtrail_examples::{DnsOptions, read_input};
use mailtrail_message::{address, split};
use mailtrail_spf::{SpfResult, Verifier};
use serde::Serialize;

/// Evaluate DMARC for a message or for given SPF and DKIM outcomes.
#[derive(Debug, Parser)]
#[command(name = "dmarc", version)]
struct Cli {
    /// The message to evaluate end to end (`-` reads standard input).
    #[arg(value_name = "FILE", required_unless_present = "from_domain")]
    file: Option<String>,

    /// The client's IP address (with FILE).
    #[arg(long, value_name = "IP", requires = "file")]
    ip: Option<IpAddr>,

    /// The MAIL FROM reverse-path (with FILE; default: the Return-Path).
    #[arg(long, value_name = "ADDR", requires = "file")]
    mail_from: Option<String>,

    /// The HELO/EHLO name (with FILE).
    #[arg(long, value_name = "NAME", requires = "file")]
    helo: Option<String>,

    /// The verifier's clock for DKIM, in Unix seconds (with FILE).
    #[arg(long, value_name = "UNIX_SECONDS", requires = "file")]
    now: Option<u64>,

    /// The RFC5322.From domain to evaluate, instead of a message.
    #[arg(long, value_name = "D", conflicts_with = "file")]
    from_domain: Option<String>,

    /// An SPF outcome, RESULT:DOMAIN (with --from-domain).
    #[arg(long, value_name = "RESULT:DOMAIN", requires = "from_domain")]
    spf: Option<String>,

    /// A DKIM outcome, RESULT:DOMAIN, once per signature (with --from-domain).
    #[arg(long, value_name = "RESULT:DOMAIN", requires = "from_domain")]
    dkim: Vec<String>,

    /// Follow RFC 7489: the organizational domain from the public suffix list.
    #[arg(long)]
    legacy_psl: bool,

    #[command(flatten)]
    dns: DnsOptions,

    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// The JSON document printed with `--json`.
#[derive(Debug, Serialize)]
struct Report<'a> {
    result: &'static str,
    policy: Option<Policy>,
    policy_domain: Option<&'a str>,
    organizational_domain: Option<&'a str>,
    record: Option<String>,
    disposition: Policy,
    testing: bool,
    spf_aligned: bool,
    dkim_aligned: bool,
    reasons: &'a [String],
    tree_walk: &'a [WalkStep],
    author_domain: Option<&'a str>,
    policy_source: Option<PolicySource>,
    dkim_aligned_domains: &'a [String],
    other_authors: Vec<Self>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("dmarc: {message}");
            ExitCode::from(2)
        }
    }
}

/// Evaluates what the options describe and prints the verdict.
async fn run(cli: &Cli) -> Result<(), String> {
    let dns = cli.dns.build()?;
    let mode = if cli.legacy_psl {
        Mode::Rfc7489
    } else {
        Mode::Rfc9989
    };
    let evaluator = Evaluator::new(dns.resolver()).with_mode(mode);

    let verdict = match (&cli.file, &cli.from_domain) {
        (Some(file), _) => {
            let message = read_input(file)?;
            evaluate_message(dns.resolver(), &evaluator, cli, &message).await?
        }
        (None, Some(domain)) => {
            let auth = given_outcomes(cli)?;
            evaluator.evaluate(&[domain.as_str()], &auth).await
        }
        (None, None) => return Err("give FILE or --from-domain".to_owned()),
    };

    if cli.json {
        let text = serde_json::to_string_pretty(&report(&verdict)).map_err(|e| e.to_string())?;
        println!("{text}");
    } else {
        print_human(&verdict);
    }
    dns.finish()
}

/// The receiver's pipeline: SPF, DKIM, then DMARC on the message.
async fn evaluate_message<R: Resolver>(
    resolver: &R,
    evaluator: &Evaluator<'_, R>,
    cli: &Cli,
    message: &[u8],
) -> Result<Verdict, String> {
    let ip = cli.ip.ok_or("a message needs --ip, the client's address")?;
    let mail_from = match &cli.mail_from {
        Some(path) => path.clone(),
        None => address::return_path(&split(message)).unwrap_or_default(),
    };
    let now = cli.now.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs())
    });

    let verifier =
        Verifier::new(resolver).with_now(UNIX_EPOCH + std::time::Duration::from_secs(now));
    let spf = verifier
        .verify_mail_from(ip, cli.helo.as_deref(), &mail_from)
        .await;
    let dkim = verify(resolver, message, &VerifyOptions::new(now)).await;

    let auth = Authentication::from_outcomes(Some(&spf), &dkim);
    Ok(evaluator.evaluate_message(message, &auth).await)
}

/// The outcomes given with `--spf` and `--dkim`.
fn given_outcomes(cli: &Cli) -> Result<Authentication<'static>, String> {
    let mut auth = Authentication::new();
    if let Some(text) = &cli.spf {
        let (result, domain) = result_and_domain(text, "--spf")?;
        let result: SpfResult = result.parse().map_err(|e| format!("--spf {text:?}: {e}"))?;
        auth = auth.with_spf(result, domain.to_owned(), SpfIdentity::MailFrom);
    }
    for text in &cli.dkim {
        let (result, domain) = result_and_domain(text, "--dkim")?;
        let result =
            dkim_result(result).ok_or_else(|| format!("--dkim {text:?}: unknown result"))?;
        auth = auth.with_dkim(result, domain.to_owned());
    }
    Ok(auth)
}

/// Splits `RESULT:DOMAIN`.
fn result_and_domain<'t>(text: &'t str, flag: &str) -> Result<(&'t str, &'t str), String> {
    text.split_once(':')
        .filter(|(result, domain)| !result.is_empty() && !domain.is_empty())
        .ok_or_else(|| format!("{flag} {text:?}: expected RESULT:DOMAIN"))
}

/// A DKIM result word.
fn dkim_result(word: &str) -> Option<DkimResult> {
    [
        DkimResult::None,
        DkimResult::Pass,
        DkimResult::Fail,
        DkimResult::Policy,
        DkimResult::Neutral,
        DkimResult::TempError,
        DkimResult::PermError,
    ]
    .into_iter()
    .find(|result| result.as_str().eq_ignore_ascii_case(word))
}

/// The JSON object for a verdict.
fn report(verdict: &Verdict) -> Report<'_> {
    Report {
        result: verdict.result.as_str(),
        policy: verdict.policy,
        policy_domain: verdict.policy_domain.as_deref(),
        organizational_domain: verdict.organizational_domain.as_deref(),
        record: verdict.record.as_ref().map(ToString::to_string),
        disposition: verdict.disposition,
        testing: verdict.testing,
        spf_aligned: verdict.spf_aligned,
        dkim_aligned: !verdict.dkim_aligned.is_empty(),
        reasons: &verdict.reasons,
        tree_walk: &verdict.tree_walk,
        author_domain: verdict.author_domain.as_deref(),
        policy_source: verdict.policy_source,
        dkim_aligned_domains: &verdict.dkim_aligned,
        other_authors: verdict.other_authors.iter().map(report).collect(),
    }
}

/// The verdict for a reader.
fn print_human(verdict: &Verdict) {
    let author = verdict
        .author_domain
        .as_deref()
        .unwrap_or("(no author domain)");
    println!("dmarc={} for {author}", verdict.result);
    if let (Some(domain), Some(record)) = (&verdict.policy_domain, &verdict.record) {
        println!("  record at _dmarc.{domain}: {record}");
    }
    if let (Some(policy), Some(source)) = (verdict.policy, verdict.policy_source) {
        let why = match source {
            PolicySource::AuthorDomain => "p, the author domain's own record",
            PolicySource::ExistingSubdomain => "sp, an existing subdomain",
            PolicySource::NonexistentSubdomain => "np, a subdomain that does not exist",
        };
        let testing = if verdict.testing {
            ", testing (t=y)"
        } else {
            ""
        };
        println!(
            "  policy {policy} from {why}; disposition {}{testing}",
            verdict.disposition
        );
    }
    if let Some(organizational) = &verdict.organizational_domain {
        println!("  organizational domain {organizational}");
    }
    let dkim = if verdict.dkim_aligned.is_empty() {
        "none".to_owned()
    } else {
        verdict.dkim_aligned.join(", ")
    };
    println!(
        "  aligned: SPF {}, DKIM {dkim}",
        if verdict.spf_aligned { "yes" } else { "no" }
    );
    for reason in &verdict.reasons {
        println!("  - {reason}");
    }
    for step in &verdict.tree_walk {
        let purpose = match &step.purpose {
            WalkPurpose::Policy => "policy".to_owned(),
            WalkPurpose::OrganizationalDomain(domain) => format!("org of {domain}"),
        };
        let cached = if step.cached { " (cached)" } else { "" };
        println!(
            "  walk {purpose:<28} {:<32} {:?}{cached}: {}",
            step.name, step.found, step.detail
        );
    }
    for other in &verdict.other_authors {
        print_human(other);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailtrail_dns::ZoneResolver;

    const ZONE: &str = r#"
$TTL 300
_dmarc.example.com. TXT "v=DMARC1; p=reject; sp=quarantine"
"#;

    fn verdict(domain: &str, auth: &Authentication<'_>) -> Verdict {
        let zone: ZoneResolver = ZONE.parse().unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(Evaluator::new(&zone).evaluate(&[domain], auth))
    }

    #[test]
    fn json_has_the_documented_keys_in_order() {
        let verdict = verdict("example.com", &Authentication::new());
        let text = serde_json::to_string(&report(&verdict)).unwrap();
        let documented = [
            "result",
            "policy",
            "policy_domain",
            "organizational_domain",
            "record",
            "disposition",
            "testing",
            "spf_aligned",
            "dkim_aligned",
            "reasons",
            "tree_walk",
        ];
        let positions: Vec<usize> = documented
            .iter()
            .map(|key| {
                text.find(&format!("\"{key}\":"))
                    .unwrap_or_else(|| panic!("{key} missing"))
            })
            .collect();
        assert!(
            positions.windows(2).all(|pair| pair[0] < pair[1]),
            "keys in order: {text}"
        );

        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["result"], "fail");
        assert_eq!(json["record"], "v=DMARC1; p=reject; sp=quarantine");
        assert_eq!(json["tree_walk"][0]["name"], "_dmarc.example.com");
        assert_eq!(json["dkim_aligned"], false);
    }

    #[test]
    fn given_outcomes_are_read_from_result_colon_domain() {
        let cli = Cli::parse_from([
            "dmarc",
            "--from-domain",
            "example.com",
            "--spf",
            "pass:bounce.example.com",
            "--dkim",
            "fail:example.com",
            "--dkim",
            "PASS:example.com",
        ]);
        let auth = given_outcomes(&cli).unwrap();
        let verdict = verdict("example.com", &auth);
        assert!(verdict.spf_aligned);
        assert_eq!(verdict.dkim_aligned, ["example.com"]);

        let bad = Cli::parse_from(["dmarc", "--from-domain", "x.example", "--spf", "maybe"]);
        assert!(given_outcomes(&bad).is_err());
    }

    #[test]
    fn message_form_and_outcome_form_exclude_each_other() {
        assert!(Cli::try_parse_from(["dmarc", "m.eml", "--from-domain", "example.com"]).is_err());
        assert!(Cli::try_parse_from(["dmarc", "--spf", "pass:example.com"]).is_err());
    }
}
