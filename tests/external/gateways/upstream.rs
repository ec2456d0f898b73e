//! The API behind the gateway: answers `200 upstream` to everything and
//! records every request it receives, headers and all, with the handler
//! a lenient (Express-like) and an exact router would serve it with.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

use super::routers::Served;

/// One request as the upstream received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// The request target as sent (path and query, not decoded).
    pub target: String,
    /// Every header, names lower-cased, in order, repeats kept.
    pub headers: Vec<(String, String)>,
    /// The handler each kind of router serves it with.
    pub served: Served,
}

impl Received {
    /// The values of header `name`.
    pub fn values(&self, name: &str) -> Vec<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The one value of `name`; an absent header reads as "" (nginx drops
    /// empty identity headers, the others forward them empty).
    pub fn one(&self, name: &str) -> String {
        let values = self.values(name);
        assert!(values.len() <= 1, "{name} repeated: {values:?}");
        values.first().map(|v| (*v).to_owned()).unwrap_or_default()
    }
}

/// An API on a loopback port (picked by the kernel) answering `200 upstream`
/// to everything and recording what it got.
pub struct RecordingUpstream {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    handle: actix_web::dev::ServerHandle,
}

async fn record(request: HttpRequest, received: web::Data<Mutex<Vec<Received>>>) -> HttpResponse {
    let headers = request
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    if let Ok(mut all) = received.lock() {
        let target = request.uri().to_string();
        all.push(Received {
            method: request.method().to_string(),
            served: Served::of(&target),
            target,
            headers,
        });
    }
    HttpResponse::Ok().body("upstream")
}

impl RecordingUpstream {
    pub fn start() -> RecordingUpstream {
        let received = Arc::new(Mutex::new(Vec::new()));
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the upstream");
        let port = listener.local_addr().expect("addr").port();
        let data = web::Data::from(Arc::clone(&received));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(record))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .expect("listen")
        .run();
        let handle = server.handle();
        actix_rt::spawn(server);
        RecordingUpstream {
            port,
            received,
            handle,
        }
    }

    /// What it received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Forgets what it received so far.
    pub fn clear(&self) {
        if let Ok(mut all) = self.received.lock() {
            all.clear();
        }
    }
}

impl Drop for RecordingUpstream {
    fn drop(&mut self) {
        // The stop command is sent at once; the future only waits for it.
        drop(self.handle.stop(false));
    }
}
