//! Arbitrary bytes as a SOAP request body: the reader must never panic, and whatever it
//! reads must survive being written as a Chamilo response and read back unchanged in shape.
#![no_main]

use gatehouse_wire::chamilo::SERVICE;
use gatehouse_wire::soap::{FaultCode, decode_call, encode_fault, encode_response};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(call) = decode_call(data) else {
        return;
    };
    // The fault writer takes any text, including the operation name we just read.
    let fault = encode_fault(FaultCode::Client, &call.operation);
    assert!(fault.is_ascii());
    assert!(decode_call(fault.as_bytes()).is_ok());
    // Any decoded value, written as the return of any operation, is well-formed XML again.
    if let Some(value) = call.first_part() {
        for op in SERVICE.operations.iter().take(4) {
            let xml = encode_response(&SERVICE, op.name, value);
            assert!(decode_call(xml.as_bytes()).is_ok(), "{xml}");
        }
    }
});
