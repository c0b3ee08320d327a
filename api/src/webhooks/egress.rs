//! Where webhook deliveries may go: `https` only (unless `WEBHOOK_ALLOW_HTTP`), and never to
//! an address of the server's own networks (loopback, private, shared, link-local,
//! unique-local, multicast, broadcast, unspecified, reserved, nor an IPv4-mapped, compatible,
//! 6to4 or NAT64 form of one), unless the operator's allow-list (`WEBHOOK_ALLOW_CIDRS`)
//! admits the address.
//!
//! Registration checks what it can without a lookup (the scheme, an IP literal, `localhost`);
//! every delivery resolves the host once, refuses it if any address is refused, and connects
//! only to the addresses it checked (`deliverer::client` pins them), so a name that changes
//! its answer between the check and the connection (DNS rebinding) gains nothing.

use ipnet::IpNet;
use reqwest::Url;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::LazyLock;
use std::time::Duration;

/// The ranges an endpoint may not be in (unless allowed), with what each is.
const REFUSED: [(&str, &str); 19] = [
    ("0.0.0.0/8", "unspecified"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "shared"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "reserved"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "reserved"),
    ("224.0.0.0/4", "multicast"),
    ("255.255.255.255/32", "broadcast"),
    ("240.0.0.0/4", "reserved"),
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("64:ff9b:1::/48", "local NAT64"),
    ("fc00::/7", "unique-local"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local"),
    ("ff00::/8", "multicast"),
];

static REFUSED_NETS: LazyLock<Vec<(IpNet, &'static str)>> = LazyLock::new(|| {
    REFUSED
        .iter()
        .map(|(net, what)| (net.parse().expect("a CIDR of the table"), *what))
        .collect()
});

/// The IPv4 address an IPv6 address carries, in the forms that reach it: IPv4-mapped
/// (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) and 6to4
/// (`2002:AABB:CCDD::`).
fn embedded_ipv4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    match s {
        [0, 0, 0, 0, 0, 0xffff, hi, lo] | [0, 0, 0, 0, 0, 0, hi, lo] | [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => {
            Some(low(hi, lo))
        }
        [0x2002, hi, lo, ..] => Some(low(hi, lo)),
        _ => None,
    }
}

/// What kind of address `ip` is when no endpoint may have it (`loopback`, `private`, ...);
/// `None` for an address of the public internet.
pub fn refused_kind(ip: IpAddr) -> Option<&'static str> {
    if let Some((_, what)) = REFUSED_NETS.iter().find(|(net, _)| net.contains(&ip)) {
        return Some(what);
    }
    match ip {
        IpAddr::V6(v6) => embedded_ipv4(v6).and_then(|v4| refused_kind(IpAddr::V4(v4))),
        IpAddr::V4(_) => None,
    }
}

/// Why a destination was refused or could not be reached: a class, never an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `http://` without `WEBHOOK_ALLOW_HTTP`, or another scheme.
    Scheme,
    /// An address of the refused ranges that the allow-list does not admit.
    Address,
    /// The name did not resolve (or not in time, or to nothing).
    Lookup,
    /// The stored URL does not parse or has no host.
    Url,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Refusal::Scheme => "refused: http not allowed",
            Refusal::Address => "refused: address not allowed",
            Refusal::Lookup => "dns lookup failed",
            Refusal::Url => "refused: not a url",
        })
    }
}

/// The addresses a delivery connects to, all checked: `domain` is the URL's host name
/// (none for an IP literal, which needs no lookup).
#[derive(Debug, Clone)]
pub struct Target {
    pub domain: Option<String>,
    pub addrs: Vec<SocketAddr>,
}

/// The operator's rules: whether plain `http` is allowed, and the networks admitted despite
/// being in a refused range.
#[derive(Debug, Clone, Default)]
pub struct Egress {
    pub allow_http: bool,
    pub allow: Vec<IpNet>,
}

impl Egress {
    /// Whether an endpoint may be at `ip`: a public address, or one the allow-list admits
    /// (an IPv4-mapped address is admitted by its IPv4 form too).
    pub fn admits(&self, ip: IpAddr) -> bool {
        let canonical = ip.to_canonical();
        refused_kind(ip).is_none()
            || self
                .allow
                .iter()
                .any(|net| net.contains(&ip) || net.contains(&canonical))
    }

    /// `https`, or `http` when allowed.
    pub fn check_scheme(&self, url: &Url) -> Result<(), Refusal> {
        match url.scheme() {
            "https" => Ok(()),
            "http" if self.allow_http => Ok(()),
            _ => Err(Refusal::Scheme),
        }
    }

