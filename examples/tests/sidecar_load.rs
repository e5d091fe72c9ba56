//! Load figure, run by hand: requests/s and p99 latency straight to the app and through two
//! sidecars (productpage's outbound, then reviews' inbound with mTLS and authorization),
//! bounded in count and time.
//!
//! `cargo test --release -p examples --test sidecar_load -- --ignored --nocapture`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)] // a test; it reads the clock

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

/// Concurrent keep-alive connections.
const CONNECTIONS: usize = 16;
/// Requests per run, at most.
const REQUESTS: usize = 20_000;
/// Time per run, at most.
const TIME: Duration = Duration::from_secs(10);

struct Figure {
    requests: usize,
    rps: f64,
    p50: Duration,
    p99: Duration,
}

async fn load(target: SocketAddr, authority: &'static str) -> Figure {
    let start = Instant::now();
    let per_conn = REQUESTS / CONNECTIONS;
    let workers: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            tokio::spawn(async move {
                let tcp = tokio::net::TcpStream::connect(target).await.unwrap();
                tcp.set_nodelay(true).unwrap();
                let (mut sender, conn) =
                    hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await.unwrap();
                tokio::spawn(conn);
                let mut lat = Vec::with_capacity(per_conn);
                for _ in 0..per_conn {
                    if start.elapsed() > TIME {
                        break;
                    }
                    let req = Request::get("/reviews/0")
                        .header("host", authority)
                        .body(Full::new(Bytes::new()))
                        .unwrap();
                    let t = Instant::now();
                    sender.ready().await.unwrap();
                    let resp = sender.send_request(req).await.unwrap();
                    assert_eq!(resp.status(), 200);
                    resp.into_body().collect().await.unwrap();
                    lat.push(t.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let elapsed = start.elapsed();
    all.sort();
    let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    Figure {
        requests: all.len(),
        rps: all.len() as f64 / elapsed.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a load figure, run by hand in release mode"]
async fn proxy_vs_direct_load_figure() {
    let mesh = common::mesh::start_mesh().await;
    // The same app both ways: reviews v1 (the split sends 80% there, 20% to the identical v2).
    let app = common::start_app("direct").await;
    let _warm = load(app, "reviews:9080").await;
    let direct = load(app, "reviews:9080").await;
    let proxied = load(mesh.productpage.outbound_addr(), "reviews:9080").await;
    for (name, f) in [("direct", &direct), ("through 2 sidecars", &proxied)] {
        println!(
            "{name:>20}: {:>6} requests, {:>8.0} req/s, p50 {:>6} µs, p99 {:>6} µs",
            f.requests,
            f.rps,
            f.p50.as_micros(),
            f.p99.as_micros()
        );
    }
    println!("throughput ratio proxied/direct: {:.2}", proxied.rps / direct.rps);
}
