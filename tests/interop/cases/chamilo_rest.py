"""Chamilo REST api/v2.php as its integrations call it: form POSTs, username + api_key.

Flow: authenticate -> save_user -> user_profile -> subscribe_user_to_course -> user_courses
-> delete_user, against the sandbox, with Python's standard library only.
"""
import json
import os
import secrets
import urllib.parse
import urllib.request

with open(os.environ["GATEHOUSE_CREDENTIALS"]) as f:
    creds = json.load(f)

chamilo = creds["chamilo"]
endpoint = chamilo["url"] + "/main/webservices/api/v2.php"
admin = chamilo["admin"]


def post(fields):
    """POSTs a form (PHP array syntax allowed in names) and returns the decoded envelope."""
    body = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(
        endpoint,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request) as response:
        assert response.status == 200, response.status
        assert response.headers["Content-Type"] == "application/json"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        return json.loads(response.read())


def ok(envelope):
    assert envelope["error"] is False, envelope
    return envelope["data"]


def call(username, api_key, action, **fields):
    return post({"action": action, "username": username, "api_key": api_key, **fields})


# authenticate: the admin's key is the one the credentials file names, and stays the same.
auth = ok(post({"action": "authenticate", "username": admin["username"], "password": admin["password"]}))
assert auth["apiKey"] == admin["api_key"], auth
assert auth["url"] == chamilo["url"] + "/", auth
key = auth["apiKey"]

wrong = post({"action": "authenticate", "username": admin["username"], "password": "wrong"})
assert wrong == {"error": True, "message": "Invalid user detected."}, wrong
assert post({"action": "user_profile", "username": admin["username"]}) == {
    "error": True,
    "message": "Invalid API key",
}

# save_user: a new active student with an extra field.
login = "interop_" + secrets.token_hex(4)
password = secrets.token_urlsafe(12)
created = ok(
    call(
        admin["username"],
        key,
        "save_user",
        firstname="Inter",
        lastname="Op",
        status="5",
        email=login + "@example.test",
        loginname=login,
        password=password,
        **{"extra[0][field_name]": "favourite_colour", "extra[0][field_value]": "teal"},
    )
)
user_id = created[0]
assert isinstance(user_id, int), created
assert ok(call(admin["username"], key, "username_exist", loginname=login)) == [True]

# user_profile, as the new user with their own key.
user_key = ok(post({"action": "authenticate", "username": login, "password": password}))["apiKey"]
profile = ok(call(login, user_key, "user_profile"))
assert profile["id"] == user_id and profile["username"] == login, profile
assert profile["fullName"] == "Inter Op", profile
assert {"title": "favourite_colour", "value": "teal"} in profile["extra"], profile

# subscribe to the sandbox's demo course, then see it in user_courses.
assert ok(
    call(admin["username"], key, "subscribe_user_to_course", course_code="DEMO101", user_id=str(user_id))
) == [True]
courses = ok(call(login, user_key, "user_courses"))
assert [c["code"] for c in courses] == ["DEMO101"], courses

# delete: the user is gone and their key no longer works.
assert ok(call(admin["username"], key, "delete_user", user_id=str(user_id))) == {"status": True}
assert ok(call(admin["username"], key, "username_exist", loginname=login)) == [False]
assert call(login, user_key, "user_profile") == {"error": True, "message": "Invalid API key"}
print("chamilo rest flow ok")
