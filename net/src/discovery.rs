//! Finding members' devices on the LAN with mDNS (`_aidmesh._tcp.local.`). A device announces
//! only a keyed hash of its group id that changes every day, so people on the meetup Wi-Fi who
//! are not in the group cannot tell which group meets, or recognise it the next week. The tag
//! comes from the current group secret; tags from every older secret this device holds are
//! recognised too, so a device that has not heard of a removal yet is still found, and learns of
//! it in the sync that follows.
//!
//! The mDNS library joins its multicast group on every interface it can see as soon as it
//! starts, so `Loopback` refuses to run where a real interface is visible: automated runs use a
//! private network namespace (`unshare --net`), where loopback is all there is.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use chrono::Utc;
use crdt_core::Keyring;
use mdns_sd::{IfKind, ServiceDaemon, ServiceEvent, ServiceInfo};

const SERVICE: &str = "_aidmesh._tcp.local.";
const TAG_KEY: &str = "g";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiscoveryMode {
    Off,
    /// Loopback only; allowed only where loopback is the only interface.
    Loopback,
    /// Every interface: the meetup.
    Lan,
}

impl std::str::FromStr for DiscoveryMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "off" => Ok(Self::Off),
            "loopback" => Ok(Self::Loopback),
            "lan" => Ok(Self::Lan),
            other => Err(format!("unknown discovery mode '{other}' (expected off, loopback or lan)")),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error(
        "loopback discovery runs only where loopback is the only network interface (a private network namespace): \
         the mDNS library joins its multicast group on every interface it can see"
    )]
    RealInterfacesVisible,
    #[error("LAN discovery could not start: {0}")]
    Mdns(#[from] mdns_sd::Error),
    #[error("cannot list network interfaces: {0}")]
    Interfaces(#[from] std::io::Error),
    #[error("cannot read this device's keys: {0}")]
    Keys(String),
}

pub struct Discovery {
    daemon: ServiceDaemon,
    events: mdns_sd::Receiver<ServiceEvent>,
    own_name: String,
    tags: Vec<String>,
}

impl Discovery {
    /// Announces this device (listening on `port`) and starts looking for members of its group.
    pub fn start(mode: DiscoveryMode, keys: &Keyring, group: crdt_core::Uuid, port: u16) -> Result<Option<Discovery>, DiscoveryError> {
        let addresses: Vec<IpAddr> = match mode {
            DiscoveryMode::Off => return Ok(None),
            DiscoveryMode::Loopback => {
                if if_addrs::get_if_addrs()?.iter().any(|i| !i.is_loopback()) {
                    return Err(DiscoveryError::RealInterfacesVisible);
                }
                vec![IpAddr::from([127, 0, 0, 1])]
            }
            DiscoveryMode::Lan => if_addrs::get_if_addrs()?.iter().filter(|i| !i.is_loopback()).map(|i| i.ip()).collect(),
        };
        let daemon = ServiceDaemon::new()?;
        if mode == DiscoveryMode::Loopback {
            daemon.disable_interface(IfKind::All)?;
            daemon.enable_interface(IfKind::LoopbackV4)?;
        }
        let day = Utc::now().timestamp().div_euclid(86_400);
        let announced = keys.current.secret.discovery_tag(group, day);
        let tags = keys.secrets.iter().flat_map(|held| [held.secret.discovery_tag(group, day), held.secret.discovery_tag(group, day - 1)]).collect();
        let device_id = keys.device.id();
        let own_name = format!("aidmesh-{}", &device_id[..16]);
        let host = format!("{own_name}.local.");
        let info = ServiceInfo::new(SERVICE, &own_name, &host, &addresses[..], port, [(TAG_KEY, announced.as_str())].as_slice())?;
        daemon.register(info)?;
        let events = daemon.browse(SERVICE)?;
        Ok(Some(Discovery { daemon, events, own_name, tags }))
    }

    /// The next member's device announced (waits at most `wait`): its addresses, or none.
    ///
    /// Returns as soon as one is found. The hub drops this future whenever a connection arrives
    /// first, and mDNS announces a service once: an event taken from the channel must be
    /// returned with no further await, or it would be lost with the future.
    pub async fn found(&self, wait: Duration) -> Vec<SocketAddr> {
        let deadline = tokio::time::Instant::now() + wait;
        while let Ok(Ok(event)) = tokio::time::timeout_at(deadline, self.events.recv_async()).await {
            let ServiceEvent::ServiceResolved(service) = event else { continue };
            let tag = service.txt_properties.get_property_val_str(TAG_KEY).unwrap_or_default();
            if service.fullname.starts_with(&format!("{}.", self.own_name)) || !self.tags.iter().any(|t| t == tag) {
                continue;
            }
            return service.addresses.iter().map(|ip| SocketAddr::new(ip.to_ip_addr(), service.port)).collect();
        }
        Vec::new()
    }
}

impl Drop for Discovery {
    fn drop(&mut self) {
        let _ = self.daemon.shutdown();
    }
}
