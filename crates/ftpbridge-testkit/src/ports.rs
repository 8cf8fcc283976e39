//! Blocks of loopback ports for one server: a control port and a passive range that no
//! other server started by this testkit uses at the same time, in this test process or
//! in another.
//!
//! The ports from [`FIRST_PORT`] up to [`END_PORT`] are cut into aligned blocks of
//! [`BLOCK_SIZE`]. A block's first port is its lock: the [`PortBlock`] holds a listening
//! socket on it for as long as the server runs, so a second bind by anyone fails until
//! the block is dropped or its process dies (the kernel releases it; no stale lock
//! files). Before taking a block, every other port of it is test-bound on 127.0.0.1, so
//! ports that something else uses (a server left behind by a killed test run, say) are
//! skipped too. Blocks that overlap the kernel's ephemeral range
//! (`/proc/sys/net/ipv4/ip_local_port_range`) are never used, so outgoing connections
//! cannot take our ports.
//!
//! ```text
//! base        the lock, held by the testkit
//! base+1      the control port
//! base+2 ..   the passive range, to base+BLOCK_SIZE-1
//! ```

use std::net::{Ipv4Addr, SocketAddrV4, TcpListener};
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicU32, Ordering};

/// The first port of the first block.
pub const FIRST_PORT: u16 = 20_000;
/// No block reaches this port.
pub const END_PORT: u16 = 32_768;
/// Ports per block: the lock, the control port and the passive range.
pub const BLOCK_SIZE: u16 = 24;

/// A reserved block of ports, released on drop.
#[derive(Debug)]
pub struct PortBlock {
    _lock: TcpListener,
    base: u16,
}

impl PortBlock {
    /// Reserves a free block, starting the search at a block that depends on the process
    /// and the time so that concurrent processes rarely try the same blocks.
    pub fn reserve() -> Result<PortBlock, String> {
        let ephemeral = ephemeral_range();
        let blocks = (END_PORT - FIRST_PORT) / BLOCK_SIZE;
        let start = start_block(blocks);
        for i in 0..blocks {
            let base = FIRST_PORT + ((start + i) % blocks) * BLOCK_SIZE;
            let last = base + BLOCK_SIZE - 1;
            if ephemeral.start() <= &last && &base <= ephemeral.end() {
                continue;
            }
            let Ok(lock) = bind(base) else { continue };
            if (base + 1..=last).all(|port| bind(port).is_ok()) {
                return Ok(PortBlock { _lock: lock, base });
            }
        }
        Err(format!("no free block of {BLOCK_SIZE} loopback ports between {FIRST_PORT} and {END_PORT}"))
    }

    /// The server's control port.
    pub fn control(&self) -> u16 {
        self.base + 1
    }

    /// The server's passive data ports.
    pub fn passive(&self) -> RangeInclusive<u16> {
        self.base + 2..=self.base + BLOCK_SIZE - 1
    }
}

fn bind(port: u16) -> std::io::Result<TcpListener> {
    TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port))
}

fn start_block(blocks: u16) -> u16 {
    static CALLS: AtomicU32 = AtomicU32::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let mixed = std::process::id()
        .wrapping_mul(2_654_435_761)
        .wrapping_add(nanos / 1000)
        .wrapping_add(CALLS.fetch_add(1, Ordering::Relaxed).wrapping_mul(7));
    (mixed % u32::from(blocks)) as u16
}

/// The kernel's ephemeral port range (Linux's default if it cannot be read).
fn ephemeral_range() -> RangeInclusive<u16> {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| {
            let mut parts = s.split_whitespace().map(|p| p.parse::<u16>());
            Some(parts.next()?.ok()?..=parts.next()?.ok()?)
        })
        .unwrap_or(32_768..=60_999)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_do_not_overlap() {
        let a = PortBlock::reserve().unwrap();
        let b = PortBlock::reserve().unwrap();
        assert_ne!(a.base, b.base);
        for block in [&a, &b] {
            assert_eq!(block.control(), block.base + 1);
            assert_eq!(*block.passive().end(), block.base + BLOCK_SIZE - 1);
        }
        // While a block is held, nobody can take its lock port.
        assert!(bind(a.base).is_err());
        assert!(bind(b.base).is_err());
    }
}
