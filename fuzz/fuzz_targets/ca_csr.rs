//! The CA on arbitrary CSRs and public keys: issuing never panics, and what it issues
//! carries exactly the granted SPIFFE ID.
#![no_main]

use std::sync::OnceLock;
use std::time::{Duration, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use mesh_identity::{Ca, Entropy, KeyPair, KeyType, SpiffeId, SubjectKey, TrustDomain, X509Svid};

/// A fixed byte stream: the CA's key is the same in every run.
struct Counter(u8);

impl Entropy for Counter {
    fn fill(&mut self, dest: &mut [u8]) {
        for b in dest {
            self.0 = self.0.wrapping_mul(31).wrapping_add(7);
            *b = self.0;
        }
    }
}

fn ca() -> &'static Ca {
    static CA: OnceLock<Ca> = OnceLock::new();
    CA.get_or_init(|| {
        let mut e = Counter(1);
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let td = TrustDomain::parse("example.org").expect("valid");
        let key = KeyPair::generate(KeyType::EcP256, &mut e).expect("key");
        Ca::new_root(td, key, None, now, &mut e).expect("root")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, der)) = data.split_first() else { return };
    let id = SpiffeId::parse("spiffe://example.org/ns/default/sa/fuzz").expect("valid");
    let subject = if kind % 2 == 0 { SubjectKey::Csr(der) } else { SubjectKey::PublicKey(der) };
    let now = UNIX_EPOCH + Duration::from_secs(1_800_000_100);
    let mut e = Counter(9);
    if let Ok(issued) = ca().issue(&id, subject, Some(Duration::from_secs(3600)), now, &mut e) {
        assert_eq!(issued.spiffe_id, id);
        let svid = X509Svid::from_der_chain(issued.chain.clone());
        if let Ok(svid) = svid {
            assert_eq!(svid.spiffe_id(), &id);
        }
    }
});
