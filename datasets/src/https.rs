//! Downloading one file over HTTPS (ureq with rustls), with the feature
//! `download`; without it every download is an error that says so, and
//! [`obtain`](super::obtain) goes on to the next source or
//! reports the files it could not get.

#[cfg(feature = "download")]
use std::io::Read;
#[cfg(feature = "download")]
use std::time::{Duration, Instant};

/// The largest body accepted: the biggest file (Fashion-MNIST's gzipped
/// training images) is about 26 MB.
#[cfg(feature = "download")]
const MAX_BODY: u64 = 128 * 1024 * 1024;

/// An HTTPS client with short connection timeouts.
#[cfg(feature = "download")]
pub(super) struct Downloader {
    agent: ureq::Agent,
}

/// No HTTPS client: built without the feature `download`.
#[cfg(not(feature = "download"))]
pub(super) struct Downloader;

#[cfg(not(feature = "download"))]
impl Downloader {
    pub(super) fn new() -> Downloader {
        Downloader
    }

    /// Always the error that downloading is not compiled in.
    pub(super) fn get(&self, url: &str, _log: &mut dyn FnMut(&str)) -> Result<Vec<u8>, String> {
        Err(format!(
            "{url}: not downloaded: built without the feature `download` \
             (on by default in `shaped`)"
        ))
    }
}

#[cfg(feature = "download")]
impl Downloader {
    pub(super) fn new() -> Downloader {
        let agent = ureq::Agent::config_builder()
            .timeout_resolve(Some(Duration::from_secs(20)))
            .timeout_connect(Some(Duration::from_secs(20)))
            .timeout_recv_response(Some(Duration::from_secs(30)))
            // Between reads of the body, not for the whole of it.
            .timeout_recv_body(Some(Duration::from_secs(30)))
            .timeout_global(Some(Duration::from_secs(15 * 60)))
            .user_agent(concat!("shaped-datasets/", env!("CARGO_PKG_VERSION")))
            // The system's certificate authorities, as curl and npm use
            // (a proxy's own authority included), not a bundled list.
            .tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::PlatformVerifier)
                    .build(),
            )
            .build()
            .into();
        Downloader { agent }
    }

    /// The body of `url`, or what went wrong (an HTTP error status is an
    /// error).
    pub(super) fn get(&self, url: &str, log: &mut dyn FnMut(&str)) -> Result<Vec<u8>, String> {
        log(&format!("downloading {url}"));
        let started = Instant::now();
        let response = self
            .agent
            .get(url)
            .call()
            .map_err(|e| format!("{url}: {e}"))?;
        let mut bytes = Vec::new();
        response
            .into_body()
            .into_reader()
            .take(MAX_BODY + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{url}: download interrupted: {e}"))?;
        if bytes.len() as u64 > MAX_BODY {
            return Err(format!("{url}: larger than {MAX_BODY} bytes"));
        }
        log(&format!(
            "got {} bytes in {:.1} s",
            bytes.len(),
            started.elapsed().as_secs_f64()
        ));
        Ok(bytes)
    }
}
