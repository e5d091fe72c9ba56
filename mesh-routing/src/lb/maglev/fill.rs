//! The Maglev fill loop: Envoy's `MaglevTable` construction, slot for slot, over flat arrays.
//!
//! Envoy walks the hosts (sorted by key) in rounds; in round `iteration` a host whose
//! `iteration * weight` has not fallen behind its running `target` claims the first free slot
//! of its permutation `offset, offset + skip, offset + 2 * skip, ... (mod M)` and raises its
//! target by the largest weight. Two things make this port fast without changing a slot:
//!
//! - The permutation is stepped by one addition and a conditional subtraction, and probes
//!   read an occupancy bitmap (8 KB for 65,537 slots, so it stays in L1) rather than the table,
//!   two slots per branch.
//! - The tail. With `k` free slots left a probe sequence takes about `M / k` steps, so the
//!   last few hundred claims would cost about half of all probes. Once at most
//!   [`tail_threshold`] slots are free, a claim instead computes, for every free slot `f`,
//!   its distance `j = (f - pos) * skip⁻¹ mod M` along the host's permutation (`M` is prime,
//!   so `skip` is invertible and every slot appears exactly once per period) and takes the
//!   free slot with the smallest `j`: the very slot the probe loop would have reached first.

/// What one host brings to the fill, in the sorted order Envoy fills in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Permutation {
    /// `xxh64(key, 0) % M`.
    pub(super) offset: u32,
    /// `xxh64(key, 1) % (M - 1) + 1`.
    pub(super) skip: u32,
    /// The host's normalized weight (above 0).
    pub(super) weight: f64,
    /// The index the table reports for this host.
    pub(super) host: u32,
}

/// Below this many free slots the fill switches from probing to the free-slot scan: the
/// scan costs about `k` multiply-reduce steps a claim, probing about `M / k` steps, so the
/// crossover is near `sqrt(M)`.
pub(super) fn tail_threshold(size: u32) -> u32 {
    (f64::from(size).sqrt() as u32).max(1)
}

/// Fills a table of `size` slots (a prime of at least 2, at most 5,000,011). `hosts` is not
/// empty and `max_weight` is above 0. Returns the host index of every slot.
pub(super) fn fill(hosts: &[Permutation], max_weight: f64, size: u32) -> Vec<u32> {
    let n = hosts.len();
    let m = size;
    let mut pos: Vec<u32> = hosts.iter().map(|h| h.offset).collect();
    let skip: Vec<u32> = hosts.iter().map(|h| h.skip).collect();
    let weight: Vec<f64> = hosts.iter().map(|h| h.weight).collect();
    let owner: Vec<u32> = hosts.iter().map(|h| h.host).collect();
    let mut target = vec![0.0f64; n];
    let mut table = vec![u32::MAX; m as usize];
    let mut occupied = vec![0u64; (m as usize).div_ceil(64)];
    let threshold = tail_threshold(m).min(m);
    let mut tail: Option<Tail> = None;
    let mut free = m;
    let mut iteration: u32 = 1;
    'fill: loop {
        let round = f64::from(iteration);
        for e in 0..n {
            if free == 0 {
                break 'fill;
            }
            // Envoy: a host lighter than the heaviest claims only every few rounds.
            if round * weight[e] < target[e] {
                continue;
            }
            target[e] += max_weight;
            let s = skip[e];
            let slot = match tail.as_mut() {
                None => {
                    let p = first_free(&occupied, pos[e], s, m);
                    occupied[(p >> 6) as usize] |= 1u64 << (p & 63);
                    p
                }
                Some(t) => t.claim(pos[e], s, e),
            };
            table[slot as usize] = owner[e];
            pos[e] = step(slot, s, m);
            free -= 1;
            if tail.is_none() && free <= threshold && free > 0 {
                tail = Some(Tail::new(&occupied, m, &skip));
            }
        }
        iteration = iteration.wrapping_add(1);
    }
    table
}

