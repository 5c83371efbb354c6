//! Domain audits: the shipped ghost-MX zone, and zones written for each
//! finding the audit can raise.

use std::path::Path;

use mailtrail::{Audit, MtaStsLookup, MtaStsSource, MtaStsView, NoMtaSts, audit};
use mailtrail_dmarc::Policy;
use mailtrail_dns::ZoneResolver;

/// A policy in `mode` naming `mx1/mx2.new-seg-vendor.com` for every domain.
struct SegPolicy(&'static str);

impl MtaStsSource for SegPolicy {
    async fn lookup(&self, _: &str, _: std::time::SystemTime) -> MtaStsLookup {
        let mx = vec![
            "mx1.new-seg-vendor.com".to_owned(),
            "*.new-seg-vendor.com".to_owned(),
        ];
        MtaStsLookup::Policy(MtaStsView {
            id: "1".into(),
            mode: self.0.into(),
            mx,
            max_age: 86_400,
        })
    }
}

/// A record whose policy cannot be had.
struct Unreachable;

impl MtaStsSource for Unreachable {
    async fn lookup(&self, _: &str, _: std::time::SystemTime) -> MtaStsLookup {
        MtaStsLookup::Unavailable("policy fetch: connection refused".into())
    }
}

fn run<S: MtaStsSource>(zone: &ZoneResolver, mta_sts: &S, domain: &str) -> Audit {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(audit(
        zone,
        mta_sts,
        domain,
        std::time::SystemTime::UNIX_EPOCH,
    ))
}

fn codes(audit: &Audit) -> Vec<&'static str> {
    audit
        .findings
        .iter()
        .map(|finding| finding.code.as_str())
        .collect()
}

#[test]
fn the_ghost_zone_shows_the_door_the_policy_does_not_cover() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/data/ghost-mx/zone");
    let zone = ZoneResolver::from_path(path).unwrap();
    let audit = run(&zone, &SegPolicy("enforce"), "ourcompany.com");

    let hosts: Vec<(&str, Option<bool>)> = audit
        .mx
        .iter()
        .map(|mx| (mx.host.as_str(), mx.mta_sts_allowed))
        .collect();
    assert_eq!(
        hosts,
        [
            ("mx1.new-seg-vendor.com", Some(true)),
            ("mx2.new-seg-vendor.com", Some(true)),
            ("mta.old-vendor.com", Some(false)),
        ]
    );
    assert_eq!(
        audit.mx[2].addresses,
        ["203.0.113.50".parse::<std::net::IpAddr>().unwrap()]
    );
    let codes = codes(&audit);
    assert_eq!(codes[0], "mx_not_in_mta_sts_policy");
    assert!(codes.contains(&"mx_mixed_providers"), "{codes:?}");
    for absent in [
        "mta_sts_missing",
        "tls_rpt_missing",
        "spf_missing",
        "dmarc_missing",
        "dmarc_policy_none",
    ] {
        assert!(!codes.contains(&absent), "{absent} in {codes:?}");
    }
    assert_eq!(audit.spf.dns_lookups, 1);
    assert_eq!(audit.dmarc.policy, Some(Policy::Quarantine));
    assert!(audit.findings[0].message.contains("mta.old-vendor.com"));
}

const WEAK: &str = r#"
$TTL 300
weak.example.          MX  10 mx.weak.example.
weak.example.          MX  20 gone.weak.example.
mx.weak.example.       A   192.0.2.1
weak.example.          TXT "v=spf1 mx include:a.weak.example -all"
a.weak.example.        TXT "v=spf1 include:b.weak.example include:c.weak.example a mx ptr -all"
b.weak.example.        TXT "v=spf1 a mx exists:x.weak.example include:c.weak.example -all"
c.weak.example.        TXT "v=spf1 a:1.weak.example a:2.weak.example mx:3.weak.example -all"
_dmarc.weak.example.   TXT "v=DMARC1; p=none"
broken.example.        TXT "v=spf1 ip4:192.0.2.300 -all"
"#;

#[test]
fn a_weak_domain_raises_each_finding_with_its_remedy() {
    let zone: ZoneResolver = WEAK.parse().unwrap();
    let audit = run(&zone, &NoMtaSts, "weak.example");
    let codes = codes(&audit);

    for code in [
        "mx_target_unresolvable",
        "mta_sts_missing",
        "tls_rpt_missing",
        "spf_lookup_limit",
        "dmarc_policy_none",
    ] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    assert!(audit.spf.authorises_inbound_hosts);
    assert_eq!(audit.spf.dns_lookups, 2 + 5 + 4 + 3 + 3);
    assert!(
        !codes.contains(&"mx_mixed_providers"),
        "one provider: {codes:?}"
    );
    let dangling = audit
        .findings
        .iter()
        .find(|finding| finding.code.as_str() == "mx_target_unresolvable");
    assert!(dangling.unwrap().message.contains("gone.weak.example"));
}

#[test]
fn missing_records_and_broken_spf_are_reported() {
    let zone: ZoneResolver = WEAK.parse().unwrap();
    let nothing = run(&zone, &NoMtaSts, "nothing.example");
    let codes_nothing = codes(&nothing);
    for code in [
        "spf_missing",
        "dmarc_missing",
        "mta_sts_missing",
        "tls_rpt_missing",
    ] {
        assert!(
            codes_nothing.contains(&code),
            "{code} missing from {codes_nothing:?}"
        );
    }

    let broken = run(&zone, &NoMtaSts, "broken.example");
    assert!(
        codes(&broken).contains(&"spf_permerror"),
        "{:?}",
        codes(&broken)
    );
}

#[test]
fn testing_mode_and_unreachable_policies_are_findings() {
    let zone: ZoneResolver = WEAK.parse().unwrap();
    let testing = run(&zone, &SegPolicy("testing"), "weak.example");
    assert!(codes(&testing).contains(&"mta_sts_testing"));
    assert!(!codes(&testing).contains(&"mta_sts_missing"));

    let unreachable = run(&zone, &Unreachable, "weak.example");
    assert!(codes(&unreachable).contains(&"mta_sts_policy_unreachable"));
}
