//! The hash functions Envoy's load balancers use, bit for bit: classic XXH64 (Envoy's
//! `HashUtil::xxHash64`) and the 64-bit MurmurHash2 variant of libstdc++'s `std::hash`
//! (Envoy's `MurmurHash::murmurHash2`), plus a fast modulo for table lookups.

/// The seed Envoy passes to MurmurHash2 when it builds a ring (`MurmurHash::STD_HASH_SEED`,
/// the seed of libstdc++'s `std::hash<std::string>`).
pub const STD_HASH_SEED: u64 = 0xc70f_6907;

/// XXH64 of `input` with `seed`, as Envoy's `HashUtil::xxHash64` computes it.
///
/// ```
/// use mesh_routing::lb::hash::xx_hash64;
/// // envoy hash_test.cc: Hash.xxHash
/// assert_eq!(xx_hash64(b"foo", 0), 3_728_699_739_546_630_719);
/// ```
#[inline]
pub fn xx_hash64(input: &[u8], seed: u64) -> u64 {
    xxhash_rust::xxh64::xxh64(input, seed)
}

/// XXH64 over several strings as Envoy's `xxHash64(absl::Span<absl::string_view>)` computes
/// it: each part hashed with the previous part's hash as its seed (the empty span hashes
/// the empty string).
pub fn xx_hash64_chain<'a>(parts: impl IntoIterator<Item = &'a [u8]>, seed: u64) -> u64 {
    let mut parts = parts.into_iter().peekable();
    if parts.peek().is_none() {
        return xx_hash64(b"", seed);
    }
    parts.fold(seed, |seed, p| xx_hash64(p, seed))
}

/// The 64-bit MurmurHash2 variant of libstdc++'s `_Hash_bytes` (Envoy's `murmurHash2`):
/// little-endian 8-byte blocks, the tail read as a little-endian integer, two final
/// shift-mix rounds.
///
/// ```
/// use mesh_routing::lb::hash::{murmur_hash2_64, STD_HASH_SEED};
/// // envoy hash_test.cc: Hash.murmurHash2
/// assert_eq!(murmur_hash2_64(b"foo", STD_HASH_SEED), 9_631_199_822_919_835_226);
/// ```
pub fn murmur_hash2_64(key: &[u8], seed: u64) -> u64 {
    const MUL: u64 = 0xc6a4_a793_5bd1_e995;
    let len = key.len() as u64;
    let mut hash = seed ^ len.wrapping_mul(MUL);
    let mut chunks = key.chunks_exact(8);
    for chunk in &mut chunks {
        let mut block = [0u8; 8];
        block.copy_from_slice(chunk);
        let data = shift_mix(u64::from_le_bytes(block).wrapping_mul(MUL)).wrapping_mul(MUL);
        hash ^= data;
        hash = hash.wrapping_mul(MUL);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        let mut data: u64 = 0;
        for &b in tail.iter().rev() {
            data = (data << 8).wrapping_add(u64::from(b));
        }
        hash ^= data;
        hash = hash.wrapping_mul(MUL);
    }
    hash = shift_mix(hash).wrapping_mul(MUL);
    shift_mix(hash)
}

#[inline]
fn shift_mix(v: u64) -> u64 {
    v ^ (v >> 47)
}

/// The hash function a ring is built with (`RingHashLbConfig.HashFunction`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum HashFunction {
    /// XXH64 with seed 0 (Envoy's default).
    #[default]
    XxHash,
    /// 64-bit MurmurHash2 with [`STD_HASH_SEED`].
    MurmurHash2,
}

impl HashFunction {
    /// Hashes `key` with this function, as Envoy hashes ring entries.
    #[inline]
    pub fn hash(self, key: &[u8]) -> u64 {
        match self {
            Self::XxHash => xx_hash64(key, 0),
            Self::MurmurHash2 => murmur_hash2_64(key, STD_HASH_SEED),
        }
    }
}

/// `a % d` for a fixed 64-bit divisor without a division instruction (Lemire, Kaser and
/// Kurz, "Faster remainder by direct computation", 2019): exact for every `a`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FastMod {
    m: u128,
    d: u64,
}

impl FastMod {
    /// A reducer for divisor `d`; `d` must not be zero (callers check).
    pub(crate) fn new(d: u64) -> Self {
        let d = d.max(1);
        Self { m: (u128::MAX / u128::from(d)).wrapping_add(1), d }
    }

    /// `a % d`.
    #[inline]
    pub(crate) fn reduce(&self, a: u64) -> u64 {
        if self.d == 1 {
            return 0;
        }
        let low = self.m.wrapping_mul(u128::from(a));
        // The high 128 bits of the 192-bit product `low * d`.
        let d = u128::from(self.d);
        let bottom = ((low as u64 as u128) * d) >> 64;
        let top = (low >> 64) * d;
        ((bottom + top) >> 64) as u64
    }
}

#[cfg(test)]
mod tests;
