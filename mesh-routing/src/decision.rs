//! [`RouteDecision`]: everything the router decided for one request, borrowed from the
//! router and the request, so that `meshctl route` and `meshctl explain` print it without a
//! second code path.

use std::borrow::Cow;

use mesh_model::Duration;
use mesh_model::networking::{
    CorsPolicy, Destination, Headers, HttpDirectResponse, HttpRedirect, HttpRoute, HttpRouteDestination,
    RouteDestination, TrafficPolicy,
};

use crate::action;
use crate::delegate::Origin;
use crate::request::RouteRequest;
use crate::resilience::{Abort, Fault, Mirror, Retries, applies};
use crate::traffic_policy::ConsolidatedRule;

/// What the proxy does with the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A route matched and forwards to its destinations.
    Forward,
    /// A route matched and answers with a redirect.
    Redirect,
    /// A route matched and answers with a fixed response.
    DirectResponse,
    /// Envoy answers 404: a VirtualService owns the host but no route matched, or at a
    /// gateway no server and VirtualService admit the host.
    NotFound,
    /// No VirtualService: the default route to the host (or, for a host outside the
    /// registry under `ALLOW_ANY`, the passthrough cluster).
    Passthrough,
    /// A host outside the registry under `REGISTRY_ONLY` (Envoy answers 502).
    Blackhole,
}

impl Action {
    /// The contract's name: `forward`, `redirect`, `directResponse`, `notFound`,
    /// `passthrough`, `blackhole`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Forward => "forward",
            Self::Redirect => "redirect",
            Self::DirectResponse => "directResponse",
            Self::NotFound => "notFound",
            Self::Passthrough => "passthrough",
            Self::Blackhole => "blackhole",
        }
    }

    /// Whether the request is served (every action but `notFound` and `blackhole`).
    pub fn is_positive(self) -> bool {
        !matches!(self, Self::NotFound | Self::Blackhole)
    }
}

/// Which route list a route comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteKind {
    /// `http`.
    Http,
    /// `tls`.
    Tls,
    /// `tcp`.
    Tcp,
}

/// The route that fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteRef<'a> {
    /// Which list.
    pub kind: RouteKind,
    /// The position in the root VirtualService's list.
    pub index: usize,
    /// The route's name (for a delegated route, `root-delegate` as Istio joins them).
    pub name: Option<&'a str>,
    /// The position of the match that fired; `None` for a route without matches.
    pub match_index: Option<usize>,
    /// For a delegated HTTP route: the delegate `namespace/name` and the route's position in it.
    pub delegate: Option<(&'a str, usize)>,
}

/// A destination of the chosen route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DestinationRef<'a> {
    /// The FQDN.
    pub host: &'a str,
    /// The subset.
    pub subset: Option<&'a str>,
    /// The port.
    pub port: Option<u32>,
    /// The configured weight (100 when single).
    pub weight: i32,
}

/// The destinations of a route, HTTP or L4.
#[derive(Debug, Clone, Copy)]
pub enum Destinations<'a> {
    /// None (every action but `forward`).
    None,
    /// HTTP destinations.
    Http(&'a [HttpRouteDestination]),
    /// TLS or TCP destinations.
    L4(&'a [RouteDestination]),
}

impl<'a> Destinations<'a> {
    /// The destinations with their reported weights.
    pub fn iter(&self) -> impl Iterator<Item = DestinationRef<'a>> + '_ {
        let n = self.len();
        (0..n).filter_map(move |i| self.get(i))
    }

    /// How many destinations there are.
    pub fn len(&self) -> usize {
        match self {
            Self::None => 0,
            Self::Http(d) => d.len(),
            Self::L4(d) => d.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Destination `i`.
    pub fn get(&self, i: usize) -> Option<DestinationRef<'a>> {
        let (d, weight): (&'a Destination, i32) = match *self {
            Self::None => return None,
            Self::Http(list) => (&list.get(i)?.destination, action::reported_weight(list, i)),
            Self::L4(list) => {
                let w = if list.len() == 1 {
                    list[0].weight.filter(|w| *w != 0).unwrap_or(100)
                } else {
                    list[i].weight.unwrap_or(0)
                };
                (&list.get(i)?.destination, w)
            }
        };
        Some(DestinationRef {
            host: &d.host,
            subset: d.subset.as_deref(),
            port: d.port.and_then(|p| p.number),
            weight,
        })
    }
}

/// The host the request was routed to or selected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selected<'a> {
    /// The FQDN (or the host as given, outside the registry).
    pub host: Cow<'a, str>,
    /// The subset.
    pub subset: Option<&'a str>,
    /// The port.
    pub port: Option<u32>,
    /// The position in `destinations` (`None` for a passthrough).
    pub index: Option<usize>,
}

/// Why a candidate did not decide (the optional trace; empty unless something was skipped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceStep<'a> {
    /// A VirtualService claiming the host was skipped.
    SkippedVirtualService {
        /// `namespace/name`.
        name: &'a str,
        /// Why.
        reason: &'static str,
    },
}

