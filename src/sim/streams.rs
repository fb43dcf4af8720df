//! Seeded randomness. Every random choice comes from a ChaCha8 stream derived from the
//! scenario seed and the purpose of the draw (which step, which repetition, which member), so
//! a change in one part of a scenario does not shift the ids and timings of another.
//!
//! Several files can describe one tenant, often with the same seed: the streams of a file's
//! own events (steps, members, drift) also mix in the scenario's name, so two files never draw
//! the same correlationIds or record ids, and each file draws the same whether it is simulated
//! alone or beside the others. The tenant and user ids do not: they belong to the tenant, and
//! a user declared in two files is one user with one id.

use crate::graph::Text;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What a stream is used for; part of the stream's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    Tenant = 1,
    User = 2,
    Step = 3,
    Drift = 4,
    Member = 5,
    MemberEvent = 6,
    Device = 7,
    /// ID Protection: detection delays and ids (`sim::risk`).
    Risk = 8,
}

#[derive(Debug, Clone, Copy)]
pub struct Streams {
    seed: u64,
    /// Mixed into the streams of a file's own events; 0 mixes nothing.
    salt: u64,
}

impl Streams {
    pub fn new(seed: u64) -> Self {
        Streams { seed, salt: 0 }
    }

    /// The streams of one scenario file: its seed, salted with its name.
    pub fn for_scenario(seed: u64, name: &str) -> Self {
        Streams {
            seed,
            salt: fingerprint(name),
        }
    }

    pub fn rng(&self, purpose: Purpose, a: u64, b: u64) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut stream = mix(mix(mix(0, purpose as u64), a), b);
        let tenant_wide = matches!(purpose, Purpose::Tenant | Purpose::User);
        if self.salt != 0 && !tenant_wide {
            stream = mix(stream, self.salt);
        }
        rng.set_stream(stream);
        rng
    }
}

/// SplitMix64-style combination; collisions between distinct purposes are negligible.
fn mix(acc: u64, value: u64) -> u64 {
    let mut z = acc
        ^ value
            .wrapping_add(0x9e37_79b9_7f4a_7c15)
            .wrapping_add(acc << 6);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A random version-4 GUID in Graph's lowercase hyphenated form.
pub fn guid(rng: &mut impl Rng) -> Text {
    let mut bytes: [u8; 16] = rng.random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    guid_text(&bytes)
}

/// A sign-in request id: real ones often end in `00` (reference, "ID look").
pub fn request_id(rng: &mut impl Rng) -> Text {
    let mut bytes: [u8; 16] = rng.random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    bytes[15] = 0;
    guid_text(&bytes)
}

/// The GUID's text, made in place: two GUIDs a sign-in, built a character at a time into a
/// `String` and copied again into their `Text`, were 3% of `generate`.
fn guid_text(bytes: &[u8; 16]) -> Text {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [b'-'; 36];
    let mut at = 0;
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            at += 1;
        }
        out[at] = HEX[usize::from(b >> 4)];
        out[at + 1] = HEX[usize::from(b & 0xf)];
        at += 2;
    }
    Text::from(std::str::from_utf8(&out).expect("hex digits and hyphens"))
}

/// A duration in ticks drawn uniformly from `[low_ms, high_ms)` milliseconds, at 100 ns
/// resolution.
pub fn ticks_between_ms(rng: &mut impl Rng, low_ms: i64, high_ms: i64) -> i64 {
    rng.random_range(low_ms * 10_000..high_ms * 10_000)
}

/// FNV-1a: a stable fingerprint of a typed password (smart lockout compares hashes).
pub fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let s = Streams::new(7);
        let a: u64 = s.rng(Purpose::Step, 1, 0).random();
        let b: u64 = s.rng(Purpose::Step, 1, 0).random();
        let c: u64 = s.rng(Purpose::Step, 2, 0).random();
        let d: u64 = Streams::new(8).rng(Purpose::Step, 1, 0).random();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }

    #[test]
    fn files_of_one_seed_draw_their_own_events_but_share_tenant_and_user_ids() {
        let one = Streams::for_scenario(7, "user01-password-failures");
        let two = Streams::for_scenario(7, "user02-smart-lockout");
        for purpose in [
            Purpose::Step,
            Purpose::Drift,
            Purpose::Member,
            Purpose::MemberEvent,
        ] {
            let a: u64 = one.rng(purpose, 0, 0).random();
            let b: u64 = two.rng(purpose, 0, 0).random();
            assert_ne!(a, b, "{purpose:?}");
        }
        for purpose in [Purpose::Tenant, Purpose::User] {
            let a: u64 = one.rng(purpose, 3, 0).random();
            let b: u64 = two.rng(purpose, 3, 0).random();
            let unsalted: u64 = Streams::new(7).rng(purpose, 3, 0).random();
            assert_eq!((a, b), (unsalted, unsalted), "{purpose:?}");
        }
    }

    #[test]
    fn guids_have_the_graph_shape() {
        let mut rng = Streams::new(1).rng(Purpose::User, 0, 0);
        let id = guid(&mut rng);
        assert!(crate::scenario::Cidr::parse("1.2.3.4").is_ok());
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(request_id(&mut rng).ends_with("00"));
    }
}
