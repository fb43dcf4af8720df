//! Temporary profiling harness (to be removed).
use axum::body::Body;
use axum::http::{Request, header};
use entralab::cli::tenant_config;
use entralab::server::{self, Clock, ServerConfig};
use tower::ServiceExt;

fn main() {
    let path = std::env::args().nth(1).unwrap();
    let n: usize = std::env::args().nth(2).unwrap().parse().unwrap();
    let query = std::env::args().nth(3).unwrap();
    let scenario = entralab::scenario::load_file(std::path::Path::new(&path)).unwrap();
    let tenant = tenant_config(&scenario);
    let app = server::app(
        ServerConfig {
            tenants: vec![tenant],
            clock: Clock::System,
        },
        "http",
        "127.0.0.1:8080".into(),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let form = "client_id=e17a1ab0-0000-4000-8000-00000000c11e&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&client_secret=entralab-lab-secret-not-for-production&grant_type=client_credentials";
    let token = rt.block_on(async {
        let r = Request::post("/e17a1ab0-0000-4000-8000-0000000b3e0c/oauth2/v2.0/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap();
        let b = server::body_bytes(app.clone().oneshot(r).await.unwrap()).await;
        let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
        v["access_token"].as_str().unwrap().to_string()
    });
    let mut total = 0;
    let start = std::time::Instant::now();
    for _ in 0..n {
        total += rt.block_on(async {
            let r = Request::get(format!("/v1.0/auditLogs/signIns?{query}"))
                .header(header::HOST, "127.0.0.1:8080")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap();
            server::body_bytes(app.clone().oneshot(r).await.unwrap())
                .await
                .len()
        });
    }
    eprintln!(
        "{n} requests, {total} bytes, {:?} each",
        start.elapsed() / n as u32
    );
    if let Some(out) = std::env::args().nth(4) {
        let r = Request::get(format!("/v1.0/auditLogs/signIns?{query}"))
            .header(header::HOST, "127.0.0.1:8080")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        let b =
            rt.block_on(async { server::body_bytes(app.clone().oneshot(r).await.unwrap()).await });
        std::fs::write(out, b).unwrap();
    }
}
