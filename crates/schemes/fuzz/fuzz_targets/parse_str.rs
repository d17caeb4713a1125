//! PHP `parse_str` of arbitrary query strings.
#![no_main]

use gatehouse_schemes::{php_form, wildix};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let params = php_form::parse_str(data);
    let canonical = wildix::canonical_data(&params);
    // parse_str stops at a raw NUL, so input after one cannot change the result.
    if let Some(nul) = data.iter().position(|&b| b == 0) {
        assert_eq!(php_form::parse_str(&data[..nul]), params);
    }
    let _ = canonical;
});
