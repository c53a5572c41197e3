//! Fault injection: throttling and unprocessed batch requests, on purpose.
//!
//! DynamoDB throttles requests (`ProvisionedThroughputExceededException`,
//! `ThrottlingException`) and returns part of a batch in `UnprocessedItems` /
//! `UnprocessedKeys` under load. Code that retries must be tested against both, and a
//! local engine never does either on its own. [`MemoryBackend::with_faults`] makes the
//! engine do both at chosen rates:
//!
//! - every data operation (item reads and writes, queries, scans, batches and
//!   transactions) fails *before doing anything* with probability `throttle_rate`;
//! - every request of a batch that was not throttled is left unprocessed with
//!   probability `unprocessed_rate`: it is neither applied nor read, and it is returned
//!   in the `Unprocessed*` map in the request's shape. Everything not returned there was
//!   applied, so a client that retries what comes back ends with exactly the writes it
//!   asked for.
//!
//! Decisions come from a xorshift generator seeded by [`FaultConfig::seed`]: the same
//! seed and the same sequence of requests give the same faults. Table operations
//! (`CreateTable`, `DescribeTable`, TTL, …) are never faulted.
//!
//! [`MemoryBackend::with_faults`]: super::MemoryBackend::with_faults

use std::sync::{Mutex, PoisonError};

use singletable_core::error::Error;

/// The fault rates of a [`MemoryBackend`](super::MemoryBackend) (see
/// [`MemoryBackend::with_faults`](super::MemoryBackend::with_faults)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultConfig {
    /// The probability (0.0–1.0) that a data operation is throttled.
    pub throttle_rate: f64,
    /// The probability (0.0–1.0) that one request of a batch is left unprocessed.
    pub unprocessed_rate: f64,
    /// The generator's seed: the same seed gives the same faults.
    pub seed: u64,
}

/// The fault state of one engine: the rates and the generator.
#[derive(Debug)]
pub(crate) struct Faults {
    config: FaultConfig,
    state: Mutex<u64>,
}

impl Faults {
    /// A generator for `config` (a zero seed is replaced: xorshift needs a non-zero state).
    pub fn new(config: FaultConfig) -> Faults {
        let seed = if config.seed == 0 { 0x9E37_79B9_7F4A_7C15 } else { config.seed };
        Faults { config, state: Mutex::new(seed) }
    }

    /// The next number of the xorshift64* sequence, as a fraction in [0, 1).
    fn next(&self) -> f64 {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let mut x = *state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        *state = x;
        let bits = x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        // 53 bits: exact in an f64.
        #[allow(clippy::cast_precision_loss)]
        let fraction = bits as f64 / (1u64 << 53) as f64;
        fraction
    }

    /// The throttling error to answer with, or `None` to go ahead.
    pub fn throttle(&self) -> Option<Error> {
        if self.next() >= self.config.throttle_rate {
            return None;
        }
        let (code, message) = if self.next() < 0.5 {
            (
                "ProvisionedThroughputExceededException",
                "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
            )
        } else {
            ("ThrottlingException", "Rate of requests exceeds the allowed throughput.")
        };
        Some(Error::Service { code: code.to_owned(), message: message.to_owned(), source: None })
    }

    /// Whether to leave one batch request unprocessed.
    pub fn leave_unprocessed(&self) -> bool {
        self.next() < self.config.unprocessed_rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faults(seed: u64) -> Faults {
        Faults::new(FaultConfig { throttle_rate: 0.3, unprocessed_rate: 0.5, seed })
    }

    #[test]
    fn the_same_seed_gives_the_same_faults() {
        let (a, b) = (faults(7), faults(7));
        let first: Vec<bool> = (0..100).map(|_| a.leave_unprocessed()).collect();
        let second: Vec<bool> = (0..100).map(|_| b.leave_unprocessed()).collect();
        assert_eq!(first, second);
        let unprocessed = first.iter().filter(|left| **left).count();
        assert!((30..=70).contains(&unprocessed), "about half: {unprocessed}");
        let c = faults(8);
        let other: Vec<bool> = (0..100).map(|_| c.leave_unprocessed()).collect();
        assert_ne!(first, other);
    }

    #[test]
    fn rates_of_zero_and_one() {
        let never = Faults::new(FaultConfig { throttle_rate: 0.0, unprocessed_rate: 0.0, seed: 0 });
        let always =
            Faults::new(FaultConfig { throttle_rate: 1.0, unprocessed_rate: 1.0, seed: 1 });
        for _ in 0..1000 {
            assert!(never.throttle().is_none() && !never.leave_unprocessed());
            assert!(always.throttle().is_some() && always.leave_unprocessed());
        }
        let codes: std::collections::HashSet<String> = (0..100)
            .filter_map(|_| always.throttle())
            .filter_map(|error| error.dynamodb_type().map(str::to_owned))
            .collect();
        assert_eq!(codes.len(), 2, "{codes:?}");
    }
}
