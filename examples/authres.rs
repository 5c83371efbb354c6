//! The Authentication-Results and ARC-Authentication-Results fields of a
//! message, parsed, and which of them to believe.
//!
//! ```text
//! cargo run --example authres -- [--json] [--strict] [--trust ID]... [--boundary INDEX] FILE
//! cargo run --example authres -- benches/data/realistic.eml
//! cargo run --example authres -- --trust mx1.gateway.example.com benches/data/realistic.eml
//! cat message.eml | cargo run --example authres -- --json --trust mx.example.com -
//! ```
//!
//! FILE is a message or a bare header block; `-` reads standard input. The
//! output has one block per field, top to bottom: the authserv-id, each
//! result with its properties and comments, the deviations lenient parsing
//! tolerated, and with `--trust` the verdict. `--trust` names an authserv-id
//! the organisation trusts (repeat it for each); `--boundary` gives the index
//! of the lowest header field the organisation added (usually its entry
//! host's Received field), below which a trusted id is forged. `--strict`
//! rejects any deviation from RFC 8601.
//!
//! `--json` prints an array with one object per field:
//! `{"field", "authserv_id", "version", "instance", "results": [{"method",
//! "method_version", "result", "reason", "properties": [{"ptype",
//! "property", "value"}], "comments"}], "deviations", "trust"}`, where
//! `trust` is there with `--trust`; a field that cannot be parsed gives
//! `{"field", "error"}`. Each object also has the field's `index` and `span`
//! in the message, and parts carry their spans. Exit status: 0 when every
//! field parsed, 1 when a field could not be parsed or the input could not
//! be read, 2 on bad usage.

use std::process::ExitCode;

use clap::Parser;
use mailtrail_authres::{
    AuthenticationResults, AuthresField, Property, ResultInfo, Strictness, TrustConfig, Verdict,
    parse_fields,
};
use mailtrail_examples::read_input;
use mailtrail_message::{Span, split};
use serde::Serialize;

/// Parse the Authentication-Results fields of a message and classify them.
#[derive(Debug, Parser)]
#[command(name = "authres", version)]
struct Cli {
    /// Print JSON instead of one block per field.
    #[arg(long)]
    json: bool,

    /// Reject any deviation from RFC 8601 instead of reporting it.
    #[arg(long)]
    strict: bool,

    /// An authserv-id the organisation trusts. Repeat for each.
    #[arg(long, value_name = "ID")]
    trust: Vec<String>,

    /// Index of the lowest header field the organisation added (0 is the
    /// top); fields below it came from outside.
    #[arg(long, value_name = "INDEX", requires = "trust")]
    boundary: Option<usize>,

    /// A message or header block; `-` reads standard input.
    #[arg(value_name = "FILE")]
    file: String,
}

/// One field as its JSON object.
#[derive(Debug, Serialize)]
struct FieldReport<'r, 'b> {
    field: &'b str,
    index: usize,
    span: Span,
    #[serde(flatten)]
    outcome: Outcome<'r, 'b>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trust: Option<TrustReport>,
}

/// The parsed value, or the error.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Outcome<'r, 'b> {
    Parsed(&'r AuthenticationResults<'b>),
    Failed { error: String, offset: usize },
}

/// A verdict as JSON: the word and the reason in words.
#[derive(Debug, Serialize)]
struct TrustReport {
    verdict: &'static str,
    reason: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let message = match read_input(&cli.file) {
        Ok(message) => message,
        Err(error) => {
            eprintln!("authres: {error}");
            return ExitCode::from(1);
        }
    };

    let block = split(&message);
    let strictness = if cli.strict {
        Strictness::Strict
    } else {
        Strictness::Lenient
    };
    let fields = parse_fields(&block, strictness);
    let verdicts = (!cli.trust.is_empty())
        .then(|| TrustConfig::new(&cli.trust).classify(&fields, cli.boundary));

    let reports = reports(&fields, verdicts.as_deref());
    if cli.json {
        match serde_json::to_string_pretty(&reports) {
            Ok(text) => println!("{text}"),
            Err(error) => eprintln!("authres: cannot write JSON: {error}"),
        }
    } else {
        print!("{}", human(&fields, verdicts.as_deref()));
    }

