//! The evaluation rules of RFC 9989 (tree walk, psd, np, t) and RFC 7489
//! mode, each checked against a zone written for it.

use mailtrail_dkim::DkimResult;
use mailtrail_dmarc::{
    Authentication, DmarcResult, Evaluator, Found, KnownRecords, Mode, Policy, PolicySource,
    SpfIdentity, Verdict, WalkPurpose,
};
use mailtrail_dns::ZoneResolver;
use mailtrail_spf::SpfResult;

const ZONE: &str = r#"
$TTL 300
; A plain organization with a subdomain that exists.
_dmarc.example.com.          TXT "v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s"
mail.example.com.            A   192.0.2.10

; psd=n below a record with more labels' parent: dept is its own organization.
_dmarc.dept.example.org.     TXT "v=DMARC1; p=none; psd=n"
_dmarc.example.org.          TXT "v=DMARC1; p=reject"

; A public suffix domain publishing psd=y.
_dmarc.psd.example.          TXT "v=DMARC1; p=quarantine; psd=y"

; Records at two levels without psd: the one with fewer labels organizes.
_dmarc.a.example.net.        TXT "v=DMARC1; p=none"
_dmarc.example.net.          TXT "v=DMARC1; p=reject"

; Two DMARC records at one name, and a TXT that is not DMARC.
_dmarc.twice.example.edu.    TXT "v=DMARC1; p=none"
_dmarc.twice.example.edu.    TXT "v=DMARC1; p=reject"
_dmarc.other.example.edu.    TXT "hello"
_dmarc.example.edu.          TXT "v=DMARC1; p=quarantine"

; Broken, testing, legacy and policy-less records.
_dmarc.broken.example.       TXT "v=DMARC1; p=reject; p=none"
_dmarc.testing.example.      TXT "v=DMARC1; p=reject; t=y"
_dmarc.sampled.example.      TXT "v=DMARC1; p=reject; pct=0"
_dmarc.nopolicy.example.     TXT "v=DMARC1; adkim=s"
_dmarc.reportonly.example.   TXT "v=DMARC1; rua=mailto:d@reportonly.example"

; Only the public suffix publishes: found by the walk, not by the PSL.
_dmarc.co.uk.                TXT "v=DMARC1; p=reject; psd=y"

;@ _dmarc.flaky.example TXT servfail
"#;

fn zone() -> ZoneResolver {
    ZONE.parse().expect("the test zone parses")
}

fn run(mode: Mode, authors: &[&str], auth: &Authentication<'_>) -> Verdict {
    let zone = zone();
    let evaluator = Evaluator::new(&zone).with_mode(mode);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(evaluator.evaluate(authors, auth))
}

fn spf_pass(domain: &str) -> Authentication<'_> {
    Authentication::new().with_spf(SpfResult::Pass, domain, SpfIdentity::MailFrom)
}

fn policy_steps(verdict: &Verdict) -> Vec<&str> {
    verdict
        .tree_walk
        .iter()
        .filter(|step| step.purpose == WalkPurpose::Policy)
        .map(|step| step.name.as_str())
        .collect()
}

#[test]
fn tree_walk_jumps_to_seven_labels_then_climbs_one_at_a_time() {
    let verdict = run(
        Mode::Rfc9989,
        &["a.b.c.d.e.f.g.h.example.com"],
        &Authentication::new(),
    );

    assert_eq!(
        policy_steps(&verdict),
        [
            "_dmarc.a.b.c.d.e.f.g.h.example.com",
            "_dmarc.d.e.f.g.h.example.com",
            "_dmarc.e.f.g.h.example.com",
            "_dmarc.f.g.h.example.com",
            "_dmarc.g.h.example.com",
            "_dmarc.h.example.com",
            "_dmarc.example.com",
        ]
    );
    assert_eq!(verdict.policy_domain.as_deref(), Some("example.com"));
    assert_eq!(
        verdict.organizational_domain.as_deref(),
        Some("example.com")
    );
}

