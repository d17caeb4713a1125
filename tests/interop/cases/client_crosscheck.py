#!/usr/bin/env python3
"""Cross-check gatehouse-client's signatures with independent code (Python's hashlib/hmac).

For each dialect, `gatehouse call --verbose` prints the request it signed and sent; this script
recomputes the signature from the bytes on the wire and the sandbox credentials, following the
specs (not the Rust code), and fails on any difference. The other way round, values signed
here for every scheme (Wildix's JWT included) must be accepted by `gatehouse explain`, whose
math (gatehouse-schemes) is the one the client signs with. Run by tests/interop/run with
$GATEHOUSE_CREDENTIALS set; $GATEHOUSE_BIN (default target/debug/gatehouse) is the binary.
"""
import base64
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import urllib.parse

CREDS_PATH = os.environ["GATEHOUSE_CREDENTIALS"]
BIN = os.environ.get("GATEHOUSE_BIN", "target/debug/gatehouse")
CREDS = json.load(open(CREDS_PATH))


def call(*args):
    """Runs gatehouse call --verbose; returns (result, exchanges) with exchanges parsed from stderr."""
    proc = subprocess.run([BIN, "call", "--profile-file", CREDS_PATH, "--verbose", *args],
                          capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        sys.exit(f"gatehouse call {' '.join(args)} failed: {proc.stderr}")
    exchanges = []
    for block in proc.stderr.split("* exchange ")[1:]:
        lines = block.split("\n")[1:]
        x = {"headers": {}, "body": ""}
        i = 0
        while i < len(lines):
            line = lines[i]
            if line.startswith("canonical: "):
                x["canonical"] = line[len("canonical: "):]
            elif line.startswith("signature: "):
                x["signature"] = line[len("signature: "):]
            elif line == ">":
                body = []
                i += 1
                while i < len(lines) and not lines[i].startswith("< HTTP "):
                    body.append(lines[i])
                    i += 1
                x["body"] = "\n".join(body)
                continue
            elif line.startswith("> ") and "line" not in x:
                x["line"] = line[2:]
            elif line.startswith("> "):
                name, _, value = line[2:].partition(": ")
                x["headers"][name.lower()] = value
            elif line.startswith("< HTTP "):
                x["status"] = int(line[7:])
                break
            i += 1
        exchanges.append(x)
    return json.loads(proc.stdout), exchanges


def signed(exchanges):
    found = [x for x in exchanges if "signature" in x]
    if not found:
        sys.exit(f"no signed request in {exchanges}")
    return found[-1]


def check(what, got, want):
    if got != want:
        sys.exit(f"{what}: client sent {got!r}, independent signer says {want!r}")
    print(f"ok   {what}")


def corebos():
    _, xs = call("corebos", "listtypes")
    x = signed(xs)
    token = x["canonical"].replace("{access_key}", "")
    want = hashlib.md5((token + CREDS["corebos"]["access_key"]).encode()).hexdigest()
    check("corebos login accessKey", x["signature"], want)
    sent = dict(urllib.parse.parse_qsl(x["body"]))["accessKey"]
    check("corebos accessKey on the wire", sent, want)


def chamilo_soap():
    _, xs = call("chamilo", "WSGetUserFromUsername", "username=admin")
    x = signed(xs)
    ip = x["canonical"].replace("{security_key}", "")
    want = hashlib.sha1((ip + CREDS["chamilo"]["security_key"]).encode()).hexdigest()
    check("chamilo secret_key", x["signature"], want)
    sent = re.search(r"<secret_key>([0-9a-f]+)</secret_key>", x["body"]).group(1)
    check("chamilo secret_key on the wire", sent, want)


def forma():
    _, xs = call("forma", "user/checkUsername", "userid=admin", "note=a b,c")
    x = signed(xs)
    values = [v for _, v in urllib.parse.parse_qsl(x["body"], keep_blank_values=True)]
    f = CREDS["forma"]
    digest = hashlib.sha1((",".join(values) + "," + f["secret"]).encode()).hexdigest()
    want = "FormaLMS " + base64.b64encode(f"{f['key']}:{digest}".encode()).decode()
    check("forma X-Authorization", x["headers"].get("x-authorization"), want)


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def wildix():
    _, xs = call("wildix", "PBX/CallHistory/", "count=5", "fields=id,start")
    x = signed(xs)
    w = CREDS["wildix"]
    token = x["headers"]["authorization"].removeprefix("Bearer ")
    head, payload, sig = token.split(".")
    mac = hmac.new(w["secret"].encode(), f"{head}.{payload}".encode(), hashlib.sha256).digest()
    check("wildix JWT HS256", base64.urlsafe_b64encode(mac).decode().rstrip("="), sig)
    claims = json.loads(b64url_decode(payload))
    check("wildix iss", claims["iss"], w["app_name"])
    method, url = x["line"].split(" ", 1)
    parts = urllib.parse.urlsplit(url)
    headers = "".join(f"{n.lower()}:{x['headers'][n.lower()].strip()};" for n in claims["sign"]["headers"])
    query = sorted(urllib.parse.parse_qsl(parts.query))
    canonical = method + parts.path + headers + "".join(f"{k.lower()}:{v.strip()};" for k, v in query)
    check("wildix Host without port", x["headers"]["host"], parts.hostname)
    check("wildix sign.hash", claims["sign"]["hash"], hashlib.sha256(canonical.encode()).hexdigest())


def explain(*args):
    """The other way round: a value from the independent signer, checked by gatehouse's math."""
    proc = subprocess.run([BIN, "explain", "--json", *args], capture_output=True, text=True, timeout=60)
    report = json.loads(proc.stdout)
    check(f"gatehouse explain {args[0]} accepts the independent value", report.get("matches"), True)


def reverse():
    token, key = "65a7f3c2e1b4d", CREDS["corebos"]["access_key"]
    explain("corebos", "--token", token, "--access-key", key,
            "--sent", hashlib.md5((token + key).encode()).hexdigest())
    sk = CREDS["chamilo"]["security_key"]
    explain("chamilo", "--ip", "203.0.113.10", "--security-key", sk,
            "--secret-key", hashlib.sha1(("203.0.113.10" + sk).encode()).hexdigest())
    f = CREDS["forma"]
    body = "userid=alice&email=a%40x.test"
    digest = hashlib.sha1(("alice,a@x.test," + f["secret"]).encode()).hexdigest()
    header = "FormaLMS " + base64.b64encode(f"{f['key']}:{digest}".encode()).decode()
    explain("forma", "--key", f["key"], "--secret", f["secret"], "--body", body, "--header", header)
    explain("forma-sso", "--user", "admin", "--time", "1511165622", "--sso-secret", f["sso_secret"],
            "--token", hashlib.md5(f"admin,1511165622,{f['sso_secret']}".encode()).hexdigest())
    w = CREDS["wildix"]
    url = "https://pbx.example.com:8443/api/v1/PBX/CallHistory/?count=5"
    canonical = f"GET/api/v1/PBX/CallHistory/host:pbx.example.com;x-app-id:{w['app_id']};count:5;"
    now = int(__import__("time").time())
    claims = {"iss": w["app_name"], "iat": now, "exp": now + 300,
              "sign": {"alg": "sha256", "headers": ["Host", "X-APP-ID"],
                       "hash": hashlib.sha256(canonical.encode()).hexdigest()}}
    b64 = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")
    signing = b64(b'{"typ":"JWT","alg":"HS256"}') + "." + b64(json.dumps(claims, separators=(",", ":")).encode())
    jwt = signing + "." + b64(hmac.new(w["secret"].encode(), signing.encode(), hashlib.sha256).digest())
    explain("wildix", "--method", "GET", "--url", url, "--app-id", w["app_id"], "--app-name", w["app_name"],
            "--secret", w["secret"], "--token", jwt)


for case in (reverse, corebos, chamilo_soap, forma, wildix):
    case()
