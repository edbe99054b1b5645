//! The strict form decoder: never panics; refuses exactly the bodies whose decoding is not
//! valid UTF-8.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roundtable::forms;

fuzz_target!(|data: &[u8]| {
    if let Ok(map) = forms::parse(data) {
        for (k, v) in &map {
            assert!(k.len() <= data.len() && v.len() <= data.len());
        }
    }
});