#[test]
fn own_record_gives_p_and_strict_dkim_needs_equal_domains() {
    let auth = Authentication::new().with_dkim(DkimResult::Pass, "mail.example.com");
    let verdict = run(Mode::Rfc9989, &["example.com"], &auth);

    assert_eq!(verdict.result, DmarcResult::Fail);
    assert_eq!(verdict.policy_source, Some(PolicySource::AuthorDomain));
    assert_eq!(verdict.disposition, Policy::Reject);
    assert!(verdict.dkim_aligned.is_empty());

    let auth = Authentication::new().with_dkim(DkimResult::Pass, "EXAMPLE.com.");
    let verdict = run(Mode::Rfc9989, &["example.com"], &auth);
    assert_eq!(verdict.result, DmarcResult::Pass);
    assert_eq!(verdict.dkim_aligned, ["example.com"]);
    assert_eq!(verdict.disposition, Policy::None);
}

#[test]
fn existing_subdomain_gets_sp_and_missing_one_gets_np() {
    let existing = run(Mode::Rfc9989, &["mail.example.com"], &Authentication::new());
    assert_eq!(
        existing.policy_source,
        Some(PolicySource::ExistingSubdomain)
    );
    assert_eq!(existing.policy, Some(Policy::Quarantine));

    let missing = run(
        Mode::Rfc9989,
        &["nowhere.example.com"],
        &Authentication::new(),
    );
    assert_eq!(
        missing.policy_source,
        Some(PolicySource::NonexistentSubdomain)
    );
    assert_eq!(missing.policy, Some(Policy::Reject));
}

#[test]
fn psd_n_stops_the_organizational_walk() {
    let inside = run(
        Mode::Rfc9989,
        &["mail.dept.example.org"],
        &spf_pass("bounce.dept.example.org"),
    );
    assert_eq!(
        inside.organizational_domain.as_deref(),
        Some("dept.example.org")
    );
    assert_eq!(inside.result, DmarcResult::Pass);

    let outside = run(
        Mode::Rfc9989,
        &["mail.dept.example.org"],
        &spf_pass("bounce.example.org"),
    );
    assert_eq!(outside.result, DmarcResult::Fail);
    assert!(!outside.spf_aligned);
    assert_eq!(outside.policy_domain.as_deref(), Some("dept.example.org"));
}

#[test]
fn psd_y_makes_the_name_below_it_organizational() {
    let verdict = run(
        Mode::Rfc9989,
        &["a.b.customer.psd.example"],
        &spf_pass("bounce.customer.psd.example"),
    );
    assert_eq!(verdict.policy_domain.as_deref(), Some("psd.example"));
    assert_eq!(
        verdict.organizational_domain.as_deref(),
        Some("customer.psd.example")
    );
    assert_eq!(verdict.result, DmarcResult::Pass);

    let neighbour = run(
        Mode::Rfc9989,
        &["customer.psd.example"],
        &spf_pass("other.psd.example"),
    );
    assert_eq!(neighbour.result, DmarcResult::Fail);
    assert_eq!(neighbour.disposition, Policy::Quarantine);
}

#[test]
fn first_record_on_the_walk_is_the_policy_and_fewest_labels_organize() {
    let verdict = run(
        Mode::Rfc9989,
        &["x.a.example.net"],
        &spf_pass("example.net"),
    );
    assert_eq!(verdict.policy_domain.as_deref(), Some("a.example.net"));
    assert_eq!(verdict.policy, Some(Policy::None));
    assert_eq!(
        verdict.organizational_domain.as_deref(),
        Some("example.net")
    );
    assert!(verdict.spf_aligned);
}

#[test]
fn several_records_are_skipped_by_the_walk_but_end_rfc7489_discovery() {
    let walk = run(
        Mode::Rfc9989,
        &["twice.example.edu"],
        &Authentication::new(),
    );
    assert_eq!(walk.policy_domain.as_deref(), Some("example.edu"));
    assert_eq!(walk.tree_walk[0].found, Found::SeveralRecords);
    assert_eq!(walk.disposition, Policy::Quarantine);

    let legacy = run(
        Mode::Rfc7489,
        &["twice.example.edu"],
        &Authentication::new(),
    );
    assert_eq!(legacy.result, DmarcResult::None);
}

#[test]
fn text_that_is_not_dmarc_is_passed_over() {
    let verdict = run(
        Mode::Rfc9989,
        &["other.example.edu"],
        &Authentication::new(),
    );
    assert_eq!(verdict.tree_walk[0].found, Found::NoRecord);
    assert_eq!(verdict.policy_domain.as_deref(), Some("example.edu"));
}

