//! Record framing, shared by log segments and snapshots.
//!
//! A file starts with an 8-byte magic naming its kind and format version, then holds
//! records, each framed as
//!
//! ```text
//! length: u32 little-endian | crc32: u32 little-endian | payload: `length` bytes
//! ```
//!
//! where the CRC-32 (IEEE, the one of zlib and ethernet) covers the length bytes and the
//! payload (so a run of zeros, which a file system may leave after a crash, is never a
//! valid frame: the CRC of four zero bytes is not zero). Reading
//! stops at the first frame that is incomplete (a torn write: the process died while
//! appending), whose length is implausible, or whose checksum fails; [`Frames`] says
//! where and why, and which prefix of the file is sound.

use std::fmt;

/// Bytes before the payload: length and checksum.
pub(crate) const FRAME_HEADER: usize = 8;

/// Larger payloads are refused when writing and treated as corruption when reading:
/// DynamoDB's largest request is 16 MB; a snapshot chunk is far smaller.
pub(crate) const MAX_PAYLOAD: usize = 64 << 20;

/// Appends one framed record holding `payload` to `out`. `payload` must not exceed
/// [`MAX_PAYLOAD`] (the caller checks).
pub(crate) fn append_frame(out: &mut Vec<u8>, payload: &[u8]) {
    let length = u32::try_from(payload.len()).unwrap_or(u32::MAX);
    out.reserve(FRAME_HEADER + payload.len());
    out.extend_from_slice(&length.to_le_bytes());
    out.extend_from_slice(&checksum(length.to_le_bytes(), payload).to_le_bytes());
    out.extend_from_slice(payload);
}

fn checksum(length: [u8; 4], payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&length);
    hasher.update(payload);
    hasher.finalize()
}

/// How a sequence of frames ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// Exactly at the end of the data.
    Clean,
    /// A frame (or its header) is cut short at this offset: a torn write.
    Torn {
        /// Where the incomplete frame starts.
        offset: usize,
    },
    /// The frame at this offset fails its checksum or has an impossible length.
    Corrupt {
        /// Where the bad frame starts.
        offset: usize,
    },
}

impl fmt::Display for End {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            End::Clean => f.write_str("complete"),
            End::Torn { offset } => write!(f, "an incomplete record at byte {offset}"),
            End::Corrupt { offset } => write!(f, "a record failing its checksum at byte {offset}"),
        }
    }
}

/// The sound frames of a buffer, in order.
#[derive(Debug)]
pub(crate) struct Frames<'a> {
    /// The payloads of the sound frames.
    pub payloads: Vec<&'a [u8]>,
    /// The length of the sound prefix (from the start of `data`).
    pub valid_len: usize,
    /// Why reading stopped.
    pub end: End,
}

/// Splits `data` into frames, stopping at the first unsound one.
pub(crate) fn read_frames(data: &[u8]) -> Frames<'_> {
    let mut payloads = Vec::new();
    let mut offset = 0;
    let end = loop {
        let rest = &data[offset..];
        if rest.is_empty() {
            break End::Clean;
        }
        let Some((header, body)) = rest.split_first_chunk::<FRAME_HEADER>() else {
            break End::Torn { offset };
        };
        let [l0, l1, l2, l3, c0, c1, c2, c3] = *header;
        let length = usize::try_from(u32::from_le_bytes([l0, l1, l2, l3])).unwrap_or(usize::MAX);
        let crc = u32::from_le_bytes([c0, c1, c2, c3]);
        if length > MAX_PAYLOAD {
            break End::Corrupt { offset };
        }
        let Some(payload) = body.get(..length) else {
            break End::Torn { offset };
        };
        if checksum([l0, l1, l2, l3], payload) != crc {
            break End::Corrupt { offset };
        }
        payloads.push(payload);
        offset += FRAME_HEADER + length;
    };
    Frames { payloads, valid_len: offset, end }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(payloads: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for payload in payloads {
            append_frame(&mut out, payload);
        }
        out
    }

    #[test]
    fn frames_round_trip_including_empty_payloads() {
        let data = framed(&[b"one", b"", b"three"]);
        let frames = read_frames(&data);
        assert_eq!(frames.payloads, [&b"one"[..], b"", b"three"]);
        assert_eq!(frames.end, End::Clean);
        assert_eq!(frames.valid_len, data.len());
        assert_eq!(data.len(), 3 * FRAME_HEADER + 8);
    }

    #[test]
    fn every_torn_tail_keeps_the_complete_prefix() {
        let data = framed(&[b"first record", b"second record"]);
        let first_len = FRAME_HEADER + b"first record".len();
        for cut in 0..data.len() {
            let frames = read_frames(&data[..cut]);
            let expected = usize::from(cut >= first_len);
            assert_eq!(frames.payloads.len(), expected, "cut at {cut}");
            let start = if cut >= first_len { first_len } else { 0 };
            assert_eq!(frames.valid_len, start, "cut at {cut}");
            let end = if cut == start { End::Clean } else { End::Torn { offset: start } };
            assert_eq!(frames.end, end, "cut at {cut}");
        }
    }

    #[test]
    fn any_flipped_bit_is_caught() {
        let data = framed(&[b"alpha", b"beta"]);
        let second = FRAME_HEADER + 5;
        for byte in 0..data.len() {
            for bit in 0..8 {
                let mut bad = data.clone();
                bad[byte] ^= 1 << bit;
                let frames = read_frames(&bad);
                let at = if byte < second { 0 } else { second };
                // A flipped length bit either makes the frame run past the end (torn)
                // or misaligns it (checksum); a flipped payload or CRC bit fails the
                // checksum. Never is a changed payload accepted.
                assert_eq!(frames.valid_len, at, "byte {byte} bit {bit}");
                assert_ne!(frames.end, End::Clean, "byte {byte} bit {bit}");
                assert!(frames.payloads.iter().all(|p| *p == b"alpha"), "byte {byte} bit {bit}");
            }
        }
    }

    #[test]
    fn implausible_lengths_are_corruption_not_allocation() {
        let mut data = framed(&[b"ok"]);
        data.extend_from_slice(&u32::MAX.to_le_bytes());
        data.extend_from_slice(&[0; 12]);
        let frames = read_frames(&data);
        assert_eq!(frames.payloads.len(), 1);
        assert_eq!(frames.end, End::Corrupt { offset: FRAME_HEADER + 2 });
    }

    #[test]
    fn zeroed_tail_after_a_crash_is_not_a_record() {
        // A file system may extend a file with zeros that were never written.
        let mut data = framed(&[b"kept"]);
        let kept = data.len();
        data.extend_from_slice(&[0; 64]);
        let frames = read_frames(&data);
        assert_eq!(frames.payloads, [&b"kept"[..]]);
        assert_eq!(frames.valid_len, kept);
        assert_eq!(frames.end, End::Corrupt { offset: kept });
    }
}
