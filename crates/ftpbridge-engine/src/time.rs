//! Points in time the driver hands to the engine; the engine never reads a clock.

use core::ops::{Add, Sub};
use core::time::Duration;

/// A point on the driver's monotonic clock, as time since an origin the driver chose
/// (process start, page load, zero in tests).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(Duration);

impl Instant {
    /// The origin.
    pub const ZERO: Instant = Instant(Duration::ZERO);

    /// The point `since_origin` after the origin.
    pub const fn from_duration(since_origin: Duration) -> Instant {
        Instant(since_origin)
    }

    /// The point `millis` milliseconds after the origin (for drivers on a JS clock).
    pub const fn from_millis(millis: u64) -> Instant {
        Instant(Duration::from_millis(millis))
    }

    /// Time since the origin.
    pub const fn since_origin(self) -> Duration {
        self.0
    }

    /// Time from `earlier` to `self`, zero when `earlier` is later.
    pub fn saturating_since(self, earlier: Instant) -> Duration {
        self.0.saturating_sub(earlier.0)
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, rhs: Duration) -> Instant {
        Instant(self.0.saturating_add(rhs))
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, rhs: Instant) -> Duration {
        self.saturating_since(rhs)
    }
}
