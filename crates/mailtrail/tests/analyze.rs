//! End-to-end analyses of the shipped ghost-MX case
//! (`examples/data/ghost-mx`) and of variants of its message: the same
//! phish through the gateway, delivered straight to the mailbox provider,
//! and carrying a forged Authentication-Results field; then a record and
//! replay of the DNS giving the identical report.

use std::fs;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use mailtrail::{Analyzer, Code, EntryClass, GatewaySource, OrganisationView, Report};
use mailtrail_dkim::DkimResult;
use mailtrail_dmarc::DmarcResult;
use mailtrail_dns::{RecordingResolver, Resolver, ZoneResolver};
use mailtrail_mtasts::{Discovery, MemoryCache, StaticFetcher};
use mailtrail_spf::SpfResult;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/data/ghost-mx")
        .join(name)
}

fn zone() -> ZoneResolver {
    ZoneResolver::from_path(data("zone")).expect("the shipped zone parses")
}

fn message() -> Vec<u8> {
    fs::read(data("message.eml")).expect("the shipped message")
}

/// MTA-STS discovery as the examples run it: the zone's `_mta-sts` record,
/// the shipped policy file as the body served for `ourcompany.com`.
fn discovery<R: Resolver>(resolver: R) -> Discovery<R, StaticFetcher, MemoryCache> {
    let mut fetcher = StaticFetcher::new();
    let body = fs::read_to_string(data("policies/ourcompany.com.txt")).expect("the shipped policy");
    fetcher.insert("ourcompany.com", body);
    Discovery::new(resolver, fetcher, MemoryCache::new())
}

fn organisation() -> OrganisationView {
    OrganisationView::new()
        .with_domain("ourcompany.com")
        .with_internal("*.prod.outlook.com")
        .expect("a valid pattern")
        .with_trusted_id("mx1.new-seg-vendor.com")
        .with_trusted_id("mx2.new-seg-vendor.com")
}

fn now() -> Timestamp {
    "2024-03-12T10:00:00Z".parse().unwrap()
}

fn analyze<'m, R: Resolver + Sync>(resolver: &R, message: &'m [u8]) -> Report<'m> {
    let mta_sts = discovery(resolver);
    let analyzer = Analyzer::new(resolver, &mta_sts, now()).with_organisation(organisation());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(analyzer.analyze(message))
}

