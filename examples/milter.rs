//! A mail filter for Postfix or Sendmail: checks SPF, DKIM and DMARC on
//! every message, removes Authentication-Results fields that claim our
//! authserv-id, adds our own, and optionally rejects on DMARC and signs.
//!
//! ```text
//! cargo run --example milter -- --listen 127.0.0.1:PORT --authserv-id ID [--zone FILE]
//!     [--reject-on-dmarc] [--sign-domain D --selector S --key FILE]
//! ```
//!
//! In Postfix's `main.cf`:
//!
//! ```text
//! smtpd_milters = inet:127.0.0.1:PORT
//! milter_default_action = tempfail
//! ```
//!
//! Without `--zone` the system resolver answers; `--timeout` bounds each
//! lookup (a slow lookup gives `temperror`) and `--check-timeout` the
//! checks of one message. One line per message goes to standard error.
//! Exit status: 2 on bad usage, 1 when the listener fails.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use mailtrail_dkim::{KeyCache, SigningKey};
use mailtrail_examples::DnsOptions;
use mailtrail_examples::milter::{FilterConfig, SigningConfig, serve};
use tokio::net::TcpListener;

/// Verify, stamp and sign mail as a milter.
#[derive(Debug, Parser)]
#[command(name = "milter", version)]
struct Cli {
    /// The address to listen on for the MTA's milter connections.
    #[arg(long, value_name = "ADDR:PORT")]
    listen: SocketAddr,

    /// The authserv-id of the Authentication-Results field we write.
    #[arg(long, value_name = "ID")]
    authserv_id: String,

    #[command(flatten)]
    dns: DnsOptions,

    /// Reject (550 5.7.1) a message failing DMARC under p=reject (not t=y).
    #[arg(long)]
    reject_on_dmarc: bool,

    /// Sign messages whose From domain is this domain.
    #[arg(long, value_name = "D", requires_all = ["selector", "key"])]
    sign_domain: Option<String>,

    /// The selector to sign with.
    #[arg(long, value_name = "S", requires = "sign_domain")]
    selector: Option<String>,

    /// The private key to sign with (PEM, DER or an Ed25519 seed).
    #[arg(long, value_name = "FILE", requires = "sign_domain")]
    key: Option<PathBuf>,

    /// Seconds all checks of one message may take before it is stamped
    /// temperror and let through.
    #[arg(long, value_name = "SECONDS", default_value_t = 20.0)]
    check_timeout: f64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let (config, listener) = match setup(&cli).await {
        Ok(ready) => ready,
        Err(message) => {
            eprintln!("milter: {message}");
            return ExitCode::from(2);
        }
    };
    let resolver = match cli.dns.backend() {
        Ok(backend) => Arc::new(backend),
        Err(message) => {
            eprintln!("milter: {message}");
            return ExitCode::from(2);
        }
    };

    eprintln!("milter: listening on {}", cli.listen);
    match serve(listener, Arc::new(config), resolver).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("milter: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Reads the options into the filter's configuration and binds the port.
async fn setup(cli: &Cli) -> Result<(FilterConfig, TcpListener), String> {
    if cli.dns.record.is_some() {
        return Err("--record is not for a long-running filter".to_owned());
    }
    let seconds = |value: f64, flag: &str| {
        Duration::try_from_secs_f64(value).map_err(|_| format!("{flag} {value} is not a duration"))
    };
    let config = FilterConfig {
        authserv_id: cli.authserv_id.clone(),
        reject_on_dmarc: cli.reject_on_dmarc,
        signing: signing(cli)?,
        lookup_timeout: seconds(cli.dns.timeout, "--timeout")?,
        check_timeout: seconds(cli.check_timeout, "--check-timeout")?,
        log: true,
        key_cache: KeyCache::default(),
    };

    let listener = TcpListener::bind(cli.listen)
        .await
        .map_err(|error| format!("cannot listen on {}: {error}", cli.listen))?;
    Ok((config, listener))
}

/// The signing key and names, when `--sign-domain` was given.
fn signing(cli: &Cli) -> Result<Option<SigningConfig>, String> {
    let (Some(domain), Some(selector), Some(path)) = (&cli.sign_domain, &cli.selector, &cli.key)
    else {
        return Ok(None);
    };
    let bytes =
        std::fs::read(path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let key = SigningKey::from_bytes(&bytes)
        .map_err(|error| format!("{} is not a signing key: {error}", path.display()))?;

    Ok(Some(SigningConfig {
        key,
        domain: domain.clone(),
        selector: selector.clone(),
    }))
}
