use super::{Expect::*, check};

#[test]
fn placeholder() {
    let _ = (check, Valid);
}
