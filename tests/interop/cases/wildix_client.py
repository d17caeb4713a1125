"""A Wildix S2S client written from specs/wildix.md (sections 1-4 and the section 9 recipe):
its own PHP-style canonicaliser, hmac/hashlib only, no gatehouse code. Drives CallQueues,
CallHistory with the nested filter, Sounds (form body, and JSON body with a signed
content-type) and Originate against the sandbox's own Wildix listener."""
import base64
import datetime
import functools
import hashlib
import hmac
import json
import os
import re
import time
import urllib.error
import urllib.request
from urllib.parse import quote_plus, urlsplit

WS = " \t\n\r\0\x0b"
INT_KEY = re.compile(r"^(0|-?[1-9][0-9]*)$")
NUMERIC = re.compile(r"^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*$")


def php_key(k):
    return int(k) if isinstance(k, str) and INT_KEY.match(k) else k


def php_str(v):
    if isinstance(v, bool):
        return "1" if v else "0"
    if v is None:
        return ""
    return str(v)


def cmp_key(a, b):  # PHP 8 ksort(), SORT_REGULAR
    def num(s):
        return float(s) if NUMERIC.match(s) else None

    def bcmp(x, y):
        x, y = x.encode(), y.encode()
        return (x > y) - (x < y)

    if isinstance(a, int) and isinstance(b, int):
        return (a > b) - (a < b)
    if isinstance(a, str) and isinstance(b, str):
        na, nb = num(a), num(b)
        return (na > nb) - (na < nb) if na is not None and nb is not None else bcmp(a, b)
    i, s, sign = (a, b, 1) if isinstance(a, int) else (b, a, -1)
    ns = num(s)
    return (((i > ns) - (i < ns)) if ns is not None else bcmp(str(i), s)) * sign


def lower(k):
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in k) if isinstance(k, str) else k


def canonical(data):
    lowered = {}
    for k, v in data.items():
        lowered[php_key(lower(k))] = v
    out = []
    for k in sorted(lowered, key=functools.cmp_to_key(cmp_key)):
        v = lowered[k]
        s = canonical(v) if isinstance(v, dict) else php_str(v).strip(WS)
        out.append("%s:%s;" % (k, s))
    return "".join(out)


def urlencode(s):
    return quote_plus(s, safe="-_.").replace("~", "%7E")


def build_query(data, prefix=None):
    parts = []
    for k, v in data.items():
        name = urlencode(str(k)) if prefix is None else "%s%%5B%s%%5D" % (prefix, urlencode(str(k)))
        if isinstance(v, dict):
            parts.append(build_query(v, name))
        elif v is not None:
            parts.append("%s=%s" % (name, urlencode(php_str(v))))
    return "&".join(p for p in parts if p)


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


