use super::*;

#[test]
fn segments_and_accessors() {
    let id = SpiffeId::parse("spiffe://example.org/ns/a/sa/b").unwrap();
    assert_eq!(id.segments().collect::<Vec<_>>(), ["ns", "a", "sa", "b"]);
    assert!(!id.is_trust_domain_id());
    let root = SpiffeId::parse("spiffe://example.org").unwrap();
    assert_eq!(root.segments().count(), 0);
    assert!(root.is_trust_domain_id());
    assert_eq!(format!("{root:?}"), "SpiffeId(\"spiffe://example.org\")");
}

#[test]
fn long_values_are_cut_in_messages() {
    let long = format!("https://{}", "a".repeat(200));
    let msg = SpiffeId::parse(&long).unwrap_err().to_string();
    assert!(msg.len() < 200, "{msg}");
}

#[test]
fn percent_position_is_reported() {
    assert_eq!(
        SpiffeId::parse("spiffe://td/a%20").unwrap_err(),
        SpiffeIdError::PercentEncoded { value: "spiffe://td/a%20".into(), position: 13 }
    );
}