    /// What registration can tell without a lookup: the scheme, and the address of an IP
    /// literal or of `localhost` (always loopback). On refusal: the kind of address, if that
    /// was the reason.
    pub fn check_registration(&self, url: &Url) -> Result<(), (Refusal, Option<&'static str>)> {
        self.check_scheme(url).map_err(|r| (r, None))?;
        let literal: Vec<IpAddr> = match host(url) {
            Some(Host::Ip(ip)) => vec![ip],
            Some(Host::Domain(name)) if is_localhost(name) => {
                vec![Ipv4Addr::LOCALHOST.into(), Ipv6Addr::LOCALHOST.into()]
            }
            Some(Host::Domain(_)) => Vec::new(),
            None => return Err((Refusal::Url, None)),
        };
        match literal.into_iter().find(|ip| !self.admits(*ip)) {
            Some(ip) => Err((Refusal::Address, refused_kind(ip))),
            None => Ok(()),
        }
    }

    /// The addresses to deliver to: the host resolved once (within `timeout`), every
    /// address admitted, or the whole destination refused.
    pub async fn resolve(&self, url: &Url, timeout: Duration) -> Result<Target, Refusal> {
        self.check_scheme(url)?;
        let port = url.port_or_known_default().ok_or(Refusal::Url)?;
        let (domain, addrs) = match host(url) {
            Some(Host::Ip(ip)) => (None, vec![SocketAddr::new(ip, port)]),
            Some(Host::Domain(name)) => {
                let found = tokio::time::timeout(timeout, tokio::net::lookup_host((name, port)))
                    .await
                    .map_err(|_| Refusal::Lookup)?
                    .map_err(|_| Refusal::Lookup)?;
                let mut addrs: Vec<SocketAddr> = Vec::new();
                for a in found {
                    if !addrs.contains(&a) {
                        addrs.push(a);
                    }
                }
                (Some(name.to_owned()), addrs)
            }
            None => return Err(Refusal::Url),
        };
        if addrs.is_empty() {
            return Err(Refusal::Lookup);
        }
        if addrs.iter().any(|a| !self.admits(a.ip())) {
            return Err(Refusal::Address);
        }
        Ok(Target { domain, addrs })
    }
}

/// A URL's host: an IP literal (the URL parser has already turned the other IPv4 forms,
/// `2130706433` or `0x7f.1`, into dotted decimal) or a name.
enum Host<'a> {
    Ip(IpAddr),
    Domain(&'a str),
}

fn host(url: &Url) -> Option<Host<'_>> {
    let h = url.host_str().filter(|h| !h.is_empty())?;
    if let Some(v6) = h.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return v6.parse::<Ipv6Addr>().ok().map(|v6| Host::Ip(v6.into()));
    }
    Some(match h.parse::<Ipv4Addr>() {
        Ok(v4) => Host::Ip(v4.into()),
        Err(_) => Host::Domain(h),
    })
}

