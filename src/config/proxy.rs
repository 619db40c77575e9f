//! Which proxy requests to the backend go through, worked out from the environment as the HTTP
//! client does, so that `info` can say it.

use std::net::IpAddr;

use super::{is_loopback, redact_url};

/// The proxy a request to `url` goes through, as the HTTP client picks it from the environment
/// (`HTTPS_PROXY` or `HTTP_PROXY` by scheme, then `ALL_PROXY`; upper or lower case; skipped for a
/// host `NO_PROXY` names), with the variable it came from and any credentials hidden. A backend
/// on this machine is always reached directly (`client::transport`).
pub fn proxy_for(url: &str, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let parsed = reqwest::Url::parse(url).ok()?;
    let host = parsed.host_str()?;
    if is_loopback(host) {
        return None;
    }
    let first = |names: &[&'static str]| {
        names
            .iter()
            .find_map(|&n| env(n).filter(|v| !v.trim().is_empty()).map(|v| (n, v)))
    };
    if let Some((_, list)) = first(&["NO_PROXY", "no_proxy"]) {
        let named = list
            .split(',')
            .map(str::trim)
            .any(|entry| entry == "*" || no_proxy_names(entry, host));
        if named {
            return None;
        }
    }
    let by_scheme: &[&'static str] = if parsed.scheme() == "https" {
        &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
    } else {
        &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
    };
    first(by_scheme).map(|(name, value)| format!("{} (from {name})", redact_url(&value)))
}

/// Does one `NO_PROXY` entry name `host`: the host itself, a domain it is in (`.lan`, `lan`),
/// or a network its address is in (`10.0.0.0/8`)?
fn no_proxy_names(entry: &str, host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Some((net, bits)) = entry.split_once('/') {
        return match (
            net.parse::<IpAddr>(),
            bare.parse::<IpAddr>(),
            bits.parse::<u32>(),
        ) {
            (Ok(IpAddr::V4(net)), Ok(IpAddr::V4(ip)), Ok(bits)) if bits <= 32 => {
                let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (Ok(IpAddr::V6(net)), Ok(IpAddr::V6(ip)), Ok(bits)) if bits <= 128 => {
                let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        };
    }
    let domain = entry.trim_start_matches('.').to_ascii_lowercase();
    let host = bare.to_ascii_lowercase();
    !domain.is_empty() && (host == domain || host.ends_with(&format!(".{domain}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn the_proxy_shown_is_the_one_the_client_takes_with_credentials_hidden() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let corp = env(&[
            ("HTTPS_PROXY", "http://ann:s3cret@proxy.corp:3128"),
            ("http_proxy", "http://plain.corp:8080"),
            ("NO_PROXY", "internal.example, .lan, 10.0.0.0/8"),
        ]);
        assert_eq!(
            proxy_for("https://partners.example.com", &corp).as_deref(),
            Some("http://***@proxy.corp:3128 (from HTTPS_PROXY)")
        );
        assert_eq!(
            proxy_for("http://partners.example.com", &corp).as_deref(),
            Some("http://plain.corp:8080 (from http_proxy)")
        );
        for direct in [
            "https://internal.example",
            "https://api.internal.example",
            "https://box.lan",
            "https://10.20.30.40",
            "http://127.0.0.1:8080",
            "http://localhost:8080",
        ] {
            assert_eq!(proxy_for(direct, &corp), None, "{direct}");
        }
        assert!(
            proxy_for("https://11.0.0.1", &corp).is_some(),
            "outside 10.0.0.0/8"
        );
        assert_eq!(proxy_for("https://partners.example.com", &no_env), None);
        let all = env(&[("ALL_PROXY", "socks5://gw:1080"), ("NO_PROXY", "*")]);
        assert_eq!(
            proxy_for("https://x.example", &all),
            None,
            "NO_PROXY=* skips it"
        );
    }
}