/// The full route decision for one request.
#[derive(Debug, Clone)]
pub struct RouteDecision<'a> {
    /// `mesh`, or the gateway's `namespace/name`.
    pub context: &'a str,
    /// The destination host, resolved to an FQDN.
    pub host: Cow<'a, str>,
    /// The listener port the decision was made on.
    pub port: u32,
    /// What the proxy does.
    pub action: Action,
    /// `namespace/name` of the VirtualService that decided.
    pub virtual_service: Option<&'a str>,
    /// The route that fired.
    pub route: Option<RouteRef<'a>>,
    /// The HTTP route that fired (with delegation merged and hosts resolved).
    pub http_route: Option<&'a HttpRoute>,
    /// The route's destinations (only for `forward`).
    pub destinations: Destinations<'a>,
    /// The destination the draw picked, or the host itself for a passthrough.
    pub selected: Option<Selected<'a>>,
    /// The DestinationRule that applies to the selected destination.
    pub destination_rule: Option<&'a ConsolidatedRule>,
    /// The effective retry policy.
    pub retries: Option<Retries<'a>>,
    /// The effective route timeout; `None` when disabled.
    pub timeout: Option<Duration>,
    /// Whether the listener terminates TLS (for redirect schemes).
    pub tls: bool,
    /// The length of the path part the route matched (what a prefix rewrite replaces).
    pub matched_len: usize,
    /// The port whose DestinationRule port-level settings apply: the destination's port,
    /// else the service's only port, else the listener port.
    pub policy_port: u32,
    /// The virtual-host domain that admitted the authority (`None` for the catch-all).
    pub virtual_host: Option<&'a str>,
    /// Why candidates before the deciding one did not decide.
    pub trace: Vec<TraceStep<'a>>,
    pub(crate) random: f64,
}

impl<'a> RouteDecision<'a> {
    /// The redirect of the route, when the action is `redirect`.
    pub fn redirect(&self) -> Option<&'a HttpRedirect> {
        (self.action == Action::Redirect).then(|| self.http_route.and_then(|r| r.redirect.as_ref())).flatten()
    }

    /// The redirect status and full `Location` for `req`.
    pub fn redirect_response(&self, req: &RouteRequest<'_>) -> Option<(u32, String)> {
        if self.action == Action::Redirect && self.http_route.is_none() {
            // A gateway server with `httpsRedirect`: 301 to the same URL over https.
            let (host, _) = crate::host::strip_port(req.authority());
            return Some((301, format!("https://{host}{}", req.path)));
        }
        let r = self.redirect()?;
        let status = action::redirect_status(r)?;
        Some((status, action::redirect_location(r, req, self.port, self.tls, self.matched_len)))
    }

    /// The direct response, when the action is `directResponse`.
    pub fn direct_response(&self) -> Option<&'a HttpDirectResponse> {
        (self.action == Action::DirectResponse)
            .then(|| self.http_route.and_then(|r| r.direct_response.as_ref()))
            .flatten()
    }

    fn picked(&self) -> Option<&'a HttpRouteDestination> {
        let i = self.selected.as_ref()?.index?;
        match self.destinations {
            Destinations::Http(d) => d.get(i),
            _ => None,
        }
    }

    /// The path and authority sent upstream when the route rewrites either, for `req`.
    pub fn rewrite(&self, req: &RouteRequest<'_>) -> Option<(String, String)> {
        if self.action != Action::Forward {
            return None;
        }
        let route = self.http_route?;
        let path = route.rewrite.as_ref().and_then(|rw| action::rewritten_path(rw, req, self.matched_len));
        let authority = action::rewritten_authority(route, self.picked());
        if path.is_none() && authority.is_none() {
            return None;
        }
        Some((path.unwrap_or_else(|| req.path.to_string()), authority.unwrap_or(req.authority()).to_string()))
    }

    /// The fault parts that apply to this request's draw: `(delay, abort)`.
    pub fn fault(&self) -> Option<(Option<Duration>, Option<Abort>)> {
        let f = Fault::from_route(self.http_route?.fault.as_ref()?)?;
        let (d, a) = f.for_draw(self.random);
        (d.is_some() || a.is_some()).then_some((d, a))
    }

    /// Every configured mirror and whether it applies to this draw.
    pub fn mirrors(&self) -> Vec<(Mirror<'a>, bool)> {
        match (self.action, self.http_route) {
            (Action::Forward, Some(r)) => {
                crate::resilience::mirrors(r).map(|m| (m, applies(self.random, m.percentage))).collect()
            }
            _ => Vec::new(),
        }
    }

    /// The effective header operations (route, then the picked destination).
    pub fn headers(&self) -> Option<Headers> {
        let r = self.http_route?;
        action::effective_headers(r.headers.as_ref(), self.picked().and_then(|d| d.headers.as_ref()))
    }

    /// The route's CORS policy.
    pub fn cors(&self) -> Option<&'a CorsPolicy> {
        self.http_route?.cors_policy.as_ref()
    }

    /// The effective DestinationRule policy of the selected destination, port-level
    /// settings applied.
    pub fn traffic_policy(&self) -> Option<TrafficPolicy> {
        let dr = self.destination_rule?;
        let sel = self.selected.as_ref()?;
        dr.effective_policy(sel.subset, Some(self.policy_port))
    }

    /// `namespace/name` of the DestinationRule (the first of merged ones).
    pub fn destination_rule_name(&self) -> Option<&'a str> {
        self.destination_rule.and_then(|d| d.from.first()).map(String::as_str)
    }
}

/// Where a merged HTTP route came from, re-exported for callers that read [`Origin`].
pub type RouteOrigin = Origin;
