//! `check_host()` ([RFC 7208 §4]): initial processing, record lookup and
//! selection, then the terms of each record in order, with `include` and
//! `redirect=` handled on an explicit stack of records so that nesting is
//! bounded by the limits and never by the call stack.
//!
//! [RFC 7208 §4]: https://www.rfc-editor.org/rfc/rfc7208#section-4

use std::net::IpAddr;
use std::ops::Range;
use std::time::UNIX_EPOCH;

use mailtrail_dns::{DnsError, Resolver};

use crate::lookup::Lookups;
use crate::quick::quick_match;
use crate::select::{Checked, Fetched, select_record};
use crate::term::is_name_byte;
use crate::trace::{LimitKind, RecordFound, TermVerdict};
use crate::{
    Cause, Counters, Directive, DomainSpec, Location, MacroLetter, MacroString, MacroValues,
    Mechanism, Options, Outcome, Problem, Qualifier, SpfResult, Term, Trace, TraceEvent,
    truncate_domain,
};

/// One evaluation of `check_host()` and everything it counts.
pub(crate) struct Evaluation<'e, R: ?Sized> {
    lookups: Lookups<'e, R>,
    options: &'e Options,
    /// `<sender>`, with `postmaster` for a missing local-part.
    sender: String,
    helo: Option<&'e str>,
    /// The validated names of `<ip>` for `%{p}`, once looked up.
    validated: Option<Vec<String>>,
}

/// A record being evaluated: its text as received, checked whole before
/// any term runs (§4.6), and where evaluation stands in it. Terms are read
/// from the text as evaluation reaches them; no parsed record is kept.
struct Frame {
    /// Its `<domain>`, without a trailing dot.
    domain: String,
    /// The record, checked.
    record: Checked,
    /// The include directive of the enclosing record that opened it; `None`
    /// at the top, where a `redirect=` replaces the frame and keeps this.
    include: Option<Include>,
    /// The domains `redirect=` left, for loop detection.
    redirected: Vec<String>,
}

/// The include directive that opened a frame, in the enclosing record.
struct Include {
    qualifier: Qualifier,
    index: usize,
    span: Range<usize>,
}

/// A term and its record, borrowed; made into a [`Location`] only when one
/// is kept.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Site<'f> {
    domain: &'f str,
    term: &'f str,
    index: usize,
}

/// Where [`Evaluation::advance`] stopped.
enum Advance {
    /// At a directive that queries DNS.
    Lookup(usize, Range<usize>),
    /// At a directive that matched.
    Matched(Qualifier, usize, Range<usize>),
    /// At the end of the record.
    End,
}

/// Why a record finished without error, in terms of that record; made into
/// a [`Cause`] only for the outermost record, whose cause is kept.
enum Reason {
    /// The directive at this index and span matched.
    Matched(usize, Range<usize>),
    /// Nothing matched.
    NoMatch,
}

/// What one directive did.
enum Step {
    Match(Qualifier),
    NoMatch,
    Descend(Frame),
}

/// The result of the outermost record, with its cause and explanation.
type Finished = (SpfResult, Cause, Option<String>);

impl<'e, R: Resolver + ?Sized> Evaluation<'e, R> {
    /// Prepares an evaluation; an IPv4-mapped address is taken as IPv4 (§5).
    pub(crate) fn new(
        resolver: &'e R,
        options: &'e Options,
        ip: IpAddr,
        sender: &str,
        helo: Option<&'e str>,
    ) -> Self {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            IpAddr::V4(_) => ip,
        };
        let sender = match sender.rsplit_once('@') {
            Some(("", domain)) => format!("postmaster@{domain}"),
            Some(_) => sender.to_owned(),
            None => format!("postmaster@{sender}"),
        };

