//! Fair admission: each caller (a signed-in user, else a client address) has a bounded number
//! of requests in flight, and the server as a whole a bounded number, so that one caller's
//! flood neither queues everyone behind it on the connection pool nor starves the others.
//! A request over either bound is answered at once, never queued: 429 `RATE_LIMITED` when its
//! caller has too many in flight, 503 `UNAVAILABLE` when the server is saturated, both with
//! `Retry-After`. The bounds are per process (several processes multiply them).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The bounds and who holds what.
pub struct Admission {
    global: usize,
    per_caller: usize,
    held: Mutex<(usize, HashMap<String, usize>)>,
}

/// Why a request was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Its caller already has `per_caller` requests in flight.
    Caller,
    /// The server has `global` requests in flight.
    Saturated,
}

/// An admitted request's place; dropping it frees the place.
pub struct Ticket {
    admission: Arc<Admission>,
    caller: String,
}

impl Admission {
    pub fn new(global: usize, per_caller: usize) -> Self {
        Admission {
            global: global.max(1),
            per_caller: per_caller.max(1),
            held: Mutex::new((0, HashMap::new())),
        }
    }

    /// Admits a request of `caller`, or says at once why not.
    pub fn admit(self: &Arc<Self>, caller: &str) -> Result<Ticket, Refusal> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        let (total, by_caller) = &mut *held;
        let mine = by_caller.get(caller).copied().unwrap_or(0);
        if mine >= self.per_caller {
            return Err(Refusal::Caller);
        }
        if *total >= self.global {
            return Err(Refusal::Saturated);
        }
        *total += 1;
        by_caller.insert(caller.to_owned(), mine + 1);
        Ok(Ticket {
            admission: self.clone(),
            caller: caller.to_owned(),
        })
    }

    /// Requests in flight now.
    #[cfg(test)]
    fn in_flight(&self) -> usize {
        self.held.lock().unwrap_or_else(|p| p.into_inner()).0
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut held = self.admission.held.lock().unwrap_or_else(|p| p.into_inner());
        let (total, by_caller) = &mut *held;
        *total = total.saturating_sub(1);
        if let Some(n) = by_caller.get_mut(&self.caller) {
            *n -= 1;
            if *n == 0 {
                by_caller.remove(&self.caller);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flooding_caller_is_refused_while_others_are_admitted() {
        let a = Arc::new(Admission::new(3, 2));
        let t1 = a.admit("flood").unwrap();
        let _t2 = a.admit("flood").unwrap();
        assert_eq!(a.admit("flood").err(), Some(Refusal::Caller));
        let other = a.admit("other").unwrap();
        assert_eq!(a.admit("third").err(), Some(Refusal::Saturated));
        drop(t1);
        assert_eq!(a.in_flight(), 2);
        let _t3 = a.admit("flood").unwrap();
        drop(other);
        assert!(a.admit("third").is_ok());
        assert_eq!(a.in_flight(), 2, "the third's ticket was dropped at once");
    }
}