/// `localhost` and its subdomains (RFC 6761: always loopback), with or without the final dot.
fn is_localhost(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

/// `WEBHOOK_ALLOW_CIDRS`: comma-separated networks (`127.0.0.1/32`, `fd00::/8`) or single
/// addresses.
pub fn parse_allow_list(spec: &str) -> anyhow::Result<Vec<IpNet>> {
    spec.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| anyhow::anyhow!("WEBHOOK_ALLOW_CIDRS: {s:?} is not a CIDR such as 10.1.2.0/24"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn every_listed_range_is_refused_and_public_addresses_are_not() {
        for (addr, kind) in [
            ("0.0.0.0", "unspecified"),
            ("0.255.1.2", "unspecified"),
            ("10.0.0.1", "private"),
            ("10.255.255.255", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.254", "private"),
            ("192.168.1.1", "private"),
            ("100.64.0.1", "shared"),
            ("100.127.255.254", "shared"),
            ("127.0.0.1", "loopback"),
            ("127.8.9.10", "loopback"),
            ("169.254.169.254", "link-local"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("255.255.255.255", "broadcast"),
            ("240.0.0.1", "reserved"),
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("fc00::1", "unique-local"),
            ("fd12:3456::1", "unique-local"),
            ("fe80::1", "link-local"),
            ("febf::1", "link-local"),
            ("fec0::1", "site-local"),
            ("ff02::1", "multicast"),
            ("64:ff9b:1::a00:1", "local NAT64"),
            // IPv4-mapped, compatible, NAT64 and 6to4 forms of the IPv4 ranges.
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:10.1.2.3", "private"),
            ("::ffff:169.254.169.254", "link-local"),
            ("::ffff:100.64.0.1", "shared"),
            ("::ffff:0.0.0.0", "unspecified"),
            ("::127.0.0.1", "loopback"),
            ("64:ff9b::127.0.0.1", "loopback"),
            ("64:ff9b::a9fe:a9fe", "link-local"),
            ("64:ff9b::192.168.0.1", "private"),
            ("64:ff9b::255.255.255.255", "broadcast"),
            ("2002:a00:1::1", "private"),
            ("2002:7f00:1::", "loopback"),
        ] {
            assert_eq!(refused_kind(ip(addr)), Some(kind), "{addr}");
        }
        for addr in [
            "1.1.1.1",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "169.253.0.1",
            "223.255.255.255",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",
            "2002:808:808::1",
        ] {
            assert_eq!(refused_kind(ip(addr)), None, "{addr}");
        }
    }

    #[test]
    fn the_allow_list_admits_its_networks_only() {
        let egress = Egress {
            allow_http: false,
            allow: parse_allow_list(" 127.0.0.1/32, 10.20.0.0/16,fd00::1 ").unwrap(),
        };
        assert!(egress.admits(ip("127.0.0.1")));
        assert!(egress.admits(ip("::ffff:127.0.0.1")), "mapped: by its IPv4 form");
        assert!(egress.admits(ip("10.20.3.4")));
        assert!(egress.admits(ip("fd00::1")));
        assert!(egress.admits(ip("8.8.8.8")));
        assert!(!egress.admits(ip("127.0.0.2")));
        assert!(!egress.admits(ip("::1")));
        assert!(!egress.admits(ip("10.21.0.1")));
        assert!(!egress.admits(ip("169.254.169.254")));
        assert!(
            !egress.admits(ip("64:ff9b::127.0.0.1")),
            "NAT64 reaches the gateway's loopback"
        );
        assert!(!Egress::default().admits(ip("127.0.0.1")));
        assert!(parse_allow_list("10.0.0.0/33").is_err());
        assert!(parse_allow_list("intranet").is_err());
        assert!(parse_allow_list("").unwrap().is_empty());
    }

    #[test]
    fn registration_refuses_literals_localhost_and_plain_http() {
        let strict = Egress::default();
        let url = |s: &str| Url::parse(s).unwrap();
        let refused = |e: &Egress, s: &str| e.check_registration(&url(s)).err();
        assert_eq!(refused(&strict, "https://hooks.example.com/x"), None);
        assert_eq!(
            refused(&strict, "http://hooks.example.com/x"),
            Some((Refusal::Scheme, None))
        );
        for (u, kind) in [
            ("https://127.0.0.1/", "loopback"),
            ("https://[::1]:8443/", "loopback"),
            ("https://[::ffff:127.0.0.1]/", "loopback"),
            ("https://[::ffff:7f00:1]/", "loopback"),
            ("https://10.0.0.1/", "private"),
            ("https://169.254.169.254/latest/meta-data/", "link-local"),
            ("https://[64:ff9b::a9fe:a9fe]/", "link-local"),
            ("https://0.0.0.0/", "unspecified"),
            // WHATWG forms of IPv4 are literals too.
            ("https://2130706433/", "loopback"),
            ("https://0x7f.1/", "loopback"),
            ("https://localhost/", "loopback"),
            ("https://LocalHost./", "loopback"),
            ("https://api.localhost/", "loopback"),
        ] {
            assert_eq!(refused(&strict, u), Some((Refusal::Address, Some(kind))), "{u}");
        }
        let loopback = Egress {
            allow_http: true,
            allow: parse_allow_list("127.0.0.1/32").unwrap(),
        };
        assert_eq!(refused(&loopback, "http://127.0.0.1:9000/"), None);
        assert_eq!(
            refused(&loopback, "http://localhost:9000/"),
            Some((Refusal::Address, Some("loopback"))),
            "localhost is ::1 as well"
        );
        assert_eq!(
            refused(&loopback, "http://10.0.0.1/"),
            Some((Refusal::Address, Some("private")))
        );
        assert_eq!(
            refused(&loopback, "ftp://127.0.0.1/"),
            Some((Refusal::Scheme, None))
        );
    }

    #[tokio::test]
    async fn delivery_resolves_and_checks_every_address() {
        let url = |s: &str| Url::parse(s).unwrap();
        let second = Duration::from_secs(1);
        let strict = Egress {
            allow_http: true,
            allow: Vec::new(),
        };
        for u in ["http://127.0.0.1:9/", "http://[::1]:9/", "http://localhost:9/"] {
            assert_eq!(
                strict.resolve(&url(u), second).await.err(),
                Some(Refusal::Address),
                "{u}"
            );
        }
        assert_eq!(
            Egress::default()
                .resolve(&url("http://127.0.0.1:9/"), second)
                .await
                .err(),
            Some(Refusal::Scheme)
        );
        let loopback = Egress {
            allow_http: true,
            allow: parse_allow_list("127.0.0.0/8,::1/128").unwrap(),
        };
        let t = loopback
            .resolve(&url("http://127.0.0.1:9/x"), second)
            .await
            .unwrap();
        assert_eq!(t.domain, None);
        assert_eq!(t.addrs, [SocketAddr::from(([127, 0, 0, 1], 9))]);
        // A name is looked up; every address it has is loopback.
        let t = loopback
            .resolve(&url("http://localhost:9/x"), second)
            .await
            .unwrap();
        assert_eq!(t.domain.as_deref(), Some("localhost"));
        assert!(!t.addrs.is_empty());
        assert!(
            t.addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 9),
            "{t:?}"
        );
    }
}
