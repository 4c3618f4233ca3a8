//! The byte plumbing under every parser: count and SHA-256 the raw input exactly once,
//! decompress gzip transparently, and replay bytes peeked during shape detection.

use std::io::{self, BufRead, BufReader, Read};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use flate2::read::MultiGzDecoder;
use sha2::{Digest, Sha256};

/// Read buffer size for every layer.
pub(crate) const BUF_BYTES: usize = 64 * 1024;

/// Past this many bytes the rest of an input is hashed on a helper thread.
const HASH_ON_HELPER_AFTER: u64 = 4 << 20;
/// Blocks queued for the helper (at most 64 x 64 KiB in memory).
const HASH_QUEUE_BLOCKS: usize = 64;

/// Where the SHA-256 of the raw input is computed. Hashing a 1.6 GB file takes about a
/// second, the parser thread's largest single cost, so a large input is hashed alongside
/// the parser on a helper thread, on a copy of each block.
enum Hashing {
    Here(Sha256),
    Helper {
        blocks: SyncSender<Vec<u8>>,
        done: JoinHandle<Sha256>,
    },
    /// The helper thread failed (it cannot, short of running out of memory).
    Lost,
}

impl Hashing {
    fn update(&mut self, bytes: &[u8], total: u64) {
        match self {
            Hashing::Here(h) => {
                h.update(bytes);
                if total > HASH_ON_HELPER_AFTER {
                    let h = std::mem::take(h);
                    *self = Hashing::start_helper(h);
                }
            }
            Hashing::Helper { blocks, .. } => {
                if blocks.send(bytes.to_vec()).is_err() {
                    *self = Hashing::Lost;
                }
            }
            Hashing::Lost => {}
        }
    }

    fn start_helper(mut h: Sha256) -> Hashing {
        let (blocks, queue) = sync_channel::<Vec<u8>>(HASH_QUEUE_BLOCKS);
        let spawned = std::thread::Builder::new()
            .name("sha256".into())
            .spawn(move || {
                for b in queue {
                    h.update(&b);
                }
                h
            });
        match spawned {
            Ok(done) => Hashing::Helper { blocks, done },
            Err(_) => Hashing::Lost,
        }
    }

    /// The hash so far, waiting for the helper if one runs (hashing then continues here).
    fn digest(&mut self) -> Option<Sha256> {
        if let Hashing::Helper { .. } = self
            && let Hashing::Helper { blocks, done } = std::mem::replace(self, Hashing::Lost)
        {
            drop(blocks);
            if let Ok(h) = done.join() {
                *self = Hashing::Here(h);
            }
        }
        match self {
            Hashing::Here(h) => Some(h.clone()),
            _ => None,
        }
    }
}

struct RawState {
    inner: Box<dyn Read + Send>,
    hashing: Hashing,
    bytes: u64,
    /// The input has reported its end once; it is not read again (a terminal on stdin
    /// would wait for a second end-of-file).
    eof: bool,
}

/// The raw (possibly compressed) input. Every byte read through it is counted and
/// hashed; the `FileReader` keeps a clone to report progress and to drain what the
/// parser left unread so the hash always covers the whole input.
#[derive(Clone)]
pub(crate) struct Raw(Arc<Mutex<RawState>>);

impl Raw {
    pub(crate) fn new(inner: Box<dyn Read + Send>) -> Raw {
        Raw(Arc::new(Mutex::new(RawState {
            inner,
            hashing: Hashing::Here(Sha256::new()),
            bytes: 0,
            eof: false,
        })))
    }

