//! Weighted round robin as Envoy's `RoundRobinLoadBalancer` picks within one host list: a
//! plain rotation when every weight is equal, else an EDF schedule started `seed` picks in.

use super::edf::EdfScheduler;

/// A round-robin rotation over hosts `0..n`.
///
/// ```
/// use mesh_routing::lb::RoundRobin;
/// // envoy load_balancer_impl_test.cc: RoundRobinLoadBalancerTest.Seed (seed 1 starts at host 1).
/// let mut rr = RoundRobin::new(&[1, 1, 1], 1);
/// let picks: Vec<usize> = (0..4).filter_map(|_| rr.pick()).collect();
/// assert_eq!(picks, [1, 2, 0, 1]);
/// ```
#[derive(Debug, Clone)]
pub struct RoundRobin {
    weights: Vec<u32>,
    mode: Mode,
}

#[derive(Debug, Clone)]
enum Mode {
    /// Equal weights (or at most one host): host `index % n`, index starting at the seed.
    Rotation { index: u64 },
    /// Different weights: an EDF schedule.
    Weighted(EdfScheduler),
}

impl RoundRobin {
    /// A freshly built rotation over hosts of `weights`. Envoy seeds it with a random draw
    /// per worker (`seed`): the rotation starts at host `seed % n`, and a weighted schedule
    /// is built as if `seed` (truncated to 32 bits) picks had been made.
    pub fn new(weights: &[u32], seed: u64) -> Self {
        let equal = weights.windows(2).all(|w| w[0] == w[1]);
        let mode = if equal || weights.len() <= 1 {
            Mode::Rotation { index: seed }
        } else {
            let w: Vec<f64> = weights.iter().map(|&w| f64::from(w)).collect();
            Mode::Weighted(EdfScheduler::with_picks(&w, seed as u32, |i| f64::from(weights[i as usize])))
        };
        Self { weights: weights.to_vec(), mode }
    }

    /// The next host, or `None` when there is none.
    pub fn pick(&mut self) -> Option<usize> {
        let n = self.weights.len();
        if n == 0 {
            return None;
        }
        match &mut self.mode {
            Mode::Rotation { index } => {
                let i = (*index % n as u64) as usize;
                *index = index.wrapping_add(1);
                Some(i)
            }
            Mode::Weighted(edf) => {
                let weights = &self.weights;
                edf.pick_and_add(|i| f64::from(weights[i as usize])).map(|i| i as usize)
            }
        }
    }
}