#[test]
fn broken_record_is_permerror_and_dns_failure_temperror() {
    let broken = run(Mode::Rfc9989, &["broken.example"], &Authentication::new());
    assert_eq!(broken.result, DmarcResult::PermError);
    assert!(
        broken.reasons[0].contains("duplicate p= tag"),
        "{:?}",
        broken.reasons
    );

    let flaky = run(Mode::Rfc9989, &["flaky.example"], &Authentication::new());
    assert_eq!(flaky.result, DmarcResult::TempError);
    assert_eq!(flaky.tree_walk[0].found, Found::TempError);
}

#[test]
fn no_record_anywhere_is_none() {
    let verdict = run(
        Mode::Rfc9989,
        &["mail.unlisted.test"],
        &Authentication::new(),
    );
    assert_eq!(verdict.result, DmarcResult::None);
    assert_eq!(verdict.tree_walk.len(), 3);
}

#[test]
fn testing_relaxes_the_disposition_one_step() {
    let verdict = run(Mode::Rfc9989, &["testing.example"], &Authentication::new());
    assert_eq!(verdict.result, DmarcResult::Fail);
    assert!(verdict.testing);
    assert_eq!(verdict.policy, Some(Policy::Reject));
    assert_eq!(verdict.disposition, Policy::Quarantine);

    let sampled = run(Mode::Rfc7489, &["sampled.example"], &Authentication::new());
    assert!(sampled.testing);
    assert_eq!(sampled.disposition, Policy::Quarantine);
    let ignored = run(Mode::Rfc9989, &["sampled.example"], &Authentication::new());
    assert!(!ignored.testing);
    assert!(ignored.reasons.iter().any(|reason| reason.contains("pct")));
}

#[test]
fn record_without_p_needs_a_report_destination() {
    let none = run(Mode::Rfc9989, &["nopolicy.example"], &Authentication::new());
    assert_eq!(none.result, DmarcResult::None);

    let assumed = run(
        Mode::Rfc9989,
        &["reportonly.example"],
        &Authentication::new(),
    );
    assert_eq!(assumed.result, DmarcResult::Fail);
    assert_eq!(assumed.policy, Some(Policy::None));
    assert_eq!(assumed.disposition, Policy::None);
}

#[test]
fn temperror_of_an_aligned_identifier_is_temperror_not_fail() {
    let auth = Authentication::new()
        .with_spf(SpfResult::TempError, "example.com", SpfIdentity::MailFrom)
        .with_dkim(DkimResult::Fail, "example.com");
    let verdict = run(Mode::Rfc9989, &["example.com"], &auth);
    assert_eq!(verdict.result, DmarcResult::TempError);
    assert_eq!(verdict.disposition, Policy::None);
}

#[test]
fn the_public_suffix_list_and_the_walk_disagree_on_psd_policies() {
    let walk = run(
        Mode::Rfc9989,
        &["mail.example.co.uk"],
        &Authentication::new(),
    );
    assert_eq!(walk.policy_domain.as_deref(), Some("co.uk"));
    assert_eq!(walk.organizational_domain.as_deref(), Some("example.co.uk"));
    assert_eq!(walk.result, DmarcResult::Fail);

    let legacy = run(
        Mode::Rfc7489,
        &["mail.example.co.uk"],
        &Authentication::new(),
    );
    assert_eq!(legacy.result, DmarcResult::None);
    assert_eq!(
        policy_steps(&legacy),
        ["_dmarc.mail.example.co.uk", "_dmarc.example.co.uk"]
    );
}

#[test]
fn every_author_domain_is_evaluated_and_the_strictest_leads() {
    let auth = spf_pass("example.net");
    let verdict = run(
        Mode::Rfc9989,
        &["example.net", "example.com", "Example.NET"],
        &auth,
    );

    assert_eq!(verdict.result, DmarcResult::Fail);
    assert_eq!(verdict.author_domain.as_deref(), Some("example.com"));
    assert_eq!(verdict.other_authors.len(), 1);
    assert_eq!(verdict.other_authors[0].result, DmarcResult::Pass);
}

