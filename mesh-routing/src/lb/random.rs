//! Random selection (Envoy's `RandomLoadBalancer`) and the source of random draws the
//! policies take from their caller.

/// Where a policy takes its random draws from: the caller's generator, so that the library
/// reads no global RNG. Any `FnMut() -> u64` is one.
pub trait RandomSource {
    /// The next uniformly distributed 64-bit draw.
    fn next_u64(&mut self) -> u64;
}

impl<F: FnMut() -> u64> RandomSource for F {
    fn next_u64(&mut self) -> u64 {
        self()
    }
}

/// The host Envoy's random policy picks from `n` hosts with the draw `random`
/// (`random % n`); `None` when there is no host. Envoy uses the same draw to choose the
/// priority first (see [`PriorityLoad::choose`](super::PriorityLoad::choose)).
///
/// ```
/// assert_eq!(mesh_routing::lb::random::pick(3, 7), Some(1));
/// assert_eq!(mesh_routing::lb::random::pick(0, 7), None);
/// ```
pub fn pick(n: usize, random: u64) -> Option<usize> {
    if n == 0 { None } else { Some((random % n as u64) as usize) }
}
