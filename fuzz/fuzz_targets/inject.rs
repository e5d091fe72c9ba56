//! Fuzzes sidecar injection: any JSON pod (annotations included) is injected or rejected
//! without a panic, and the JSON Patch answered turns the pod into the injected pod. The
//! HPA decision is fuzzed from the same bytes read as a `meshctl hpa` input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mesh_kube::hpa::Hpa;
use mesh_kube::inject::{InjectValues, apply, diff, inject_pod};

fuzz_target!(|data: &[u8]| {
    let Ok(pod) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    for native in [false, true] {
        let values = InjectValues { native_sidecar: native, ..InjectValues::default() };
        if let Ok(injected) = inject_pod(&pod, &values) {
            let patch = diff(&pod, &injected);
            assert_eq!(apply(&pod, &patch).expect("the patch applies"), injected);
        }
    }
    if let Ok(hpa) = serde_json::from_value::<Hpa>(pod) {
        let _ = hpa.decide();
    }
});
