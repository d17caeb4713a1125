//! Micro-benchmarks of every scheme's verify.
#![allow(missing_docs)]

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use gatehouse_schemes::{chamilo, corebos};

fn bench(c: &mut Criterion) {
    let key = chamilo::soap_secret_key("203.0.113.10", "0123456789abcdef0123456789abcdef");
    c.bench_function("chamilo::verify_soap_key", |b| {
        b.iter(|| {
            chamilo::verify_soap_key(
                black_box(&key),
                "203.0.113.10",
                "0123456789abcdef0123456789abcdef",
                chamilo::KeyMode::IpBound,
            )
        })
    });
    let proof = corebos::login_proof("65a7f3c2e1b4d", "Xq7Lm2Pz9Rt4Vw8K");
    c.bench_function("corebos::verify_login", |b| {
        b.iter(|| corebos::verify_login(black_box(&proof), "65a7f3c2e1b4d", "Xq7Lm2Pz9Rt4Vw8K"))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
