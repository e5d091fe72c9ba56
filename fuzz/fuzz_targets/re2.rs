//! RE2 patterns on arbitrary text: translation and checking never panic, and a pattern the
//! check accepts compiles (unless it is too large) and matches without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mesh_model::re2;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (pattern, value) = text.split_once('\n').unwrap_or((text, ""));
    let _ = re2::translate(pattern);
    if re2::check(pattern).is_ok() {
        match re2::full_match(pattern) {
            Ok(re) => {
                let _ = re.is_match(value);
            }
            Err(e) => {
                assert!(e.contains("size limit") || e.contains("exceeds"), "{pattern:?} checked but: {e}")
            }
        }
    }
});
