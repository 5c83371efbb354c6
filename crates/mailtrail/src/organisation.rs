//! What the organisation knows about itself, all of it optional: its
//! domains, its internal hosts and networks, the authserv-ids it trusts, and
//! the gateways its inbound mail must pass.

use mailtrail_received::{InvalidMember, Member, Organisation};

/// The organisation's own view, as an analyst states it.
///
/// ```
/// use mailtrail::OrganisationView;
///
/// let view = OrganisationView::new()
///     .with_domain("ourcompany.com")
///     .with_internal("*.prod.outlook.com")?
///     .with_trusted_id("mx1.new-seg-vendor.com")
///     .with_gateway("mx1.new-seg-vendor.com");
/// assert_eq!(view.domains(), ["ourcompany.com"]);
/// # Ok::<(), mailtrail_received::InvalidMember>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct OrganisationView {
    domains: Vec<String>,
    internal: Vec<Member>,
    trusted_ids: Vec<String>,
    gateways: Vec<String>,
}

impl OrganisationView {
    /// Knows nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a domain the organisation receives mail for.
    pub fn with_domain(mut self, domain: impl Into<String>) -> Self {
        self.domains.push(lowercase_name(&domain.into()));
        self
    }

    /// Adds an internal host name, `*.domain` pattern or IP network.
    pub fn with_internal(mut self, member: &str) -> Result<Self, InvalidMember> {
        self.internal.push(member.parse()?);
        Ok(self)
    }

    /// Adds an authserv-id whose Authentication-Results the organisation
    /// trusts.
    pub fn with_trusted_id(mut self, authserv_id: impl Into<String>) -> Self {
        self.trusted_ids.push(authserv_id.into());
        self
    }

    /// Adds an expected inbound gateway (a host name).
    pub fn with_gateway(mut self, host: impl Into<String>) -> Self {
        self.gateways.push(lowercase_name(&host.into()));
        self
    }

    /// The organisation's domains.
    pub fn domains(&self) -> &[String] {
        &self.domains
    }

    /// The trusted authserv-ids.
    pub fn trusted_ids(&self) -> &[String] {
        &self.trusted_ids
    }

    /// The gateways given, if any.
    pub fn gateways(&self) -> &[String] {
        &self.gateways
    }

    /// The internal members given, and `extra` hosts the analysis learnt
    /// (MX hosts, gateways, the host that wrote the newest Received field).
    pub(crate) fn organisation<'h>(
        &self,
        extra: impl IntoIterator<Item = &'h str>,
    ) -> Organisation {
        let mut organisation = Organisation::new();
        for member in &self.internal {
            organisation.add(member.clone());
        }
        for host in extra {
            organisation.add(Member::Host(lowercase_name(host)));
        }
        organisation
    }
}

/// A host or domain name as the analysis compares it: lowercase, without a
/// trailing dot.
pub(crate) fn lowercase_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}
