//! The process's open WebSockets, counted: per user, and those still waiting for
//! `connection_init` (the bounds `http/socket.rs` enforces). Part of the application state,
//! beneath the transport that uses it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The process's live connections: the feed they listen to, who holds how many, and the
/// sockets still waiting for `connection_init`.
pub struct Live {
    pub feed: Arc<crate::feed::Feed>,
    pub max_subscriptions: usize,
    pub max_connections_per_user: usize,
    max_unauthenticated: usize,
    pub(crate) init_timeout: Duration,
    pub(crate) account_check: Duration,
    connections: Mutex<HashMap<String, usize>>,
    unauthenticated: Mutex<usize>,
}

impl Live {
    pub fn new(feed: Arc<crate::feed::Feed>, settings: &crate::config::Settings) -> Self {
        Live {
            feed,
            max_subscriptions: settings.ws_max_subscriptions.max(1),
            max_connections_per_user: settings.ws_max_connections_per_user.max(1),
            max_unauthenticated: settings.ws_max_unauthenticated.max(1),
            init_timeout: Duration::from_millis(settings.ws_init_timeout_ms),
            account_check: Duration::from_millis(settings.ws_account_check_ms),
            connections: Mutex::new(HashMap::new()),
            unauthenticated: Mutex::new(0),
        }
    }

    /// Counts a connection of `subject`, or None when they hold the most already.
    pub(crate) fn admit(self: &Arc<Self>, subject: &str) -> Option<Held> {
        let mut map = self.connections.lock().unwrap_or_else(|e| e.into_inner());
        let n = map.entry(subject.to_owned()).or_default();
        if *n >= self.max_connections_per_user {
            return None;
        }
        *n += 1;
        Some(Held {
            live: self.clone(),
            subject: subject.to_owned(),
        })
    }

    /// Counts a socket waiting for `connection_init`, or None when too many wait.
    pub(crate) fn wait(self: &Arc<Self>) -> Option<Waiting> {
        let mut n = self.unauthenticated.lock().unwrap_or_else(|e| e.into_inner());
        if *n >= self.max_unauthenticated {
            return None;
        }
        *n += 1;
        Some(Waiting(self.clone()))
    }
}

/// A counted connection; uncounted when dropped.
pub(crate) struct Held {
    live: Arc<Live>,
    subject: String,
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut map = self.live.connections.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = map.get_mut(&self.subject) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.subject);
            }
        }
    }
}

/// A counted socket before `connection_init`; uncounted when dropped.
pub(crate) struct Waiting(Arc<Live>);

impl Drop for Waiting {
    fn drop(&mut self) {
        let mut n = self.0.unauthenticated.lock().unwrap_or_else(|e| e.into_inner());
        *n = n.saturating_sub(1);
    }
}
