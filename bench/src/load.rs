//! The load generator: a fixed number of HTTP/1.1 keep-alive connections, each sending its
//! next request as soon as the previous answer has been read in full (a closed loop), for a
//! bounded time or a bounded number of iterations.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

/// One keep-alive connection to the server.
pub struct Conn {
    sender: SendRequest<Full<Bytes>>,
    /// Where it is connected, for the `Host` header.
    pub addr: SocketAddr,
}

impl Conn {
    /// Opens a connection to `addr`.
    pub async fn open(addr: SocketAddr) -> anyhow::Result<Self> {
        let stream = tokio::net::TcpStream::connect(addr)
            .await
            .with_context(|| format!("connecting to {addr}"))?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .context("HTTP handshake")?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Self { sender, addr })
    }

    /// Sends `request` and reads the whole answer.
    pub async fn send(
        &mut self,
        request: Request<Full<Bytes>>,
    ) -> Result<(StatusCode, Bytes), String> {
        self.sender.ready().await.map_err(|e| e.to_string())?;
        let response = self
            .sender
            .send_request(request)
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok((status, body))
    }
}

/// What one iteration of a scenario does on a connection: `n` is a number unique within
/// the run (for unique names). Success is `Ok`; anything else is counted as an error with
/// the message kept for the report.
pub type Iteration = Arc<
    dyn for<'a> Fn(
            &'a mut Conn,
            u64,
        ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>
        + Send
        + Sync,
>;

/// How long a run lasts.
#[derive(Debug, Clone, Copy)]
pub enum Bound {
    /// Run for this long.
    Time(Duration),
    /// Run this many iterations in total.
    Count(u64),
}

/// What a run measured.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Successful iterations.
    pub ok: u64,
    /// Failed iterations.
    pub errors: u64,
    /// The first error seen.
    pub first_error: Option<String>,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Latency of every successful iteration, sorted, in microseconds.
    pub latencies_us: Vec<u32>,
}

impl Stats {
    /// Successful iterations per second.
    pub fn rate(&self) -> f64 {
        if self.elapsed.is_zero() {
            0.0
        } else {
            self.ok as f64 / self.elapsed.as_secs_f64()
        }
    }

    /// The `q` quantile (0–1) of latency in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let index = ((self.latencies_us.len() - 1) as f64 * q).round() as usize;
        f64::from(self.latencies_us[index]) / 1000.0
    }
}

/// Runs `iteration` on `connections` connections to `addr` until `bound` is reached.
pub async fn drive(
    addr: SocketAddr,
    connections: usize,
    bound: Bound,
    iteration: Iteration,
) -> anyhow::Result<Stats> {
    let mut conns = Vec::with_capacity(connections);
    for _ in 0..connections.max(1) {
        conns.push(Conn::open(addr).await?);
    }
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = match bound {
        Bound::Time(d) => Some(started + d),
        Bound::Count(_) => None,
    };
    let limit = match bound {
        Bound::Count(n) => n,
        Bound::Time(_) => u64::MAX,
    };
    let mut tasks = Vec::new();
    for mut conn in conns {
        let iteration = iteration.clone();
        let counter = counter.clone();
        tasks.push(tokio::spawn(async move {
            let mut stats = Stats::default();
            loop {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
                let n = counter.fetch_add(1, Ordering::Relaxed);
                if n >= limit {
                    break;
                }
                let began = Instant::now();
                match iteration(&mut conn, n).await {
                    Ok(()) => {
                        stats.ok += 1;
                        let us = began.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
                        stats.latencies_us.push(us);
                    }
                    Err(message) => {
                        stats.errors += 1;
                        if stats.first_error.is_none() {
                            stats.first_error = Some(message);
                        }
                        // A broken connection is replaced, so one failure does not end the run.
                        if let Ok(fresh) = Conn::open(conn.addr).await {
                            conn = fresh;
                        }
                    }
                }
            }
            stats
        }));
    }
    let mut total = Stats::default();
    for task in tasks {
        let stats = task.await?;
        total.ok += stats.ok;
        total.errors += stats.errors;
        if total.first_error.is_none() {
            total.first_error = stats.first_error;
        }
        total.latencies_us.extend(stats.latencies_us);
    }
    total.elapsed = started.elapsed();
    total.latencies_us.sort_unstable();
    Ok(total)
}

/// Sends one request on a fresh connection (setup steps: logins, lookups).
pub async fn once(addr: SocketAddr, request: Request<Full<Bytes>>) -> anyhow::Result<Bytes> {
    let mut conn = Conn::open(addr).await?;
    let (status, body) = conn.send(request).await.map_err(anyhow::Error::msg)?;
    if status != StatusCode::OK {
        anyhow::bail!(
            "HTTP {status}: {}",
            String::from_utf8_lossy(&body)
                .chars()
                .take(300)
                .collect::<String>()
        );
    }
    Ok(body)
}