    fn state(&self) -> MutexGuard<'_, RawState> {
        // A panic while holding the lock cannot leave the counters inconsistent.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn bytes_read(&self) -> u64 {
        self.state().bytes
    }

    /// The SHA-256 of everything read so far, or "unavailable" if the hashing thread
    /// failed.
    pub(crate) fn sha256_hex(&self) -> String {
        match self.state().hashing.digest() {
            Some(h) => h.finalize().iter().map(|b| format!("{b:02x}")).collect(),
            None => "unavailable".to_string(),
        }
    }

    /// Reads (and hashes) everything left in the raw input, without buffering it.
    pub(crate) fn drain(&self) -> io::Result<()> {
        let mut buf = vec![0u8; 8 * 1024];
        let mut this = self.clone();
        loop {
            match this.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

impl Read for Raw {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut s = self.state();
        if s.eof || buf.is_empty() {
            return Ok(0);
        }
        let n = s.inner.read(buf)?;
        s.eof = n == 0;
        let got = buf.get(..n).unwrap_or_default();
        s.bytes += n as u64;
        let total = s.bytes;
        s.hashing.update(got, total);
        Ok(n)
    }
}

/// Wraps the raw input in a gzip decoder when `gz_name` says so or the first bytes
/// are the gzip magic `1f 8b` (but a zero-byte input is never gzip). Returns the decoded stream and whether it is gzip.
pub(crate) fn decoded(raw: Raw, gz_name: bool) -> io::Result<(Box<dyn BufRead + Send>, bool)> {
    let mut head = Vec::with_capacity(2);
    let mut r = raw;
    while head.len() < 2 {
        let mut b = [0u8; 2];
        let want = 2 - head.len();
        match r.read(b.get_mut(..want).unwrap_or_default()) {
            Ok(0) => break,
            Ok(n) => head.extend_from_slice(b.get(..n).unwrap_or_default()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    // A zero-byte file is empty input even when named `.gz`.
    let gz = !head.is_empty() && (gz_name || head == [0x1f, 0x8b]);
    let stream = io::Cursor::new(head).chain(r);
    Ok(if gz {
        (
            Box::new(BufReader::with_capacity(
                BUF_BYTES,
                MultiGzDecoder::new(stream),
            )),
            true,
        )
    } else {
        (Box::new(BufReader::with_capacity(BUF_BYTES, stream)), false)
    })
}

/// `fill_buf` that retries on `Interrupted`.
pub(crate) fn fill<R: BufRead + ?Sized>(r: &mut R) -> io::Result<&[u8]> {
    loop {
        match r.fill_buf() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
            Ok([]) => return Ok(&[]),
            // Data is buffered: borrow it again (returning this borrow from inside the
            // loop does not pass the borrow checker); the second call does no I/O.
            Ok(_) => break,
        }
    }
    r.fill_buf()
}

/// The decoded stream with bytes already peeked (during detection) put back in front.
/// The peeked buffer is freed as soon as it has been consumed.
pub(crate) struct Replay {
    prefix: Vec<u8>,
    pos: usize,
    inner: Box<dyn BufRead + Send>,
}

impl Replay {
    pub(crate) fn new(prefix: Vec<u8>, pos: usize, inner: Box<dyn BufRead + Send>) -> Replay {
        Replay { prefix, pos, inner }
    }

    /// The peeked bytes not yet replayed (all of them before reading starts).
    pub(crate) fn peeked(&self) -> &[u8] {
        self.prefix.get(self.pos..).unwrap_or_default()
    }
}

impl Read for Replay {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), avail.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Replay {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos < self.prefix.len() {
            return Ok(self.prefix.get(self.pos..).unwrap_or_default());
        }
        if self.prefix.capacity() > 0 {
            self.prefix = Vec::new();
            self.pos = 0;
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if self.pos < self.prefix.len() {
            self.pos = (self.pos + amt).min(self.prefix.len());
        } else {
            self.inner.consume(amt);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_counts_hashes_and_drains() {
        let raw = Raw::new(Box::new(io::Cursor::new(b"hello world".to_vec())));
        let (mut s, gz) = decoded(raw.clone(), false).unwrap();
        assert!(!gz);
        let mut five = [0u8; 5];
        s.read_exact(&mut five).unwrap();
        assert_eq!(&five, b"hello");
        raw.drain().unwrap();
        assert_eq!(raw.bytes_read(), 11);
        assert_eq!(
            raw.sha256_hex(),
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
    }

    #[test]
    fn large_inputs_hash_the_same_on_the_helper_thread() {
        let data: Vec<u8> = (0..(HASH_ON_HELPER_AFTER as usize * 3 + 12_345))
            .map(|i| (i * 31 % 251) as u8)
            .collect();
        let raw = Raw::new(Box::new(io::Cursor::new(data.clone())));
        let (mut s, _) = decoded(raw.clone(), false).unwrap();
        let mut half = vec![0u8; data.len() / 2];
        s.read_exact(&mut half).unwrap();
        assert!(matches!(raw.state().hashing, Hashing::Helper { .. }));
        // Asking midway waits for the helper, then hashing goes on on this thread.
        let read_then = raw.bytes_read() as usize;
        let midway = raw.sha256_hex();
        raw.drain().unwrap();
        let whole = raw.sha256_hex();
        let hex = |d: &[u8]| -> String {
            Sha256::digest(d)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        };
        assert_eq!(whole, hex(&data));
        assert_eq!(raw.bytes_read(), data.len() as u64);
        // The midway digest covers what the raw layer had read then.
        assert!(read_then >= half.len());
        assert_eq!(midway, hex(&data[..read_then]));
    }

    #[test]
    fn replay_puts_peeked_bytes_back() {
        let inner: Box<dyn BufRead + Send> = Box::new(io::Cursor::new(b"world".to_vec()));
        let mut r = Replay::new(b"XXhello ".to_vec(), 2, inner);
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        assert_eq!(s, "hello world");
        assert_eq!(r.prefix.capacity(), 0);
    }
}
