use super::*;

// envoy hash_test.cc: Hash.xxHash
#[test]
fn xx_hash_vectors() {
    assert_eq!(xx_hash64(b"foo", 0), 3_728_699_739_546_630_719);
    assert_eq!(xx_hash64(b"bar", 0), 5_234_164_152_756_840_025);
    assert_eq!(xx_hash64(b"foo\nbar", 0), 8_917_841_378_505_826_757);
    assert_eq!(xx_hash64(b"lyft", 0), 4_400_747_396_090_729_504);
    assert_eq!(xx_hash64(b"", 0), 17_241_709_254_077_376_921);
}

// envoy hash_test.cc: Hash.xxHashWithVector
#[test]
fn xx_hash_span_chains_seeds() {
    assert_eq!(xx_hash64_chain([&b"foo"[..], &b"bar"[..]], 0), 17_745_830_980_996_999_794);
}

// envoy hash_test.cc: Hash.murmurHash2
#[test]
fn murmur_hash2_vectors() {
    assert_eq!(murmur_hash2_64(b"foo", STD_HASH_SEED), 9_631_199_822_919_835_226);
    assert_eq!(murmur_hash2_64(b"bar", STD_HASH_SEED), 11_474_628_671_133_349_555);
    assert_eq!(murmur_hash2_64(b"foo\nbar", STD_HASH_SEED), 16_306_510_975_912_980_159);
    assert_eq!(murmur_hash2_64(b"lyft", STD_HASH_SEED), 12_847_078_931_730_529_320);
    assert_eq!(murmur_hash2_64(b"", STD_HASH_SEED), 6_142_509_188_972_423_790);
}

#[test]
fn fast_mod_edges() {
    for d in [1u64, 2, 3, 7, 17, 65_537, 5_000_011, u64::from(u32::MAX), u64::MAX] {
        let f = FastMod::new(d);
        for a in [0u64, 1, d - 1, d, d.wrapping_add(1), u64::MAX, u64::MAX - 1, 12_345_678_901_234] {
            assert_eq!(f.reduce(a), a % d, "{a} % {d}");
        }
    }
}

proptest::proptest! {
    #[test]
    fn fast_mod_matches_remainder(a: u64, d in 1u64..) {
        proptest::prop_assert_eq!(FastMod::new(d).reduce(a), a % d);
    }
}
