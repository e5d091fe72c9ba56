//! Base64url without padding (RFC 7515 §2), as JWTs and JWKs use it; padded input is also
//! accepted, as many JWKS publishers pad.

use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Base64url without padding; non-zero trailing bits are accepted (they are dropped).
const URL: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// Decodes base64url (padding optional); `None` on any other character or a bad length.
pub(crate) fn decode(s: &str) -> Option<Vec<u8>> {
    URL.decode(s.trim_end_matches('=')).ok()
}

/// Encodes as base64url without padding.
pub fn encode(data: &[u8]) -> String {
    URL.encode(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_rfc4648_vectors() {
        // RFC 4648 §10 test vectors, in the URL-safe alphabet without padding.
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(plain.as_bytes()), enc);
            assert_eq!(decode(enc).unwrap(), plain.as_bytes());
        }
        assert_eq!(decode("Zg==").unwrap(), b"f");
        assert_eq!(decode("-_8").unwrap(), [0xfb, 0xff]);
        assert_eq!(decode("a"), None);
        assert_eq!(decode("a+b/"), None);
    }
}
