//! Pieces shared by mailtrail's example binaries: how they choose and record
//! their DNS, how they read their input, and how they report errors. The
//! binaries themselves live beside this folder's `Cargo.toml` and run with
//! `cargo run --example NAME`.

#![forbid(unsafe_code)]

pub mod milter;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use jiff::SignedDuration;
use mailtrail_dns::{
    Answer, DnsError, Mx, RecordingResolver, Resolver, SystemResolver, Txt, ZoneResolver,
};
use mailtrail_mtasts::{
    Discovery, FetchError, HttpsFetcher, MemoryCache, PolicyFetcher, RootCertStore, normalize_host,
};
use mailtrail_received::Hop;

/// Command-line options that pick the DNS an example uses.
#[derive(Debug, Clone, Args)]
pub struct DnsOptions {
    /// Answer from this master file instead of live DNS (`;@` annotations
    /// give failures).
    #[arg(long, value_name = "FILE")]
    pub zone: Option<PathBuf>,

    /// Ask this name server (IP or IP:PORT) instead of /etc/resolv.conf's.
    #[arg(long, value_name = "ADDR", conflicts_with = "zone")]
    pub server: Vec<String>,

    /// Seconds one attempt waits for an answer.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub timeout: f64,

    /// Write every answer and error seen to this master file, for replay with
    /// `--zone`.
    #[arg(long, value_name = "OUT")]
    pub record: Option<PathBuf>,
}

/// The DNS an example asked for: live or from a zone file, recorded.
#[derive(Debug)]
pub struct ExampleDns {
    resolver: RecordingResolver<Backend>,
    record: Option<PathBuf>,
}

/// Either backend, chosen at run time: live DNS or a zone file.
#[derive(Debug)]
pub enum Backend {
    /// The system's resolver, or the servers given with `--server`.
    System(Box<SystemResolver>),
    /// The master file given with `--zone`.
    Zone(Box<ZoneResolver>),
}

impl DnsOptions {
    /// Builds the resolver these options describe.
    pub fn build(&self) -> Result<ExampleDns, String> {
        Ok(ExampleDns {
            resolver: RecordingResolver::new(self.backend()?),
            record: self.record.clone(),
        })
    }

    /// The backend these options describe, without recording: for
    /// long-running tools, where a recording would grow without end.
    pub fn backend(&self) -> Result<Backend, String> {
        match &self.zone {
            Some(path) => ZoneResolver::from_path(path)
                .map(|zone| Backend::Zone(Box::new(zone)))
                .map_err(|error| error.to_string()),
            None => Ok(Backend::System(Box::new(self.system_resolver()?))),
        }
    }

    /// A live resolver with the configured servers and timeout.
    fn system_resolver(&self) -> Result<SystemResolver, String> {
        let timeout = Duration::try_from_secs_f64(self.timeout)
            .map_err(|_| format!("--timeout {} is not a duration", self.timeout))?;
        let servers = self
            .server
            .iter()
            .map(|text| parse_server(text))
            .collect::<Result<Vec<_>, _>>()?;
        SystemResolver::builder()
            .name_servers(servers)
            .timeout(timeout)
            .build()
            .map_err(|error| error.to_string())
    }
}

/// Parses `IP`, `IP:PORT` or `[IPv6]:PORT`; the port defaults to 53.
pub fn parse_server(text: &str) -> Result<SocketAddr, String> {
    if let Ok(address) = text.parse::<SocketAddr>() {
        return Ok(address);
    }
    text.parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| format!("--server {text:?} is not IP, IP:PORT or [IPv6]:PORT"))
}

impl ExampleDns {
    /// The resolver to query.
    pub fn resolver(&self) -> &impl Resolver {
        &self.resolver
    }

    /// Writes the recording if `--record` asked for it.
    pub fn finish(&self) -> Result<(), String> {
        let Some(path) = &self.record else {
            return Ok(());
        };
        self.resolver
            .write_master_file(path)
            .map_err(|error| format!("cannot write {}: {error}", path.display()))
    }
}

/// Delegates one lookup to whichever backend is in use.
macro_rules! delegate {
    ($self:ident, $method:ident, $arg:expr) => {
        match $self {
            Backend::System(inner) => inner.$method($arg).await,
            Backend::Zone(inner) => inner.$method($arg).await,
        }
    };
}

impl Resolver for Backend {
    async fn txt(&self, name: &str) -> Result<Answer<Txt>, DnsError> {
        delegate!(self, txt, name)
    }

    async fn a(&self, name: &str) -> Result<Answer<Ipv4Addr>, DnsError> {
        delegate!(self, a, name)
    }