        Self {
            lookups: Lookups::new(resolver, ip, options.trace),
            options,
            sender,
            helo,
            validated: None,
        }
    }

    /// Runs `check_host()` for `domain` to its outcome.
    pub(crate) async fn run(mut self, domain: &str) -> Outcome {
        let domain = domain.strip_suffix('.').unwrap_or(domain).to_owned();

        if let Err(reason) = check_domain(&domain) {
            let cause = Cause::InvalidDomain {
                domain: domain.clone(),
                reason,
            };
            return self.outcome(SpfResult::None, cause, None, domain);
        }
        let record = match self.fetch_record(&domain, 0, None).await {
            Fetched::Record(record) => record,
            Fetched::None => {
                let cause = Cause::NoRecord {
                    domain: domain.clone(),
                };
                return self.outcome(SpfResult::None, cause, None, domain);
            }
            Fetched::Problem(problem) => return self.failed(problem, domain),
        };

        let mut stack = Vec::with_capacity(4);
        stack.push(Frame::new(domain.clone(), record));
        loop {
            let step = match self.advance(&mut stack) {
                Advance::Lookup(index, span) => self.step(&mut stack, index, span).await,
                Advance::Matched(qualifier, index, span) => {
                    let reason = Reason::Matched(index, span);
                    self.bubble(&mut stack, qualifier.result(), reason).await
                }
                Advance::End => self.finish_record(&mut stack).await,
            };
            match step {
                Ok(None) => {}
                Ok(Some((result, cause, explanation))) => {
                    return self.outcome(result, cause, explanation, domain);
                }
                Err(problem) => return self.failed(problem, domain),
            }
        }
    }

    /// Goes through the terms of the innermost record that need no DNS
    /// (`all`, `ip4`, `ip6`, modifiers) up to one that does, a match, or the
    /// end of the record.
    fn advance(&mut self, stack: &mut [Frame]) -> Advance {
        let depth = stack.len() - 1;
        let frame = stack
            .last_mut()
            .expect("the stack holds the record being evaluated");
        let ip = self.lookups.ip();

        while let Some((index, span)) = frame.record.next_term() {
            let text = &frame.record.text()[span.clone()];
            let Some((qualifier, matched)) = quick_match(text.as_bytes(), ip) else {
                if is_modifier(text) {
                    continue;
                }
                return Advance::Lookup(index, span);
            };

            let verdict = if matched {
                TermVerdict::Match
            } else {
                TermVerdict::NoMatch
            };
            let site = frame.site(index, span.clone());
            note_term(&mut self.lookups, &site, depth, verdict);
            if matched {
                return Advance::Matched(qualifier, index, span);
            }
        }
        Advance::End
    }

    /// Evaluates a DNS-querying directive of the innermost record.
    async fn step(
        &mut self,
        stack: &mut Vec<Frame>,
        index: usize,
        span: Range<usize>,
    ) -> Result<Option<Finished>, Problem> {
        match self.evaluate_term(stack, index, span.clone()).await? {
            Step::NoMatch => Ok(None),
            Step::Descend(inner) => {
                stack.push(inner);
                Ok(None)
            }
            Step::Match(qualifier) => {
                let reason = Reason::Matched(index, span);
                self.bubble(stack, qualifier.result(), reason).await
            }
        }
    }

    /// The innermost record ran out of directives: follow its `redirect=`
    /// (§6.1), or give `neutral` (§4.7).
    async fn finish_record(&mut self, stack: &mut Vec<Frame>) -> Result<Option<Finished>, Problem> {
        let frame = stack
            .last()
            .expect("the stack holds the record being evaluated");
        let Some((index, span, target)) = frame.record.redirect() else {
            return self
                .bubble(stack, SpfResult::Neutral, Reason::NoMatch)
                .await;
        };

        let site = frame.site(index, span);
        let depth = stack.len() - 1;
        self.count_dns_term(&site, depth)?;
        self.note_term(&site, depth, TermVerdict::Descend);
        let target = self.enter(stack, &site, &target, depth).await?;

        let frame = stack.last_mut().expect("the record is still there");
        let left = std::mem::replace(&mut frame.domain, target.domain);
        frame.redirected.push(left);
        frame.record = target.record;
        Ok(None)
    }

    /// A record finished with a result that is no error: hand it to the
    /// include that opened it (§5.2), or end with it at the top.
    async fn bubble(
        &mut self,
        stack: &mut Vec<Frame>,
        mut result: SpfResult,
        mut reason: Reason,
    ) -> Result<Option<Finished>, Problem> {
        loop {
            let frame = stack.pop().expect("a record finished");
            let Some(include) = frame.include else {
                let explanation = match result {
                    SpfResult::Fail => self.explanation(&frame).await,
                    _ => None,
                };
                let cause = reason.cause(&frame);
                return Ok(Some((result, cause, explanation)));
            };

            let depth = stack.len();
            self.lookups.trace(|| TraceEvent::IncludeResult {
                depth,
                domain: frame.domain.clone(),
                result,
            });
            let parent = stack.last().expect("an include has an enclosing record");
            let site = parent.site(include.index, include.span.clone());
            if result != SpfResult::Pass {
                self.note_term(&site, depth - 1, TermVerdict::NoMatch);
                return Ok(None);
            }

            self.note_term(&site, depth - 1, TermVerdict::Match);
            result = include.qualifier.result();
            reason = Reason::Matched(include.index, include.span);
        }
    }

    /// Evaluates the term at `span` of the innermost record; modifiers are
    /// not evaluated here.
    async fn evaluate_term(
        &mut self,
        stack: &[Frame],
        index: usize,
        span: Range<usize>,
    ) -> Result<Step, Problem> {
        let frame = stack
            .last()
            .expect("the stack holds the record being evaluated");
        let text = &frame.record.text()[span.clone()];
        let Ok(Term::Directive(directive)) = Term::parse_checked(text) else {
            return Ok(Step::NoMatch);
        };
        let site = frame.site(index, span.clone());
        let depth = stack.len() - 1;

        self.lookups.depth = depth;
        if directive.mechanism.queries_dns() {
            self.count_dns_term(&site, depth)?;
        }
        let step = self.evaluate_mechanism(stack, &directive, &site).await;

        let verdict = match &step {
            Ok(Step::Match(_)) => TermVerdict::Match,
            Ok(Step::NoMatch) => TermVerdict::NoMatch,
            Ok(Step::Descend(_)) => TermVerdict::Descend,
            Err(_) => TermVerdict::Error,
        };
        if verdict != TermVerdict::Descend {
            self.note_term(&site, depth, verdict);
        }
        match step {
            Ok(Step::Descend(mut inner)) => {
                let qualifier = directive.effective_qualifier();
                inner.include = Some(Include {
                    qualifier,
                    index,
                    span,
                });
                Ok(Step::Descend(inner))
            }
            other => other,
        }
    }

    /// Evaluates one mechanism (§5).
    async fn evaluate_mechanism(
        &mut self,
        stack: &[Frame],
        directive: &Directive<'_>,
        site: &Site<'_>,
    ) -> Result<Step, Problem> {
        let frame = stack
            .last()
            .expect("the stack holds the record being evaluated");
        let depth = stack.len() - 1;
        let ip = self.lookups.ip();

        let found = match &directive.mechanism {
            Mechanism::All => Found::Match,
            Mechanism::Ip4 { .. } | Mechanism::Ip6 { .. } => {
                Found::from(directive.mechanism.network_contains(ip))
            }
            Mechanism::A { domain, cidr } => {
                let target = self.target(domain.as_ref(), &frame.domain).await;
                self.lookups.a_mechanism(&target, *cidr, site).await?
            }
            Mechanism::Mx { domain, cidr } => {
                let target = self.target(domain.as_ref(), &frame.domain).await;
                let limit = self.options.limits.mx_names;
                let found = self.lookups.mx_mechanism(&target, *cidr, site, limit).await;
                if let Err(Problem::MxNameLimit { .. }) = &found {
                    self.note_limit(site, depth, LimitKind::MxNames);
                }
                found?
            }
            Mechanism::Ptr(domain) => {
                let target = self.target(domain.as_ref(), &frame.domain).await;
                let limit = self.options.limits.ptr_names;
                self.lookups.ptr_mechanism(&target, limit).await
            }
            Mechanism::Exists(domain) => {
                let target = self.target(Some(domain), &frame.domain).await;
                self.lookups.exists_mechanism(&target, site).await?
            }
            Mechanism::Include(domain) => {
                let inner = self.enter(stack, site, domain, depth).await?;
                return Ok(Step::Descend(inner));
            }
        };

        self.void_if(found == Found::Void, site, depth)?;
        Ok(match found {
            Found::Match => Step::Match(directive.effective_qualifier()),
            Found::NoMatch | Found::Void => Step::NoMatch,
        })
    }

    /// The checks `include` and `redirect=` share: expand the target, refuse
    /// invalid names and loops, and fetch the target's record, which must
    /// exist (§5.2, §6.1).
    async fn enter(
        &mut self,
        stack: &[Frame],
        site: &Site<'_>,
        spec: &DomainSpec<'_>,
        depth: usize,
    ) -> Result<Frame, Problem> {
        let frame = stack
            .last()
            .expect("the stack holds the record being evaluated");
        let mut target = self.target(Some(spec), &frame.domain).await;
        if target.ends_with('.') {
            target.pop();
        }

        if check_domain(&target).is_err() {
            return Err(Problem::InvalidTarget {
                location: site.location(),
                target,
            });
        }
        let looping = stack.iter().any(|frame| {
            let mut entered = std::iter::once(&frame.domain).chain(&frame.redirected);
            entered.any(|entered| entered.eq_ignore_ascii_case(&target))
        });
        if looping {
            return Err(Problem::IncludeLoop {
                location: site.location(),
                target,
            });
        }

        match self.fetch_record(&target, depth + 1, Some(site)).await {
            Fetched::Record(record) => Ok(Frame::new(target, record)),
            Fetched::None => Err(Problem::NoTargetRecord {
                location: site.location(),
                target,
            }),
            Fetched::Problem(problem) => Err(problem),
        }
    }

    /// Looks up and selects the SPF record of a domain (§4.4, §4.5). A void
    /// answer for an `include` or `redirect=` target counts as a void lookup.
    async fn fetch_record(
        &mut self,
        domain: &str,
        depth: usize,
        term: Option<&Site<'_>>,
    ) -> Fetched {
        self.lookups.depth = depth;
        let answer = self.lookups.txt(domain).await;
        let void = answer.as_ref().is_err_and(DnsError::is_void);
        let ip = self.lookups.ip();
        let (fetched, found) = select_record(domain, answer, term, ip, self.options.trace);

        self.lookups.trace(|| TraceEvent::Record {
            depth,
            domain: domain.to_owned(),
            found: found.unwrap_or(RecordFound::None),
        });
        if let Some(site) = term
            && let Err(problem) = self.void_if(void, site, depth.saturating_sub(1))
        {
            return Fetched::Problem(problem);
        }
        fetched
    }

    /// The `exp=` explanation of a `fail` (§6.2): any failure leaves none.
    async fn explanation(&mut self, frame: &Frame) -> Option<String> {
        let (_, _, spec) = frame.record.explanation()?;
        let target = self.target(Some(&spec), &frame.domain).await;

        let text = self.lookups.explanation_text(&target).await;
        let expanded = match text.as_deref().map(MacroString::explanation) {
            Some(Ok(explain)) => Some(self.expand_explanation(&explain, &frame.domain).await),
            _ => None,
        };

        self.lookups.trace(|| TraceEvent::Explanation {
            domain: Some(target.clone()),
            text: expanded.clone(),
        });
        expanded
    }

    /// Expands a domain-spec, or gives the current domain when there is none.
    async fn target(&mut self, spec: Option<&DomainSpec<'_>>, domain: &str) -> String {
        let Some(spec) = spec else {
            return domain.to_owned();
        };
        if spec.macro_string().is_literal() {
            return truncate_domain(spec.as_str()).to_owned();
        }
        let validated = self.validated_domain_if(spec.macro_string(), domain).await;
        let values = self.values(domain, validated.as_deref());
        spec.expand(&values).into_owned()
    }

    /// Expands an explanation string with `c`, `r` and `t` available.
    async fn expand_explanation(&mut self, explain: &MacroString<'_>, domain: &str) -> String {
        let validated = self.validated_domain_if(explain, domain).await;
        let timestamp = self.options.now.map(|now| {
            now.duration_since(UNIX_EPOCH)
                .map_or(0, |since| since.as_secs())
        });

        let values = MacroValues {
            receiver: self.options.receiver.as_deref(),
            timestamp,
            ..self.values(domain, validated.as_deref())
        };
        explain.expand(&values)
    }

    /// The `%{p}` value for `domain` when the string uses it (§7.3): the
    /// domain itself if validated, else a validated subdomain of it, else any
    /// validated name; `None` (expanding to `unknown`) when none validates.
    async fn validated_domain_if(
        &mut self,
        text: &MacroString<'_>,
        domain: &str,
    ) -> Option<String> {
        if text.is_literal() || !text.uses(MacroLetter::ValidatedDomain) {
            return None;
        }
        if self.validated.is_none() {
            let limit = self.options.limits.ptr_names;
            self.validated = Some(self.lookups.validated_names(limit).await);
        }

        let names = self.validated.as_deref().unwrap_or_default();
        let exact = names.iter().find(|name| name.eq_ignore_ascii_case(domain));
        let below = || {
            names
                .iter()
                .find(|name| crate::lookup::is_within(name, domain))
        };
        exact.or_else(below).or_else(|| names.first()).cloned()
    }

    /// The macro values at `domain`.
    fn values<'v>(&'v self, domain: &'v str, validated: Option<&'v str>) -> MacroValues<'v> {
        MacroValues {
            validated_domain: validated,
            helo: self.helo,
            ..MacroValues::new(self.lookups.ip(), &self.sender, domain)
        }
    }

    /// Counts a DNS-querying term; the one over the limit is `permerror`.
    fn count_dns_term(&mut self, site: &Site<'_>, depth: usize) -> Result<(), Problem> {
        self.lookups.counters.dns_lookups += 1;
        let limit = self.options.limits.dns_lookups;
        if self.lookups.counters.dns_lookups <= limit {
            return Ok(());
        }

        self.note_limit(site, depth, LimitKind::DnsLookups);
        Err(Problem::DnsTermLimit {
            location: site.location(),
            limit,
        })
    }

    /// Counts a void lookup when `void`; the one over the limit is
    /// `permerror`.
    fn void_if(&mut self, void: bool, site: &Site<'_>, depth: usize) -> Result<(), Problem> {
        if !void {
            return Ok(());
        }
        self.lookups.counters.void_lookups += 1;
        let limit = self.options.limits.void_lookups;
        if self.lookups.counters.void_lookups <= limit {
            return Ok(());
        }

        self.note_limit(site, depth, LimitKind::VoidLookups);
        Err(Problem::VoidLookupLimit {
            location: site.location(),
            limit,
        })
    }

    fn note_term(&mut self, site: &Site<'_>, depth: usize, verdict: TermVerdict) {
        note_term(&mut self.lookups, site, depth, verdict);
    }

    fn note_limit(&mut self, site: &Site<'_>, depth: usize, limit: LimitKind) {
        let counters = self.lookups.counters;
        self.lookups.trace(|| TraceEvent::LimitExceeded {
            depth,
            domain: site.domain.to_owned(),
            term: site.term.to_owned(),
            limit,
            counters,
        });
    }

    fn failed(self, problem: Problem, domain: String) -> Outcome {
        let result = problem.result();
        self.outcome(result, Cause::Problem(problem), None, domain)
    }

    fn outcome(
        self,
        result: SpfResult,
        cause: Cause,
        explanation: Option<String>,
        domain: String,
    ) -> Outcome {
        let counters: Counters = self.lookups.counters;
        Outcome {
            result,
            cause,
            explanation,
            domain,
            sender: self.sender,
            counters,
            trace: self.lookups.into_trace().map(|events| Trace { events }),
        }
    }
}

