//! Least request as Envoy's `LeastRequestLoadBalancer` picks within one host list: with
//! equal weights, the host with the fewest active requests among `choice_count` random
//! choices (or a full scan); with unequal weights, an EDF schedule of
//! `weight / (active + 1) ^ active_request_bias`.

use super::edf::EdfScheduler;
use super::random::RandomSource;

/// How equal-weight hosts are compared (`LeastRequest.SelectionMethod`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SelectionMethod {
    /// Sample `choice_count` hosts at random and keep the least loaded (default).
    #[default]
    NChoices,
    /// Scan every host; ties broken by reservoir sampling.
    FullScan,
}

/// The policy's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeastRequestConfig {
    /// Random choices per pick (default 2).
    pub choice_count: u32,
    /// Exponent of the active-request penalty for weighted hosts (default 1.0; a negative or
    /// NaN value falls back to 1.0 as in Envoy).
    pub active_request_bias: f64,
    /// How equal-weight hosts are compared.
    pub selection_method: SelectionMethod,
}

impl Default for LeastRequestConfig {
    fn default() -> Self {
        Self { choice_count: 2, active_request_bias: 1.0, selection_method: SelectionMethod::NChoices }
    }
}

/// A least-request picker over hosts `0..n`.
///
/// ```
/// use mesh_routing::lb::least_request::{LeastRequest, LeastRequestConfig};
/// // Power of two choices: draws 0 and 1 sample hosts 0 and 1; the one with fewer active
/// // requests wins.
/// let mut lr = LeastRequest::new(&[1, 1], &[0, 0], LeastRequestConfig::default(), 0);
/// let mut draws = [0u64, 1].into_iter();
/// assert_eq!(lr.pick(&[3, 1], &mut || draws.next().unwrap_or(0)), Some(1));
/// ```
#[derive(Debug, Clone)]
pub struct LeastRequest {
    weights: Vec<u32>,
    config: LeastRequestConfig,
    edf: Option<EdfScheduler>,
}

impl LeastRequest {
    /// A picker for hosts of `weights` with `active` requests each (read when building the
    /// weighted schedule), seeded like Envoy's per-worker schedules.
    pub fn new(weights: &[u32], active: &[u64], mut config: LeastRequestConfig, seed: u64) -> Self {
        if config.active_request_bias.is_nan() || config.active_request_bias < 0.0 {
            config.active_request_bias = 1.0;
        }
        let equal = weights.windows(2).all(|w| w[0] == w[1]);
        let edf = if equal || weights.len() <= 1 {
            None
        } else {
            let bias = config.active_request_bias;
            let w: Vec<f64> = (0..weights.len())
                .map(|i| host_weight(weights[i], active.get(i).copied().unwrap_or(0), bias))
                .collect();
            Some(EdfScheduler::with_picks(&w, seed as u32, |i| {
                host_weight(weights[i as usize], active.get(i as usize).copied().unwrap_or(0), bias)
            }))
        };
        Self { weights: weights.to_vec(), config, edf }
    }

    /// The next host given each host's `active` requests now; draws come from `random`.
    pub fn pick(&mut self, active: &[u64], random: &mut impl RandomSource) -> Option<usize> {
        self.pick_by(|i| active.get(i).copied().unwrap_or(0), random)
    }

    /// [`pick`](Self::pick) with host `i`'s active requests given by `active(i)`, for a
    /// caller whose counters are not laid out by host.
    pub fn pick_by(
        &mut self,
        active: impl Fn(usize) -> u64,
        random: &mut impl RandomSource,
    ) -> Option<usize> {
        let n = self.weights.len();
        if n == 0 {
            return None;
        }
        let rq = |i: usize| active(i);
        if let Some(edf) = &mut self.edf {
            let weights = &self.weights;
            let bias = self.config.active_request_bias;
            return edf
                .pick_and_add(|i| host_weight(weights[i as usize], rq(i as usize), bias))
                .map(|i| i as usize);
        }
        match self.config.selection_method {
            SelectionMethod::NChoices => {
                let mut candidate: Option<usize> = None;
                for _ in 0..self.config.choice_count {
                    let sampled = (random.next_u64() % n as u64) as usize;
                    candidate = match candidate {
                        None => Some(sampled),
                        Some(c) if rq(sampled) < rq(c) => Some(sampled),
                        keep => keep,
                    };
                }
                candidate
            }
            SelectionMethod::FullScan => {
                let mut candidate = 0usize;
                let mut tied: u64 = 1;
                for i in 1..n {
                    if rq(i) < rq(candidate) {
                        tied = 1;
                        candidate = i;
                    } else if rq(i) == rq(candidate) {
                        tied += 1;
                        if random.next_u64().is_multiple_of(tied) {
                            candidate = i;
                        }
                    }
                }
                Some(candidate)
            }
        }
    }
}

/// A weighted host's scheduling weight: `weight / (active + 1) ^ bias` (exactly
/// `weight / (active + 1)` for bias 1, the plain weight for bias 0).
pub fn host_weight(weight: u32, active: u64, bias: f64) -> f64 {
    let w = f64::from(weight);
    let a = if active == u64::MAX { active } else { active + 1 } as f64;
    if bias == 1.0 {
        w / a
    } else if bias != 0.0 {
        w / a.powf(bias)
    } else {
        w
    }
}
