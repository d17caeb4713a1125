"""coreBOS client recipe with the standard library (coreBOSwsLibrary python/v30's flow):
getchallenge -> md5 -> login -> listtypes -> describe Contacts -> create -> query -> update
-> retrieve -> delete -> logout, against the sandbox (specs/corebos.md section 10)."""
import hashlib
import json
import os
import urllib.parse
import urllib.request

with open(os.environ["GATEHOUSE_CREDENTIALS"]) as f:
    creds = json.load(f)["corebos"]

url = creds["url"].rstrip("/")
if "webservice.php" not in url:
    url += "/webservice.php"


def check(reply):
    assert reply["success"] is True, reply
    return reply["result"], reply.get("moreinfo")


def get(**params):
    with urllib.request.urlopen(url + "?" + urllib.parse.urlencode(params)) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/json"
        return json.load(response)


def post(**params):
    data = urllib.parse.urlencode(params).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=data)) as response:
        assert response.status == 200
        return json.load(response)


challenge, _ = check(get(operation="getchallenge", username=creds["username"]))
assert len(challenge["token"]) == 13
assert isinstance(challenge["serverTime"], int)
access = hashlib.md5((challenge["token"] + creds["access_key"]).encode()).hexdigest()
login, _ = check(post(operation="login", username=creds["username"], accessKey=access))
session, user_id = login["sessionName"], login["userId"]
assert user_id.startswith("19x"), user_id

types, _ = check(get(operation="listtypes", sessionName=session))
assert "Contacts" in types["types"], types

described, _ = check(get(operation="describe", sessionName=session, elementType="Contacts"))
assert any(f["name"] == "lastname" and f["mandatory"] for f in described["fields"])
prefix = described["idPrefix"]

demo, _ = check(get(operation="query", sessionName=session, query="select count(*) from Contacts;"))
assert int(demo[0]["count"]) >= 4, demo  # the sandbox's demo contacts

element = {"firstname": "Py", "lastname": "Thon", "email": "py@example.test", "assigned_user_id": user_id}
created, _ = check(post(operation="create", sessionName=session, elementType="Contacts",
                        element=json.dumps(element)))
record_id = created["id"]
assert record_id.startswith(prefix + "x"), record_id

rows, more = check(get(operation="query", sessionName=session,
                       query="select firstname, lastname from Contacts where lastname = 'Thon';"))
assert [r["id"] for r in rows] == [record_id], rows
assert more["totalrows"] == "1", more

created["lastname"] = "Thonny"
updated, _ = check(post(operation="update", sessionName=session, element=json.dumps(created)))
assert updated["lastname"] == "Thonny", updated

fetched, _ = check(get(operation="retrieve", sessionName=session, id=record_id))
assert fetched["lastname"] == "Thonny" and fetched["firstname"] == "Py", fetched

deleted, _ = check(post(operation="delete", sessionName=session, id=record_id))
assert deleted == {"status": "successful"}, deleted

bye, _ = check(post(operation="logout", sessionName=session))
assert bye == {"message": "successfull"}, bye
after = get(operation="listtypes", sessionName=session)
assert after["success"] is False and after["error"]["code"] == "AUTHENTICATION_REQUIRED", after
print("corebos python client: ok")
