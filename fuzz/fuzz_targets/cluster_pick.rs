//! A cluster's endpoint pick on arbitrary endpoints, locality settings and policies: building
//! and picking never panic; a pick names a member Envoy counts (never a locality
//! `distribute` dropped), healthy unless its priority is in panic; a consistent-hash pick
//! depends only on the hash.
#![no_main]

use std::collections::BTreeMap;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mesh_model::networking::{LocalityDistribute, LocalityLoadBalancerSetting};
use mesh_routing::lb::cluster::{ClientLocality, ClusterLoadAssignment, ClusterSettings, PickContext};
use mesh_routing::lb::policy::Policy;
use mesh_routing::lb::{Endpoint, Health, Locality};

#[derive(Debug, Arbitrary)]
struct Input {
    endpoints: Vec<(u8, u8, u8)>,
    policy: u8,
    locality: u8,
    client_zone: u8,
    distribute: Vec<(u8, u8)>,
    seed: u64,
    draws: Vec<u64>,
    hashes: Vec<Option<u64>>,
    active: Vec<u64>,
}

fuzz_target!(|input: Input| {
    let zone = |z: u8| Locality::parse(&format!("r{}/z{}/", z % 2, z % 4));
    let endpoints: Vec<Endpoint> = input
        .endpoints
        .iter()
        .take(32)
        .enumerate()
        .map(|(i, &(w, z, h))| {
            Endpoint::new(format!("10.0.0.{i}:80"))
                .with_weight(u32::from(w % 8) + 1)
                .with_locality(zone(z))
                .with_health(match h % 4 {
                    0 => Health::Unhealthy,
                    1 => Health::Degraded,
                    _ => Health::Healthy,
                })
        })
        .collect();
    let policy = match input.policy % 5 {
        0 => Policy::RoundRobin,
        1 => Policy::LeastRequest,
        2 => Policy::Random,
        3 => Policy::Maglev { table_size: 251 },
        _ => Policy::RingHash { minimum_ring_size: 64 },
    };
    let locality = match input.locality % 3 {
        0 => None,
        1 => Some(LocalityLoadBalancerSetting::default()),
        _ => Some(LocalityLoadBalancerSetting {
            distribute: vec![LocalityDistribute {
                from: Some("*".into()),
                to: input
                    .distribute
                    .iter()
                    .take(4)
                    .map(|&(z, w)| (format!("r{}/z{}/*", z % 2, z % 4), u32::from(w % 101)))
                    .collect(),
            }],
            ..Default::default()
        }),
    };
    let settings =
        ClusterSettings { locality, failover: input.locality % 2 == 1, policy, ..Default::default() };
    let client = ClientLocality { locality: zone(input.client_zone), labels: BTreeMap::new() };
    let cla = ClusterLoadAssignment::build(endpoints, &settings, Some(&client));
    let mut state = cla.new_state(input.seed);
    let mut draws = input.draws.iter().copied().cycle();
    let mut next = || draws.next().unwrap_or(7);
    let counters = |m: usize| input.active.get(m).copied().unwrap_or(0);
    let consistent = matches!(policy, Policy::Maglev { .. } | Policy::RingHash { .. });
    for hash in input.hashes.iter().take(16) {
        let context = PickContext { hash: *hash, active_requests: Some(&counters) };
        let Some(i) = cla.pick_in(&mut state, &mut next, context) else { continue };
        let member = &cla.members()[i];
        assert!(!member.dropped(), "picked a dropped member {i}");
        let priority = member.priority as usize;
        let panic = cla.load().panic.get(priority).copied().unwrap_or(false);
        if !panic && !consistent {
            assert!(member.endpoint.health != Health::Unhealthy, "picked unhealthy {i} outside panic");
        }
        if consistent && hash.is_some() {
            let again = cla.pick_in(&mut state, &mut || 0, context);
            assert_eq!(again, Some(i), "a hash picks one member");
        }
    }
});