    if fields.iter().all(|field| field.parsed.is_ok()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The JSON objects of `fields`, with their verdicts if classified.
fn reports<'r, 'b>(
    fields: &'r [AuthresField<'b>],
    verdicts: Option<&[Verdict]>,
) -> Vec<FieldReport<'r, 'b>> {
    fields
        .iter()
        .enumerate()
        .map(|(number, field)| FieldReport {
            field: field.name,
            index: field.index,
            span: field.span,
            outcome: match &field.parsed {
                Ok(header) => Outcome::Parsed(header),
                Err(error) => Outcome::Failed {
                    error: error.to_string(),
                    offset: error.offset(),
                },
            },
            trust: verdicts.map(|verdicts| TrustReport {
                verdict: verdicts[number].trust.as_str(),
                reason: verdicts[number].reason.to_string(),
            }),
        })
        .collect()
}

/// One block of text per field.
fn human(fields: &[AuthresField<'_>], verdicts: Option<&[Verdict]>) -> String {
    if fields.is_empty() {
        return "no Authentication-Results or ARC-Authentication-Results field\n".to_owned();
    }

    let mut text = String::new();
    for (number, field) in fields.iter().enumerate() {
        text.push_str(&format!(
            "[{}] {} at bytes {}\n",
            field.index, field.name, field.span
        ));

        match &field.parsed {
            Ok(header) => text.push_str(&describe(header)),
            Err(error) => text.push_str(&format!("  error: {error}\n")),
        }
        if let Some(verdicts) = verdicts {
            let verdict = verdicts[number];
            text.push_str(&format!(
                "  trust: {} ({})\n",
                verdict.trust, verdict.reason
            ));
        }
        text.push('\n');
    }

    text
}

/// The lines describing one parsed field.
fn describe(header: &AuthenticationResults<'_>) -> String {
    let mut text = String::new();

    if let Some(instance) = header.instance {
        text.push_str(&format!("  instance: {instance}\n"));
    }
    let id = header.authserv_id.as_deref().unwrap_or("(missing)");
    text.push_str(&format!("  authserv-id: {id}"));
    if let Some(version) = header.version {
        text.push_str(&format!(" (version {version})"));
    }
    text.push('\n');
    for comment in &header.comments {
        text.push_str(&format!("    ({comment})\n"));
    }

    if header.results.is_empty() {
        text.push_str("  none\n");
    }
    for result in &header.results {
        text.push_str(&describe_result(result));
    }
    for deviation in &header.deviations {
        text.push_str(&format!("  deviation: {deviation}\n"));
    }

    text
}

/// The lines of one result: the method and result, then one line per
/// reason, comment and property.
fn describe_result(result: &ResultInfo<'_>) -> String {
    let version = result
        .method_version
        .map(|version| format!("/{version}"))
        .unwrap_or_default();
    let mut text = format!("  {}{version}={}\n", result.method, result.result);

    if let Some(reason) = &result.reason {
        text.push_str(&format!("    reason: {reason}\n"));
    }
    for comment in &result.comments {
        text.push_str(&format!("    ({comment})\n"));
    }
    for property in &result.properties {
        text.push_str(&describe_property(property));
    }

    text
}

/// `ptype.property=value` and the property's comments, on one line.
fn describe_property(property: &Property<'_>) -> String {
    let name = match &property.ptype {
        Some(ptype) => format!("{ptype}.{}", property.property),
        None => property.property.to_string(),
    };
    let comments: String = property
        .comments
        .iter()
        .map(|comment| format!(" ({comment})"))
        .collect();

    format!("    {name}={}{comments}\n", property.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MESSAGE: &[u8] = b"Authentication-Results: mx.ourcompany.example;\r\n\
        \tdkim=pass (signature was verified) header.d=vendor.example\r\n\
        Received: from mta.vendor.example by mx.ourcompany.example\r\n\
        ARC-Authentication-Results: i=1; mx.ourcompany.example; spf=pass action=none\r\n\
        Authentication-Results: relay.example.net(unclosed; spf=pass\r\n\r\n";

    fn json(verdicts: bool) -> serde_json::Value {
        let block = split(MESSAGE);
        let fields = parse_fields(&block, Strictness::Lenient);
        let verdicts = verdicts
            .then(|| TrustConfig::new(["mx.ourcompany.example"]).classify(&fields, Some(1)));

        serde_json::to_value(reports(&fields, verdicts.as_deref())).unwrap()
    }

    #[test]
    fn json_has_the_documented_keys_for_each_field() {
        let json = json(false);
        let first = json[0].as_object().unwrap();

        for key in [
            "field",
            "authserv_id",
            "version",
            "instance",
            "results",
            "deviations",
        ] {
            assert!(first.contains_key(key), "missing {key}");
        }
        assert!(!first.contains_key("trust"));
        assert_eq!(json[0]["field"], "Authentication-Results");
        assert_eq!(json[0]["authserv_id"], "mx.ourcompany.example");

        let dkim = &json[0]["results"][0];
        for key in [
            "method",
            "method_version",
            "result",
            "reason",
            "properties",
            "comments",
        ] {
            assert!(dkim.get(key).is_some(), "missing {key}");
        }
        assert_eq!(dkim["comments"][0], "signature was verified");
        let property = &dkim["properties"][0];
        assert_eq!(
            (
                &property["ptype"],
                &property["property"],
                &property["value"]
            ),
            (&"header".into(), &"d".into(), &"vendor.example".into())
        );
    }

    #[test]
    fn json_reports_instances_deviations_and_errors() {
        let json = json(false);

        assert_eq!(json[1]["instance"], 1);
        assert_eq!(json[1]["deviations"][0]["kind"], "property-without-type");
        assert!(json[1]["results"][0]["properties"][0]["ptype"].is_null());
        assert_eq!(json[2]["field"], "Authentication-Results");
        assert!(json[2]["error"].as_str().unwrap().contains("never closed"));
        assert!(json[2].get("results").is_none());
    }

    #[test]
    fn trust_appears_with_trusted_ids() {
        let json = json(true);

        assert_eq!(json[0]["trust"]["verdict"], "trusted");
        assert_eq!(json[1]["trust"]["verdict"], "forged");
        assert_eq!(json[2]["trust"]["verdict"], "untrusted");
    }

    #[test]
    fn human_output_has_a_block_per_field() {
        let block = split(MESSAGE);
        let fields = parse_fields(&block, Strictness::Lenient);
        let text = human(&fields, None);

        assert!(text.contains("[0] Authentication-Results at bytes 0.."));
        assert!(
            text.contains(
                "  dkim=pass\n    (signature was verified)\n    header.d=vendor.example\n"
            )
        );
        assert!(text.contains("  instance: 1\n"));
        assert!(text.contains("  error: comment opened at offset"));
        assert_eq!(text.matches("\n[").count() + 1, 3);
    }
}
