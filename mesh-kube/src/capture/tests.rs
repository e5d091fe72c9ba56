use super::*;

#[test]
fn split_drops_empty_items() {
    // istio tools/common/config types.go Split: "6000,7000," has two items.
    assert_eq!(split("6000,7000,").collect::<Vec<_>>(), ["6000", "7000"]);
    assert_eq!(split("").count(), 0);
}

#[test]
fn ranges_keep_host_bits_and_flag_loopback() {
    let (v4, v6) = NetworkRange::separate("f", "127.1.2.3/32,2001:db8::/32,10.0.0.1/8").unwrap();
    assert_eq!(v4.cidrs, ["127.1.2.3/32", "10.0.0.1/8"]);
    assert!(v4.has_loopback);
    assert_eq!(v6.cidrs, ["2001:db8::/32"]);
    assert!(!v6.has_loopback);
}

#[test]
fn bad_inputs_are_errors() {
    for (cfg, want) in [
        (
            CaptureConfig { inbound_ports_include: "80,http".into(), ..CaptureConfig::default() },
            CaptureError::InvalidPort { field: "inboundPortsInclude".into(), value: "http".into() },
        ),
        (
            CaptureConfig { outbound_ip_ranges_exclude: "*".into(), ..CaptureConfig::default() },
            CaptureError::WildcardExclude { field: "outboundIPRangesExclude".into() },
        ),
        (
            CaptureConfig { outbound_ip_ranges_include: "10.0.0.0/33".into(), ..CaptureConfig::default() },
            CaptureError::InvalidCidr {
                field: "outboundIPRangesInclude".into(),
                value: "10.0.0.0/33".into(),
            },
        ),
        (
            CaptureConfig { outbound_ports_exclude: "0".into(), ..CaptureConfig::default() },
            CaptureError::InvalidPort { field: "outboundPortsExclude".into(), value: "0".into() },
        ),
    ] {
        assert_eq!(cfg.validate(), Err(want));
    }
}

#[test]
fn exclude_inbound_port_adds_status_port_once() {
    use annotations::exclude_inbound_port;
    // istio pkg/kube/inject template.go excludeInboundPort
    assert_eq!(exclude_inbound_port("15020", ""), "15020");
    assert_eq!(exclude_inbound_port("15020", "80, 81"), "80,81,15020");
    assert_eq!(exclude_inbound_port("15020", "80,15020"), "80,15020");
    assert_eq!(exclude_inbound_port("0", "80"), "80");
}