    async fn aaaa(&self, name: &str) -> Result<Answer<Ipv6Addr>, DnsError> {
        delegate!(self, aaaa, name)
    }

    async fn mx(&self, name: &str) -> Result<Answer<Mx>, DnsError> {
        delegate!(self, mx, name)
    }

    async fn ptr(&self, ip: IpAddr) -> Result<Answer<String>, DnsError> {
        delegate!(self, ptr, ip)
    }
}

/// Reads a message or header block from the file at `path`, or from
/// standard input when `path` is `-`.
pub fn read_input(path: &str) -> Result<Vec<u8>, String> {
    if path == "-" {
        let mut input = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut input)
            .map_err(|error| format!("cannot read standard input: {error}"))?;
        return Ok(input);
    }

    std::fs::read(path).map_err(|error| format!("cannot read {path}: {error}"))
}

/// Ends an example that renders its whole output first: writes the output
/// (a closed pipe, as with `| head`, is not an error worth reporting) and
/// exits 0, or writes the error as `NAME: error` and exits 2.
pub fn finish(name: &str, outcome: Result<String, String>) -> std::process::ExitCode {
    use std::io::Write as _;

    match outcome {
        Ok(output) => {
            let _ = std::io::stdout().lock().write_all(output.as_bytes());
            std::process::ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("{name}: {message}");
            std::process::ExitCode::from(2)
        }
    }
}

/// Command-line options that choose where MTA-STS policies come from.
#[derive(Debug, Clone, Args)]
pub struct MtaStsOptions {
    /// Read `DIR/<policy-domain>.txt` as the policy body instead of fetching
    /// it over HTTPS.
    #[arg(long, value_name = "DIR")]
    pub policy_dir: Option<PathBuf>,

    /// Trust the PEM certificates in FILE instead of Mozilla's roots.
    #[arg(long, value_name = "FILE", conflicts_with = "policy_dir")]
    pub ca: Option<PathBuf>,

    /// Let the HTTPS fetcher connect to loopback and private addresses.
    #[arg(long)]
    pub allow_private_addresses: bool,
}

/// The policy fetcher the options chose.
#[derive(Debug)]
pub enum ExampleFetcher<R> {
    /// Over HTTPS, as senders fetch policies.
    Https(HttpsFetcher<R>),
    /// From `DIR/<policy-domain>.txt`.
    Directory(PathBuf),
}

impl MtaStsOptions {
    /// The fetcher these options describe, resolving through `resolver`.
    pub fn fetcher<R: Resolver>(&self, resolver: R) -> Result<ExampleFetcher<R>, String> {
        if let Some(folder) = &self.policy_dir {
            return Ok(ExampleFetcher::Directory(folder.clone()));
        }
        let mut https =
            HttpsFetcher::new(resolver).refuse_private_addresses(!self.allow_private_addresses);
        if let Some(path) = &self.ca {
            https = https.with_roots(read_roots(path)?);
        }
        Ok(ExampleFetcher::Https(https))
    }

    /// Policy discovery (DNS, the fetcher, a fresh cache) for the facade.
    pub fn build<R: Resolver + Copy>(
        &self,
        resolver: R,
    ) -> Result<Discovery<R, ExampleFetcher<R>, MemoryCache>, String> {
        Ok(Discovery::new(
            resolver,
            self.fetcher(resolver)?,
            MemoryCache::new(),
        ))
    }
}

impl<R: Resolver> PolicyFetcher for ExampleFetcher<R> {
    async fn fetch(&self, policy_domain: &str) -> Result<String, FetchError> {
        match self {
            Self::Https(https) => https.fetch(policy_domain).await,
            Self::Directory(folder) => read_policy_file(folder, policy_domain),
        }
    }
}

/// Reads `DIR/<domain>.txt`, the domain in lowercase A-labels.
fn read_policy_file(folder: &Path, policy_domain: &str) -> Result<String, FetchError> {
    let name = normalize_host(policy_domain)
        .map_or_else(|| policy_domain.to_owned(), |name| name.into_owned());
    let path = folder.join(format!("{name}.txt"));
    std::fs::read_to_string(&path).map_err(|error| FetchError::Unavailable {
        detail: format!("cannot read {}: {error}", path.display()),
    })
}

