"""The sandbox credentials file holds every key of ARCHITECTURE.md section 5, read with the standard library."""
import json
import os
import urllib.request

with open(os.environ["GATEHOUSE_CREDENTIALS"]) as f:
    creds = json.load(f)

required = {
    "chamilo": ["security_key", "password_encryption", "admin"],
    "corebos": ["username", "access_key"],
    "forma": ["key", "secret", "sso_secret", "admin"],
    "wildix": ["app_id", "app_name", "secret"],
}
assert creds["base_url"].startswith("http://127.0.0.1:"), creds["base_url"]
for section, keys in required.items():
    for key in keys:
        assert creds[section].get(key), f"{section}.{key} missing"
for key in ["username", "password", "api_key"]:
    assert creds["chamilo"]["admin"][key], f"chamilo.admin.{key} missing"
for key in ["username", "password"]:
    assert creds["forma"]["admin"][key], f"forma.admin.{key} missing"

with urllib.request.urlopen(creds["base_url"] + "/healthz") as response:
    assert response.status == 200
    assert json.load(response) == {"status": "ok"}