#[test]
fn messages_are_read_for_all_their_authors() {
    let zone = zone();
    let evaluator = Evaluator::new(&zone);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let auth = spf_pass("example.net");

    let message = b"From: a@example.net, \"Boss\" <ceo@example.com>\r\nSubject: x\r\n\r\nbody\r\n";
    let verdict = runtime.block_on(evaluator.evaluate_message(message, &auth));
    assert_eq!(verdict.author_domain.as_deref(), Some("example.com"));
    assert_eq!(verdict.result, DmarcResult::Fail);

    let no_from = runtime.block_on(evaluator.evaluate_message(b"Subject: x\r\n\r\n", &auth));
    assert_eq!(no_from.result, DmarcResult::PermError);
    let bare = runtime.block_on(evaluator.evaluate_message(b"From: root\r\n\r\n", &auth));
    assert_eq!(bare.result, DmarcResult::PermError);
}

#[test]
fn resinfo_carries_header_from_and_the_disposition() {
    let verdict = run(Mode::Rfc9989, &["example.com"], &spf_pass("example.com"));
    assert_eq!(
        verdict.authentication_result().to_string(),
        "dmarc=pass (p=reject dis=none) header.from=example.com policy.dmarc=none"
    );
    let testing = run(Mode::Rfc9989, &["testing.example"], &Authentication::new());
    assert_eq!(
        testing.authentication_result().to_string(),
        "dmarc=fail (p=reject dis=quarantine t=y) header.from=testing.example policy.dmarc=quarantine"
    );
}

#[test]
fn without_explanation_the_verdict_is_the_same_but_bare() {
    let zone = zone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let auth = spf_pass("bounce.dept.example.org");
    for author in [
        "mail.dept.example.org",
        "nowhere.example.com",
        "testing.example",
    ] {
        let full = runtime.block_on(Evaluator::new(&zone).evaluate(&[author], &auth));
        let bare = runtime.block_on(
            Evaluator::new(&zone)
                .with_explanation(false)
                .evaluate(&[author], &auth),
        );

        assert_eq!(
            (
                bare.result,
                bare.policy,
                bare.policy_source,
                bare.disposition,
                bare.spf_aligned
            ),
            (
                full.result,
                full.policy,
                full.policy_source,
                full.disposition,
                full.spf_aligned
            ),
            "{author}"
        );
        assert_eq!(bare.organizational_domain, full.organizational_domain);
        assert!(
            bare.reasons.is_empty() && bare.tree_walk.is_empty(),
            "{author}"
        );
        assert!(
            !full.reasons.is_empty() && !full.tree_walk.is_empty(),
            "{author}"
        );
    }
}

#[test]
fn known_records_give_the_verdict_the_resolver_gives() {
    let zone = zone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut known = KnownRecords::new();
    for name in [
        "dept.example.org",
        "example.org",
        "org",
        "bounce.dept.example.org",
    ] {
        runtime.block_on(known.fetch(&zone, name));
    }
    let auth = spf_pass("bounce.dept.example.org");
    let asked = runtime.block_on(Evaluator::new(&zone).evaluate(&["dept.example.org"], &auth));

    // The resolver holds nothing: every answer comes from the known records.
    let empty = ZoneResolver::new();
    let evaluator = Evaluator::new(&empty).with_known_records(&known);
    let held = runtime.block_on(evaluator.evaluate(&["dept.example.org"], &auth));

    assert_eq!(held.result, DmarcResult::Pass);
    assert_eq!(
        (
            held.result,
            held.policy,
            held.organizational_domain.as_deref()
        ),
        (
            asked.result,
            asked.policy,
            asked.organizational_domain.as_deref()
        )
    );
    assert_eq!(held.record, asked.record);
    assert!(held.tree_walk.iter().all(|step| step.cached));
    assert_eq!(held.tree_walk.len(), asked.tree_walk.len());
}

#[test]
fn a_known_record_is_read_before_the_resolver_is_asked() {
    let zone = zone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut known = KnownRecords::new();
    known.insert("Example.COM.", &["v=DMARC1; p=none"]);
    let evaluator = Evaluator::new(&zone).with_known_records(&known);

    let verdict = runtime.block_on(evaluator.evaluate(&["example.com"], &Authentication::new()));
    assert_eq!(verdict.policy, Some(Policy::None));
    assert_eq!(verdict.disposition, Policy::None);
    assert_eq!(verdict.tree_walk[0].found, Found::Record);
    assert!(verdict.tree_walk[0].cached);

    // Names it does not hold still go to the resolver.
    let verdict =
        runtime.block_on(evaluator.evaluate(&["mail.example.com"], &Authentication::new()));
    assert_eq!(verdict.policy_source, Some(PolicySource::ExistingSubdomain));
    assert!(!verdict.tree_walk[0].cached);
}