/// The first free slot of the permutation from `p` on. Two positions are tested per branch:
/// in the middle of the fill a one-slot test mispredicts about every other claim; two halve
/// that (measured: 1.02 -> 0.94 ms for 1,000 hosts; four were slower again).
#[inline(always)]
fn first_free(occupied: &[u64], mut p: u32, s: u32, m: u32) -> u32 {
    let free = |q: u32| ((occupied[(q >> 6) as usize] >> (q & 63)) & 1) ^ 1;
    loop {
        let p1 = step(p, s, m);
        let bits = free(p) | (free(p1) << 1);
        if bits != 0 {
            return if bits & 1 != 0 { p } else { p1 };
        }
        p = step(p1, s, m);
    }
}

/// The next element of a permutation: `(p + s) mod m` for `p, s < m`.
#[inline(always)]
fn step(p: u32, s: u32, m: u32) -> u32 {
    let next = p + s;
    if next >= m { next - m } else { next }
}

/// The free slots of a nearly full table and each host's `skip⁻¹ mod M` (computed when the
/// host first claims in the tail).
struct Tail {
    free: Vec<u32>,
    inverse: Vec<u32>,
    m: u64,
    /// `floor((2^64 - 1) / m)`, for a Barrett reduction of products below `2^46`.
    mu: u64,
}

impl Tail {
    fn new(occupied: &[u64], m: u32, skips: &[u32]) -> Self {
        let free = (0..m).filter(|&p| occupied[(p >> 6) as usize] & (1u64 << (p & 63)) == 0).collect();
        let m = u64::from(m);
        Self { free, inverse: vec![0; skips.len()], m, mu: u64::MAX / m }
    }

    /// The first free slot of host `e`'s permutation from `pos` on, removed from the free list.
    fn claim(&mut self, pos: u32, skip: u32, e: usize) -> u32 {
        if self.inverse[e] == 0 {
            self.inverse[e] = inverse_mod(u64::from(skip), self.m) as u32;
        }
        let inv = u64::from(self.inverse[e]);
        let (m, mu, pos) = (self.m, self.mu, u64::from(pos));
        let mut best = (u64::MAX, 0usize);
        for (i, &f) in self.free.iter().enumerate() {
            let d = u64::from(f) + m - pos;
            let d = if d >= m { d - m } else { d };
            // `d * inv < 2^46` (both below 2^23), reduced modulo `m` (Barrett, one correction).
            let p = d * inv;
            let q = ((u128::from(p) * u128::from(mu)) >> 64) as u64;
            let r = p - q * m;
            let j = if r >= m { r - m } else { r };
            if j < best.0 {
                best = (j, i);
            }
        }
        self.free.swap_remove(best.1)
    }
}

/// `a⁻¹ mod m` for `0 < a < m` and `m` prime (extended Euclid).
fn inverse_mod(a: u64, m: u64) -> u64 {
    let (mut r0, mut r1) = (m as i64, a as i64);
    let (mut t0, mut t1) = (0i64, 1i64);
    while r1 != 0 {
        let q = r0 / r1;
        (r0, r1) = (r1, r0 - q * r1);
        (t0, t1) = (t1, t0 - q * t1);
    }
    t0.rem_euclid(m as i64) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverses() {
        for m in [2u64, 7, 65_537, 5_000_011] {
            for a in [1, m - 1, m / 2, m / 3 + 1] {
                if a == 0 {
                    continue;
                }
                assert_eq!(u128::from(a) * u128::from(inverse_mod(a, m)) % u128::from(m), 1, "{a} mod {m}");
            }
        }
    }

    #[test]
    fn tail_claim_is_the_first_free_slot_of_the_permutation() {
        let m = 101u32;
        let mut occupied = vec![!0u64; 2];
        let open = [3u32, 40, 77, 100];
        for &p in &open {
            occupied[(p >> 6) as usize] &= !(1u64 << (p & 63));
        }
        let mut tail = Tail::new(&occupied, m, &[13]);
        let (pos, skip) = (50u32, 13u32);
        let mut p = pos;
        while !open.contains(&p) {
            p = step(p, skip, m);
        }
        assert_eq!(tail.claim(pos, skip, 0), p);
        assert_eq!(tail.free.len(), 3);
    }
}