/// Traces a term with the counters after it.
fn note_term<R: Resolver + ?Sized>(
    lookups: &mut Lookups<'_, R>,
    site: &Site<'_>,
    depth: usize,
    verdict: TermVerdict,
) {
    let counters = lookups.counters;
    lookups.trace(|| TraceEvent::Term {
        depth,
        domain: site.domain.to_owned(),
        index: site.index,
        term: site.term.to_owned(),
        verdict,
        counters,
    });
}

/// What a mechanism's lookups found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    Match,
    NoMatch,
    /// No match, and the term's own query was void (NXDOMAIN or NODATA).
    Void,
}

impl From<bool> for Found {
    fn from(matched: bool) -> Self {
        if matched { Self::Match } else { Self::NoMatch }
    }
}

impl Frame {
    fn new(domain: String, record: Checked) -> Self {
        Self {
            domain,
            record,
            include: None,
            redirected: Vec::new(),
        }
    }

    fn site(&self, index: usize, span: Range<usize>) -> Site<'_> {
        Site {
            domain: &self.domain,
            term: &self.record.text()[span],
            index,
        }
    }
}

impl Reason {
    /// The cause this reason gives in `frame`, the record it is about.
    fn cause(self, frame: &Frame) -> Cause {
        match self {
            Self::Matched(index, span) => Cause::Matched(frame.site(index, span).location()),
            Self::NoMatch => Cause::NoMatch {
                domain: frame.domain.clone(),
            },
        }
    }
}