fn codes(report: &Report<'_>) -> Vec<&'static str> {
    report
        .findings
        .iter()
        .map(|finding| finding.code.as_str())
        .collect()
}

/// The message with everything above the vendor's DKIM-Signature replaced
/// by `top`: the hops from the vendor on, as the variant has them.
fn with_top(top: &str) -> Vec<u8> {
    let original = String::from_utf8(message()).unwrap();
    let signature = original.find("DKIM-Signature:").expect("the signature");
    let below = &original[signature..];
    format!("Return-Path: <billing@vendor.com>\r\n{top}{below}").into_bytes()
}

#[test]
fn the_seed_case_shows_the_ghost_mx_and_the_untrusted_verdict() {
    let message = message();
    let report = analyze(&zone(), &message);

    let entry = report.entry.as_ref().expect("an entry hop");
    assert_eq!(entry.host.as_deref(), Some("mta.old-vendor.com"));
    assert_eq!(entry.sender.as_deref(), Some("smtp.vendor.com"));
    assert_eq!(entry.classification, EntryClass::GhostMx);
    assert_eq!(entry.mx_preference, Some(50));
    assert_eq!(
        report.doors.gateway_source,
        Some(GatewaySource::MtaStsPolicy)
    );
    assert_eq!(
        report.doors.gateways,
        ["mx1.new-seg-vendor.com", "mx2.new-seg-vendor.com"]
    );

    let codes = codes(&report);
    for code in [
        "gateway_bypass",
        "entry_via_ghost_mx",
        "untrusted_authserv_id",
    ] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    let untrusted = report
        .findings
        .iter()
        .find(|finding| finding.code == Code::UntrustedAuthservId)
        .unwrap();
    let evidence = untrusted.evidence.unwrap();
    assert!(
        message[evidence.span.range()].starts_with(b"Authentication-Results: mta.old-vendor.com")
    );

    // The message itself authenticates: the bypass is the story.
    assert_eq!(report.spf.as_ref().unwrap().outcome.result, SpfResult::Pass);
    assert_eq!(report.dkim.outcomes[0].result, DkimResult::Pass);
    assert_eq!(report.dmarc.result, DmarcResult::Pass);
    assert_eq!(
        report.findings[0].code,
        Code::EntryViaGhostMx,
        "most severe first"
    );
}

#[test]
fn the_same_message_through_the_gateway_raises_no_bypass() {
    let top = "Received: from mx1.new-seg-vendor.com (mx1.new-seg-vendor.com [192.0.2.10]) by\r\n \
               BN8PR12MB3456.namprd12.prod.outlook.com with Microsoft SMTP Server id 15.20.7452.28;\r\n \
               Tue, 12 Mar 2024 09:14:24 +0000\r\n\
               Authentication-Results: mx1.new-seg-vendor.com; spf=pass smtp.mailfrom=vendor.com;\r\n \
               dkim=pass header.d=vendor.com; dmarc=pass header.from=vendor.com\r\n\
               Received: from smtp.vendor.com (smtp.vendor.com [198.51.100.25])\r\n\
               \tby mx1.new-seg-vendor.com with ESMTPS id 9Zq1; Tue, 12 Mar 2024 09:14:21 +0000\r\n";
    let message = with_top(top);
    let report = analyze(&zone(), &message);

    let entry = report.entry.as_ref().expect("an entry hop");
    assert_eq!(entry.host.as_deref(), Some("mx1.new-seg-vendor.com"));
    assert_eq!(entry.classification, EntryClass::PrimaryMx);
    assert!(report.findings.is_empty(), "{:?}", codes(&report));
    assert_eq!(
        report.authentication_results[0].trust,
        mailtrail_authres::Trust::Trusted
    );
}

#[test]
fn delivery_straight_to_the_mailbox_provider_is_off_mx() {
    let top = "Received: from smtp.vendor.com (smtp.vendor.com [198.51.100.25]) by\r\n \
               BN8PR12MB3456.namprd12.prod.outlook.com with Microsoft SMTP Server id 15.20.7452.28;\r\n \
               Tue, 12 Mar 2024 09:14:24 +0000\r\n";
    let message = with_top(top);
    let report = analyze(&zone(), &message);

    let entry = report.entry.as_ref().expect("an entry hop");
    assert_eq!(entry.classification, EntryClass::OffMx);
    assert_eq!(entry.mx_preference, None);
    let codes = codes(&report);
    assert!(
        codes.contains(&"entry_off_mx") && codes.contains(&"gateway_bypass"),
        "{codes:?}"
    );
}

#[test]
fn the_gateways_own_id_below_the_entry_is_forged() {
    let top = "Received: from mx1.new-seg-vendor.com (mx1.new-seg-vendor.com [192.0.2.10]) by\r\n \
               BN8PR12MB3456.namprd12.prod.outlook.com with Microsoft SMTP Server id 15.20.7452.28;\r\n \
               Tue, 12 Mar 2024 09:14:24 +0000\r\n\
               Received: from smtp.vendor.com (smtp.vendor.com [198.51.100.25])\r\n\
               \tby mx1.new-seg-vendor.com with ESMTPS id 9Zq1; Tue, 12 Mar 2024 09:14:21 +0000\r\n\
               Authentication-Results: mx1.new-seg-vendor.com; dkim=pass header.d=ourcompany.com\r\n";
    let message = with_top(top);
    let report = analyze(&zone(), &message);

    let codes = codes(&report);
    assert!(codes.contains(&"forged_authserv_id"), "{codes:?}");
    assert!(!codes.contains(&"gateway_bypass"), "{codes:?}");
}

#[test]
fn a_failing_signature_and_spf_are_findings_of_their_own() {
    let message = String::from_utf8(message())
        .unwrap()
        .replace("avoid late fees", "avoid late fines");
    let zone: ZoneResolver = fs::read_to_string(data("zone"))
        .unwrap()
        .replace("ip4:198.51.100.0/24", "ip4:192.0.2.0/24")
        .parse()
        .unwrap();
    let report = analyze(&zone, message.as_bytes());

    let codes = codes(&report);
    for code in ["dkim_fail", "spf_fail", "dmarc_fail"] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
}

#[test]
fn recorded_dns_replays_to_the_identical_report() {
    let message = message();
    let recording = RecordingResolver::new(zone());
    let live = analyze(&recording, &message);
    let replayed = analyze(&recording.to_zone(), &message);

    assert_eq!(
        format!("{:?}", live.findings),
        format!("{:?}", replayed.findings)
    );
    assert_eq!(live.entry, replayed.entry);
    assert_eq!(live.doors, replayed.doors);
    assert_eq!(format!("{:?}", live.spf), format!("{:?}", replayed.spf));
    assert_eq!(live.dmarc, replayed.dmarc);
    assert_eq!(format!("{:?}", live.dkim), format!("{:?}", replayed.dkim));
}
