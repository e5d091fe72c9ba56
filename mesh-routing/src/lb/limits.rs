//! Connection-pool and circuit-breaker limits as data, with the checks Envoy's resource
//! manager makes before it opens a connection or sends a request (`ResourceManagerImpl`):
//! a resource may be taken while its count is below its limit.

use mesh_model::networking::{ConnectionPoolSettings, RetryBudget as RetryBudgetSpec};

/// A retry budget: retries allowed as a share of active and pending requests, with a floor
/// (Envoy's `RetryBudget`, Istio's `retryBudget`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryBudget {
    /// Percent of active plus pending requests that may be retries (default 20).
    pub budget_percent: f64,
    /// Concurrent retries always allowed (default 3).
    pub min_retry_concurrency: u32,
}

impl Default for RetryBudget {
    fn default() -> Self {
        Self { budget_percent: 20.0, min_retry_concurrency: 3 }
    }
}

impl RetryBudget {
    /// The concurrent retries the budget allows with `active` requests and `pending` ones:
    /// `max(floor(percent / 100 * (active + pending)), min_retry_concurrency)`.
    pub fn max_retries(&self, active: u64, pending: u64) -> u64 {
        let share = (self.budget_percent / 100.0 * (active + pending) as f64) as u64;
        share.max(u64::from(self.min_retry_concurrency))
    }
}

/// One cluster's circuit-breaker thresholds (Envoy's `CircuitBreakers.Thresholds`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CircuitBreakerLimits {
    /// Connections to all hosts together (Envoy default 1024).
    pub max_connections: u64,
    /// Requests waiting for a connection (default 1024).
    pub max_pending_requests: u64,
    /// Requests in flight (default 1024).
    pub max_requests: u64,
    /// Retries in flight (default 3), unless a retry budget is set.
    pub max_retries: u64,
    /// Connection pools (unlimited by default).
    pub max_connection_pools: Option<u64>,
    /// A retry budget, which replaces `max_retries` when set.
    pub retry_budget: Option<RetryBudget>,
}

impl Default for CircuitBreakerLimits {
    /// Envoy's defaults: 1024 connections, pending and active requests, 3 retries.
    fn default() -> Self {
        Self {
            max_connections: 1024,
            max_pending_requests: 1024,
            max_requests: 1024,
            max_retries: 3,
            max_connection_pools: None,
            retry_budget: None,
        }
    }
}

impl CircuitBreakerLimits {
    /// The limits Istio sets on a cluster whose DestinationRule has a `connectionPool`:
    /// every threshold at `u32::MAX` unless the settings give a positive value
    /// (`tcp.maxConnections`, `http.http1MaxPendingRequests`, `http.http2MaxRequests`,
    /// `http.maxRetries`), and the retry budget when one is set. Without `connectionPool`
    /// Istio leaves Envoy's defaults ([`Default`]).
    ///
    /// ```
    /// use mesh_model::networking::{ConnectionPoolSettings, TcpSettings};
    /// use mesh_routing::lb::CircuitBreakerLimits;
    /// let pool = ConnectionPoolSettings {
    ///     tcp: Some(TcpSettings { max_connections: Some(10), ..Default::default() }),
    ///     ..Default::default()
    /// };
    /// let limits = CircuitBreakerLimits::from_istio(&pool, None);
    /// assert_eq!(limits.max_connections, 10);
    /// assert_eq!(limits.max_requests, u64::from(u32::MAX));
    /// ```
    pub fn from_istio(pool: &ConnectionPoolSettings, retry_budget: Option<&RetryBudgetSpec>) -> Self {
        let max = u64::from(u32::MAX);
        let positive = |v: Option<i32>| v.filter(|&v| v > 0).map(|v| v as u64);
        let http = pool.http.as_ref();
        let tcp = pool.tcp.as_ref();
        Self {
            max_connections: positive(tcp.and_then(|t| t.max_connections)).unwrap_or(max),
            max_pending_requests: positive(http.and_then(|h| h.http1_max_pending_requests)).unwrap_or(max),
            max_requests: positive(http.and_then(|h| h.http2_max_requests)).unwrap_or(max),
            max_retries: positive(http.and_then(|h| h.max_retries)).unwrap_or(max),
            max_connection_pools: None,
            retry_budget: retry_budget.map(|b| RetryBudget {
                budget_percent: b.percent.unwrap_or(20.0),
                min_retry_concurrency: b.min_retry_concurrency.filter(|&c| c > 0).unwrap_or(3),
            }),
        }
    }

    /// The limit on `resource` given the current usage (the retry limit depends on it when a
    /// budget is set); `None` when unlimited.
    pub fn limit(&self, resource: Resource, current: &ResourceUsage) -> Option<u64> {
        match resource {
            Resource::Connection => Some(self.max_connections),
            Resource::PendingRequest => Some(self.max_pending_requests),
            Resource::Request => Some(self.max_requests),
            Resource::Retry => Some(match &self.retry_budget {
                Some(b) => b.max_retries(current.requests, current.pending_requests),
                None => self.max_retries,
            }),
            Resource::ConnectionPool => self.max_connection_pools,
        }
    }
}

/// A resource a circuit breaker guards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    /// A new upstream connection (`upstream_cx_overflow`).
    Connection,
    /// A request queued for a connection (`upstream_rq_pending_overflow`, 503 UO).
    PendingRequest,
    /// A request in flight (`upstream_rq_active_overflow`, 503 UO).
    Request,
    /// A retry (`upstream_rq_retry_overflow`).
    Retry,
    /// A new connection pool (`upstream_cx_pool_overflow`).
    ConnectionPool,
}

/// What a cluster currently holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResourceUsage {
    /// Open connections.
    pub connections: u64,
    /// Requests waiting for a connection.
    pub pending_requests: u64,
    /// Requests in flight.
    pub requests: u64,
    /// Retries in flight.
    pub retries: u64,
    /// Connection pools.
    pub connection_pools: u64,
}

impl ResourceUsage {
    fn count(&self, resource: Resource) -> u64 {
        match resource {
            Resource::Connection => self.connections,
            Resource::PendingRequest => self.pending_requests,
            Resource::Request => self.requests,
            Resource::Retry => self.retries,
            Resource::ConnectionPool => self.connection_pools,
        }
    }
}

/// Why taking a resource would trip the breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow {
    /// The resource.
    pub resource: Resource,
    /// How many are held now.
    pub current: u64,
    /// The limit.
    pub limit: u64,
}

/// Whether taking one more `resource` would overflow `limits` (Envoy's `canCreate` is
/// `count < max`); `None` when it may be taken.
///
/// ```
/// use mesh_routing::lb::limits::{would_overflow, CircuitBreakerLimits, Resource, ResourceUsage};
/// let limits = CircuitBreakerLimits::default();
/// let busy = ResourceUsage { requests: 1024, ..Default::default() };
/// assert!(would_overflow(Resource::Request, &busy, &limits).is_some());
/// assert!(would_overflow(Resource::Connection, &busy, &limits).is_none());
/// ```
pub fn would_overflow(
    resource: Resource,
    current: &ResourceUsage,
    limits: &CircuitBreakerLimits,
) -> Option<Overflow> {
    let limit = limits.limit(resource, current)?;
    let held = current.count(resource);
    (held >= limit).then_some(Overflow { resource, current: held, limit })
}