impl Site<'_> {
    pub(crate) fn location(&self) -> Location {
        Location {
            domain: self.domain.to_owned(),
            term: self.term.to_owned(),
            index: self.index,
        }
    }
}

/// Whether a term of a checked record is a modifier: its name is followed
/// by `=` (§4.6.1). Every other term of such a record is a directive; those
/// that need no DNS are read by [`quick_match`], so the rest query DNS.
fn is_modifier(term: &str) -> bool {
    let name = term.bytes().position(|byte| !is_name_byte(byte));
    name.is_some_and(|length| term.as_bytes()[length] == b'=')
}

/// The initial checks of §4.3: a multi-label name with labels of 1 to 63
/// octets and at most 253 octets, not an address literal. One pass over the
/// labels; an empty label is reported before an over-long one.
pub(crate) fn check_domain(domain: &str) -> Result<(), &'static str> {
    if domain.starts_with('[') {
        return Err("an address literal");
    }
    if domain.len() > crate::MAX_DOMAIN_LENGTH {
        return Err("longer than 253 octets");
    }

    let (mut dots, mut label, mut long_label) = (0, 0, false);
    for &byte in domain.as_bytes() {
        if byte != b'.' {
            label += 1;
            continue;
        }
        if label == 0 {
            return Err("an empty label");
        }
        (dots, long_label, label) = (dots + 1, long_label || label > 63, 0);
    }
    if dots == 0 {
        return Err("not a multi-label domain name");
    }
    if label == 0 {
        return Err("an empty label");
    }
    if long_label || label > 63 {
        return Err("a label longer than 63 octets");
    }
    Ok(())
}