/// The root store of the PEM certificates in a file.
fn read_roots(path: &Path) -> Result<RootCertStore, String> {
    use mailtrail_mtasts::rustls::pki_types::CertificateDer;
    use mailtrail_mtasts::rustls::pki_types::pem::PemObject;

    let mut roots = RootCertStore::empty();
    for certificate in CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?
    {
        let certificate = certificate.map_err(|e| format!("{}: {e}", path.display()))?;
        roots
            .add(certificate)
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    match roots.is_empty() {
        true => Err(format!("{} holds no certificate", path.display())),
        false => Ok(roots),
    }
}

/// One hop: time, delay, sender → receiver, protocol and TLS.
pub fn hop_line(hop: &Hop<'_>) -> String {
    let Some(received) = hop.received() else {
        let error = hop
            .error()
            .map(|error| error.to_string())
            .unwrap_or_default();
        return format!("unreadable: {error}");
    };

    let time = received
        .date()
        .map_or_else(|| "(no date)".to_string(), |date| date.value.to_string());
    let delay = hop.delay().map_or(String::new(), format_delay);
    let local_user = received
        .local_user()
        .map(|user| format!("local user {}", user.value));
    let sender_name = received
        .helo()
        .or_else(|| received.from_name())
        .map(|name| name.value);
    let sender = peer(
        sender_name.or(local_user.as_deref()),
        received.reverse_dns().map(|name| name.value),
        received.from_ip().map(|ip| ip.value),
    );
    let receiver = peer(
        received.by().map(|by| by.value),
        None,
        received.by_ip().map(|ip| ip.value),
    );
    let protocol = received
        .with()
        .map_or_else(|| "-".to_string(), |with| with.value.to_string());
    let tls = match (received.tls_version(), received.tls_cipher()) {
        (Some(version), Some(cipher)) => format!(" {} {}", version.value, cipher.value),
        (Some(version), None) => format!(" {}", version.value),
        (None, Some(cipher)) => format!(" {}", cipher.value),
        (None, None) => String::new(),
    };

    format!("{time:<20}  {delay:>9}  {sender} → {receiver}  {protocol}{tls}")
}

/// A host as `name (rdns) [ip]`, or `?` when nothing is known.
pub fn peer(name: Option<&str>, reverse_dns: Option<&str>, ip: Option<IpAddr>) -> String {
    let mut text = name.unwrap_or("?").to_string();

    if let Some(reverse_dns) = reverse_dns.filter(|rdns| Some(*rdns) != name) {
        text.push_str(&format!(" ({reverse_dns})"));
    }
    if let Some(ip) = ip.filter(|ip| name.is_none_or(|name| !name.contains(&ip.to_string()))) {
        text.push_str(&format!(" [{ip}]"));
    }

    text
}

/// A delay as `+1m 5s`, negative ones as `-10s`.
pub fn format_delay(delay: SignedDuration) -> String {
    if delay.is_negative() {
        format!("-{:#}", delay.abs())
    } else {
        format!("+{delay:#}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_start_zone_holds_the_records_the_readme_uses() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo.zone");
        let zone = ZoneResolver::from_path(path).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();

        let spf = runtime.block_on(zone.txt("example.org")).unwrap();
        assert!(spf.records[0].to_text().starts_with("v=spf1 "));
        let key = runtime
            .block_on(zone.txt("demo._domainkey.example.org"))
            .unwrap();
        assert!(key.records[0].to_text().contains("k=ed25519"));
        let slow = runtime.block_on(zone.txt("slow.example.org")).unwrap_err();
        assert!(slow.is_temporary());
    }

    #[test]
    fn servers_take_an_optional_port() {
        assert_eq!(
            parse_server("192.0.2.53").unwrap(),
            "192.0.2.53:53".parse().unwrap()
        );
        assert_eq!(
            parse_server("127.0.0.1:5353").unwrap(),
            "127.0.0.1:5353".parse().unwrap()
        );
        assert_eq!(parse_server("[2001:db8::53]:54").unwrap().port(), 54);
        assert_eq!(parse_server("2001:db8::53").unwrap().port(), 53);
        assert!(parse_server("ns.example.com").is_err());
    }

    #[test]
    fn input_is_read_from_a_file_and_a_missing_file_is_named() {
        let path = std::env::temp_dir().join(format!("mailtrail-input-{}.eml", std::process::id()));
        std::fs::write(&path, b"Subject: hi\r\n\r\n").unwrap();

        let read = read_input(path.to_str().unwrap());
        std::fs::remove_file(&path).unwrap();

        assert_eq!(read.unwrap(), b"Subject: hi\r\n\r\n");
        let missing = read_input("/nonexistent/mailtrail.eml").unwrap_err();
        assert!(missing.starts_with("cannot read /nonexistent/mailtrail.eml"));
    }
}
