//! The JSON form of fields, chains and anomalies (the `serde` feature).
//!
//! A field serializes as the flat object forensic tools print: one key per
//! part, `null` when absent, the date in RFC 3339 UTC, deviations as
//! `kind at start..end` strings. `ident` is the ident user, or for a local
//! submission the local user; `auth` is the authenticated user, else the
//! mechanism, else `authenticated`. Spans stay in the Rust API.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, SerializeStruct, Serializer};

use crate::{Anomaly, Chain, Hop, Received, Spanned};

/// The keys of a serialized field, in order.
pub(crate) const FIELD_KEYS: usize = 16;

impl Serialize for Received<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        fn text(part: Option<Spanned<&str>>) -> Option<&str> {
            part.map(|part| part.value)
        }

        let auth = self.authentication().map(|auth| {
            let named = auth.user.or(auth.mechanism).map(|part| part.value);
            named.unwrap_or("authenticated")
        });

        let mut state = serializer.serialize_struct("Received", FIELD_KEYS)?;
        state.serialize_field("from_helo", &text(self.helo()))?;
        state.serialize_field("from_rdns", &text(self.reverse_dns()))?;
        state.serialize_field("from_ip", &self.from_ip().map(|ip| ip.value))?;
        state.serialize_field("ident", &text(self.ident().or_else(|| self.local_user())))?;
        state.serialize_field("by", &text(self.by()))?;
        state.serialize_field("by_ip", &self.by_ip().map(|ip| ip.value))?;
        state.serialize_field("via", &text(self.via()))?;
        state.serialize_field("with", &self.with().map(|with| with.value.as_str()))?;
        state.serialize_field("id", &text(self.id()))?;
        state.serialize_field("for", &Recipients(self))?;
        state.serialize_field("envelope_from", &text(self.envelope_from()))?;
        state.serialize_field("tls_version", &self.tls_version().map(|v| v.value.as_str()))?;
        state.serialize_field("tls_cipher", &text(self.tls_cipher()))?;
        state.serialize_field("auth", &auth)?;
        state.serialize_field("date", &self.date().map(|date| date.value))?;
        state.serialize_field("deviations", &Deviations(self))?;
        state.end()
    }
}

/// The recipients as an array of strings.
struct Recipients<'r, 'a>(&'r Received<'a>);

impl Serialize for Recipients<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut sequence = serializer.serialize_seq(None)?;
        for recipient in self.0.recipients() {
            sequence.serialize_element(recipient.value)?;
        }
        sequence.end()
    }
}

/// The deviations as `kind at start..end` strings.
struct Deviations<'r, 'a>(&'r Received<'a>);

impl Serialize for Deviations<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.deviations().iter().map(ToString::to_string))
    }
}

impl Serialize for Hop<'_> {
    /// A readable hop as its field; an unreadable one as a field with every
    /// part `null` and the error as its only deviation.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if let Some(received) = self.received() {
            return received.serialize(serializer);
        }

        let error = self.error().map(|error| error.to_string());
        let mut map = serializer.serialize_map(Some(FIELD_KEYS))?;
        for key in [
            "from_helo",
            "from_rdns",
            "from_ip",
            "ident",
            "by",
            "by_ip",
            "via",
            "with",
            "id",
        ] {
            map.serialize_entry(key, &None::<()>)?;
        }
        map.serialize_entry("for", &[(); 0])?;
        for key in ["envelope_from", "tls_version", "tls_cipher", "auth", "date"] {
            map.serialize_entry(key, &None::<()>)?;
        }
        map.serialize_entry("deviations", &[error])?;
        map.end()
    }
}

impl Serialize for Anomaly {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut state = serializer.serialize_struct("Anomaly", 3)?;
        state.serialize_field("kind", self.kind())?;
        state.serialize_field("hop", &self.hop())?;
        state.serialize_field("message", &self.to_string())?;
        state.end()
    }
}

impl Serialize for Chain<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut state = serializer.serialize_struct("Chain", 2)?;
        state.serialize_field("hops", self.hops())?;
        state.serialize_field("anomalies", self.anomalies())?;
        state.end()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::{ChainOptions, ParseError};

    use super::*;

    #[test]
    fn a_field_serializes_with_exactly_the_documented_keys() {
        let field = Received::parse(
            "from [192.0.2.77] (helo=relay.example.org) by mail.example.org with esmtpsa \
             (TLS1.3) tls TLS_AES_256_GCM_SHA384 (Exim 4.97) (envelope-from <n@example.org>) \
             id 1rk0aF-00Fx3C-2T for a@example.com; Tue, 12 Mar 2024 09:14:24 GMT",
        )
        .unwrap();
        let json = serde_json::to_value(&field).unwrap();

        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), FIELD_KEYS);
        assert_eq!(json["from_helo"], "relay.example.org");
        assert_eq!(json["from_rdns"], Value::Null);
        assert_eq!(json["from_ip"], "192.0.2.77");
        assert_eq!(json["with"], "ESMTPSA");
        assert_eq!(json["for"], json!(["a@example.com"]));
        assert_eq!(json["envelope_from"], "n@example.org");
        assert_eq!(json["tls_version"], "TLSv1.3");
        assert_eq!(json["tls_cipher"], "TLS_AES_256_GCM_SHA384");
        assert_eq!(json["date"], "2024-03-12T09:14:24Z");
        assert_eq!(
            json["deviations"][0].as_str().unwrap().split(' ').next(),
            Some("obsolete-zone")
        );
    }

    #[test]
    fn an_unreadable_hop_keeps_the_same_keys() {
        let chain = Chain::new([Err(ParseError::Empty)], &ChainOptions::default());
        let json = serde_json::to_value(&chain).unwrap();

        assert_eq!(json["hops"][0].as_object().unwrap().len(), FIELD_KEYS);
        assert_eq!(json["hops"][0]["deviations"][0], "empty received field");
        assert_eq!(json["anomalies"][0]["kind"], "unreadable");
    }
}
