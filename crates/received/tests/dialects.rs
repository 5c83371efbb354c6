//! Test vectors for the Received dialects of the MTAs mailtrail reads.
//!
//! Each vector is a field written the way the named MTA writes it (the
//! format from its documentation or source, with documentation names and
//! addresses of RFC 2606, RFC 5737 and RFC 3849 filled in), with every part
//! mailtrail must read and the deviations it must report. Parts not listed
//! must be absent, so a vector fails when the parser reads too much as well
//! as too little.

use std::collections::BTreeMap;

use mailtrail_received::Received;

#[path = "dialects/vectors.rs"]
mod vectors;

use vectors::VECTORS;

#[test]
fn every_dialect_vector_reads_exactly_its_parts() {
    let mut failures = Vec::new();

    for vector in VECTORS {
        let received = Received::parse(vector.value)
            .unwrap_or_else(|error| panic!("{}: {error}", vector.dialect));
        let parts = view(&received);
        let expected: BTreeMap<String, String> = vector
            .parts
            .iter()
            .map(|part| {
                let (name, value) = part.split_once('=').expect("name=value");
                (name.to_string(), value.to_string())
            })
            .collect();

        let deviations: Vec<&str> = received
            .deviations()
            .iter()
            .map(|d| d.kind.as_str())
            .collect();
        if parts != expected || deviations != vector.deviations {
            failures.push(format!(
                "{}:\n  read {parts:?}\n  want {expected:?}\n  deviations {deviations:?}",
                vector.dialect
            ));
        }
    }

    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_span_holds_the_text_of_its_part() {
    for vector in VECTORS {
        let received = Received::parse(vector.value).unwrap();
        let value = vector.value;

        let texts = [
            received.from_name(),
            received.helo(),
            received.reverse_dns(),
            received.by(),
            received.via(),
            received.id(),
            received.tls_cipher(),
            received.envelope_from(),
            received.with_text(),
        ];
        for part in texts.into_iter().flatten() {
            assert_eq!(&value[part.span.range()], part.value, "{}", vector.dialect);
        }
        for recipient in received.recipients() {
            assert_eq!(
                &value[recipient.span.range()],
                recipient.value,
                "{}",
                vector.dialect
            );
        }
        if let Some(ip) = received.from_ip() {
            assert!(value[ip.span.range()].contains(|c: char| c.is_ascii_hexdigit()));
        }
    }
}

#[test]
fn dialects_are_distinct_and_cover_the_named_mtas() {
    let names: Vec<&str> = VECTORS.iter().map(|vector| vector.dialect).collect();

    for mta in [
        "Postfix",
        "Exim 3",
        "Exim 4",
        "Sendmail",
        "qmail",
        "Microsoft",
        "Gmail",
        "Haraka",
        "OpenSMTPD",
        "Courier",
        "MDaemon",
        "Domino",
        "webmail",
    ] {
        assert!(
            names.iter().any(|name| name.contains(mta)),
            "no vector for {mta}"
        );
    }
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len());
}

/// Every part mailtrail read, as `name -> value` text.
fn view(received: &Received<'_>) -> BTreeMap<String, String> {
    let mut parts = BTreeMap::new();
    let mut put = |name: &str, value: Option<String>| {
        if let Some(value) = value {
            parts.insert(name.to_string(), value);
        }
    };

    put(
        "from_name",
        received.from_name().map(|p| p.value.to_string()),
    );
    put("helo", received.helo().map(|p| p.value.to_string()));
    put("greeting", received.greeting().map(|g| g.to_string()));
    put(
        "reverse_dns",
        received.reverse_dns().map(|p| p.value.to_string()),
    );
    put("from_ip", received.from_ip().map(|p| p.value.to_string()));
    put(
        "from_port",
        received.from_port().map(|port| port.to_string()),
    );
    put("ident", received.ident().map(|p| p.value.to_string()));
    put(
        "local_user",
        received.local_user().map(|p| p.value.to_string()),
    );
    put(
        "envelope_from",
        received.envelope_from().map(|p| p.value.to_string()),
    );
    if let Some(auth) = received.authentication() {
        match (auth.user, auth.mechanism) {
            (None, None) => put("authenticated", Some(slice(received, auth.span))),
            (user, mechanism) => {
                put("auth_user", user.map(|p| p.value.to_string()));
                put("auth_mechanism", mechanism.map(|p| p.value.to_string()));
            }
        }
    }
    put("by", received.by().map(|p| p.value.to_string()));
    put("by_ip", received.by_ip().map(|p| p.value.to_string()));
    put(
        "by_software",
        received.by_software().map(|p| p.value.to_string()),
    );
    put("via", received.via().map(|p| p.value.to_string()));
    put("with", received.with().map(|p| p.value.to_string()));
    let with_text = received.with_text().map(|p| p.value.to_string());
    let protocol = received
        .with()
        .map(|p| p.value.as_str().to_ascii_lowercase());
    if with_text.as_ref().map(|text| text.to_ascii_lowercase()) != protocol {
        put("with_text", with_text);
    }
    put("id", received.id().map(|p| p.value.to_string()));
    let recipients: Vec<&str> = received.recipients().map(|r| r.value).collect();
    put(
        "for",
        (!recipients.is_empty()).then(|| recipients.join(",")),
    );
    put(
        "tls_version",
        received.tls_version().map(|p| p.value.to_string()),
    );
    put(
        "tls_cipher",
        received.tls_cipher().map(|p| p.value.to_string()),
    );
    put("date", received.date().map(|p| p.value.to_string()));
    parts
}

fn slice(received: &Received<'_>, span: mailtrail_message::Span) -> String {
    received.as_str()[span.range()].to_string()
}