class Client:
    def __init__(self, url, app_id, app_name, secret):
        self.url, self.app_id, self.app_name, self.secret = url.strip().strip("/"), app_id, app_name, secret

    def request(self, method, endpoint, params=None, body=None, headers=None, tamper=None, lifetime=300, names_as_object=False):
        path = urlsplit("/" + endpoint.lstrip("/")).path
        params = params or {}
        body = {} if method in ("GET", "DELETE") else (body or {})
        hdrs = dict(headers or {})
        hdrs["Host"] = urlsplit(self.url).hostname  # signed without the port, as the PHP client does
        hdrs["X-APP-ID"] = self.app_id
        canon = method + path + canonical(hdrs) + canonical(params) + (canonical(body) if body else "")
        now = int(time.time())
        names = list(hdrs)
        if names_as_object:  # as the Netkum-AG Python client sends it: {"0": "Host", "1": "X-APP-ID"}
            names = {str(i): n for i, n in enumerate(names)}
        payload = {"iss": self.app_name, "iat": now, "exp": now + lifetime,
                   "sign": {"alg": "sha256", "headers": names, "hash": hashlib.sha256(canon.encode()).hexdigest()}}
        enc = lambda o: b64url(json.dumps(o, separators=(",", ":")).encode())
        signing_input = enc({"typ": "JWT", "alg": "HS256"}) + "." + enc(payload)
        mac = hmac.new(self.secret.encode(), signing_input.encode(), hashlib.sha256).digest()
        hdrs["Authorization"] = "Bearer " + signing_input + "." + b64url(mac)
        is_json = any(k.lower() == "content-type" and "application/json" in v for k, v in hdrs.items())
        data = None
        if body:
            data = (json.dumps(body, separators=(",", ":")).replace("/", "\\/") if is_json else build_query(body)).encode()
        if tamper:
            params = tamper(params)
        target = self.url + path + ("?" + build_query(params) if params else "")
        req = urllib.request.Request(target, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as err:
            return err.code, json.load(err)


with open(os.environ["GATEHOUSE_CREDENTIALS"]) as f:
    creds = json.load(f)["wildix"]
assert re.match(r"^http://127\.0\.0\.1:\d+$", creds["url"]), creds["url"]
client = Client(creds["url"], creds["app_id"], creds["app_name"], creds["secret"])

# CallQueues: the sandbox's demo queues, one queue with members, a dynamic member in and out.
status, answer = client.request("GET", "api/v1/PBX/settings/CallQueues/")
assert status == 200 and answer["type"] == "result", (status, answer)
queues = {q["name"]: q for q in answer["result"]["records"]}
assert "Sales" in queues, answer
qid = queues["Sales"]["id"]
status, answer = client.request("GET", "api/v1/PBX/settings/CallQueues/%d/" % qid)
assert status == 200 and answer["result"]["members"], answer
status, answer = client.request("POST", "api/v1/PBX/settings/CallQueues/%d/members/dynamic/" % qid, body={"member": "1099"})
assert status == 200 and any(m["member"] == "1099" for m in answer["result"]["members"]), answer
status, answer = client.request("DELETE", "api/v1/PBX/settings/CallQueues/%d/members/dynamic/1099" % qid)
assert status == 200, (status, answer)

# CallHistory with fields and the nested start filter (dd/mm/yyyy hh:mm).
today = datetime.datetime.now(datetime.timezone.utc)
fmt = lambda d: d.strftime("%d/%m/%Y %H:%M")
params = {"fields": "id,start,end,src,dst",
          "filter": {"start": {"from": fmt(today - datetime.timedelta(days=7)), "to": fmt(today + datetime.timedelta(days=1))}},
          "count": 50, "start": 0}
status, answer = client.request("GET", "api/v1/PBX/CallHistory/", params=params)
assert status == 200, (status, answer)
records = answer["result"]["records"]
assert records and set(records[0]) == {"id", "start", "end", "src", "dst"}, answer
before = answer["result"]["total"]

# Sounds: a form body, then a JSON body whose content-type is signed.
status, answer = client.request("POST", "api/v1/Sounds/", body={"directory": "custom", "filename": "hold", "text": "Please hold.", "voice": "en-US-Female"})
assert status == 200 and answer["result"]["name"] == "hold", (status, answer)
status, answer = client.request("POST", "api/v1/Sounds/", headers={"Content-Type": "application/json"},
                                body={"directory": "custom", "filename": "welcome", "text": "Welcome to Acme.", "voice": "en-US-Female"})
assert status == 200 and answer["result"]["name"] == "welcome", (status, answer)
status, answer = client.request("GET", "api/v1/Sounds", params={"directory": "custom"})
assert status == 200 and {r["name"] for r in answer["result"]["records"]} >= {"hold", "welcome"}, answer

# Originate (form body, AMI fields); the call shows up in the history.
status, answer = client.request("POST", "api/v1/Originate", body={"channel": "Local/1001@users", "context": "users", "exten": "1002",
                                                                 "priority": 1, "callerid": "Acme <1001>", "async": "true"})
assert status == 200 and answer["result"]["message"] == "Originate successfully queued", (status, answer)
status, answer = client.request("GET", "api/v1/PBX/CallHistory/", params=params)
assert answer["result"]["total"] == before + 1, answer
status, answer = client.request("POST", "api/v1/Originate", body={"exten": "1002"})
assert status == 400 and answer["reason"].startswith("channel"), (status, answer)

# Third-party client shapes: sign.headers as an object, a 60 s lifetime.
status, answer = client.request("GET", "api/v1/Colleagues/", lifetime=60, names_as_object=True)
assert status == 200 and answer["result"]["records"], (status, answer)

# A parameter changed after signing is refused with the error envelope.
status, answer = client.request("GET", "api/v1/PBX/CallHistory/", params={"count": 5}, tamper=lambda p: {"count": 6})
assert status == 401 and answer["type"] == "error", (status, answer)
print("wildix interop ok")
