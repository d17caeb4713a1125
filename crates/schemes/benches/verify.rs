//! Micro-benchmarks of every scheme's verify, on the spec vectors.
//! Run with `cargo bench -p gatehouse-schemes`; `cargo test` does not build them.
#![allow(missing_docs)]

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use gatehouse_schemes::forma_sso::SsoParams;
use gatehouse_schemes::wildix::{IssCheck, RawRequest, VerifyParams};
use gatehouse_schemes::{basic, chamilo, corebos, forma, forma_sso, php_form, wildix};

fn bench_chamilo(c: &mut Criterion) {
    let key = "0123456789abcdef0123456789abcdef";
    let sent = chamilo::soap_secret_key("203.0.113.10", key);
    c.bench_function("chamilo::verify_soap_key", |b| {
        b.iter(|| {
            chamilo::verify_soap_key(
                black_box(&sent),
                "203.0.113.10",
                key,
                chamilo::KeyMode::IpBound,
            )
        })
    });
    let stored = chamilo::lookup_hash("0f1e2d3c4b5a69788796a5b4c3d2e1f0");
    c.bench_function("chamilo::verify_api_key", |b| {
        b.iter(|| chamilo::verify_api_key(black_box("0f1e2d3c4b5a69788796a5b4c3d2e1f0"), &stored))
    });
}

fn bench_corebos(c: &mut Criterion) {
    let proof = corebos::login_proof("65a7f3c2e1b4d", "Xq7Lm2Pz9Rt4Vw8K");
    c.bench_function("corebos::verify_login", |b| {
        b.iter(|| corebos::verify_login(black_box(&proof), "65a7f3c2e1b4d", "Xq7Lm2Pz9Rt4Vw8K"))
    });
}

fn bench_forma(c: &mut Criterion) {
    // forma.md §7.1 V1, parsing included: the server parses every signed body.
    let body: &[u8] = b"userid=jdoe&firstname=John&lastname=Doe&password=Secret123&email=jdoe%40example.com&role=user&valid=1";
    let header = "FormaLMS bXlhcGlrZXk6OWRhYTI3MzRmMmNiZTY4N2JiOGU5ZjBmZTVhNzNiNTE2MGM5ZWIzMg==";
    c.bench_function("forma::verify (parse + verify)", |b| {
        b.iter(|| {
            let post = php_form::parse_post(black_box(body));
            forma::verify(header.as_bytes(), "myapikey", "mysecret", &post)
        })
    });
    let params = SsoParams::default();
    c.bench_function("forma_sso::verify", |b| {
        b.iter(|| {
            forma_sso::verify(
                "JohnDoe",
                "1700000000",
                black_box("2e69494fc7c45a8552f66a1e7a440a81"),
                "ssosharedkeysample",
                1700000000,
                &params,
            )
        })
    });
}

fn bench_wildix(c: &mut Criterion) {
    // wildix.md §10 V1: nested query, the most canonicalisation work of the vectors.
    let jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhY21lLWNybSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAwMzAwLCJzaWduIjp7ImFsZyI6InNoYTI1NiIsImhlYWRlcnMiOlsiSG9zdCIsIlgtQVBQLUlEIl0sImhhc2giOiI4OGFhYWJiN2FjMzZjNTc4OTU1MTc0ZGE2MGVlNGM0MzFjNDMyMTVhZjI1YThmZmRlMzFmMDYzZTY0NjYwODgzIn19.GP0dqS_mNWAgKAbpfY8jb--ba2QL4jFcboYGiIFPx8I";
    let bearer = format!("Bearer {jwt}");
    let headers: Vec<(&str, &[u8])> = vec![
        ("Host", b"pbx.example.com"),
        ("X-APP-ID", b"s2s-acme-0001"),
        ("Authorization", bearer.as_bytes()),
    ];
    let req = RawRequest {
        method: "GET",
        path: "/api/v1/PBX/CallHistory/",
        query: b"fields=id%2Cstart%2Cend%2Csrc%2Cdst&filter%5Bstart%5D%5Bfrom%5D=01%2F11%2F2023+00%3A00&filter%5Bstart%5D%5Bto%5D=02%2F11%2F2023+23%3A59&count=50&start=0",
        headers: &headers,
        body: b"",
    };
    let params = VerifyParams {
        now: 1700000000,
        leeway: 60,
        max_lifetime: 3600,
        iss_check: IssCheck::Log,
    };
    assert!(
        wildix::verify(
            &req,
            "acme-crm",
            "Kq3v9TzX2mB7pL0sW4yN8cR1dF6hJ5gA",
            &params
        )
        .is_ok()
    );
    c.bench_function("wildix::verify", |b| {
        b.iter(|| {
            wildix::verify(
                black_box(&req),
                "acme-crm",
                "Kq3v9TzX2mB7pL0sW4yN8cR1dF6hJ5gA",
                &params,
            )
        })
    });
}

fn bench_basic(c: &mut Criterion) {
    c.bench_function("basic::parse", |b| {
        b.iter(|| basic::parse(black_box(b"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")))
    });
}

criterion_group!(
    benches,
    bench_chamilo,
    bench_corebos,
    bench_forma,
    bench_wildix,
    bench_basic
);
criterion_main!(benches);
