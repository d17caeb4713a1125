"""Forma REST client recipe with `requests` (specs/forma.md §3.3, §7.1): the body is
encoded once, and the X-Authorization signature is computed over the values of exactly
that body, in order, empties included. Flow: create -> checkUsername -> edit ->
addUserSubscription -> userCourses -> deleteUserSubscription -> delete; then one SSO link."""
import base64
import hashlib
import json
import os
import time
import urllib.parse

import requests

with open(os.environ["GATEHOUSE_CREDENTIALS"]) as f:
    creds = json.load(f)["forma"]

url = creds["url"].rstrip("/")


def call(path, fields, fmt="json"):
    body = urllib.parse.urlencode(fields)
    values = ",".join(value for _, value in fields)
    digest = hashlib.sha1((values + "," + creds["secret"]).encode()).hexdigest()
    auth = base64.b64encode((creds["key"] + ":" + digest).encode()).decode()
    headers = {
        "X-Authorization": "FormaLMS " + auth,
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json" if fmt == "json" else "application/xml",
    }
    response = requests.post(url + "/api/" + path, data=body.encode(), headers=headers)
    assert response.status_code == 200, response.status_code
    return response.json() if fmt == "json" else response.text


user = "py%d" % (time.time_ns() % 10**9)
created = call("user/create", [("userid", user), ("firstname", "Zoë"), ("lastname", "Py"),
                                ("email", user + "@example.com"), ("valid", "1")])
assert created["success"] is True, created
idst = created["idst"]

xml = call("user/checkUsername", [("userid", user)], fmt="xml")
assert xml == (
    '<?xml version="1.0" encoding="UTF-8"?><XMLoutput><idst>%d</idst>'
    "<success>true</success><message></message></XMLoutput>" % idst
), xml

edited = call("user/edit", [("idst", str(idst)), ("_customfields[city]", "Milano"),
                            ("lastname", "Edited")])
assert edited == {"success": True}, edited
details = call("user/userdetails", [("idst", str(idst))])
assert details["details"]["lastname"] == "Edited", details
assert details["details"]["firstname"] == "Zoë", details
assert {"id": "city", "name": "city", "value": "Milano"} in details["details"]["custom_fields"]

sub = call("course/addUserSubscription", [("idst", str(idst)), ("course_code", "DEMO101"),
                                          ("user_level", "tutor"), ("sendmail", "")])
assert sub == {"success": True, "message": "User has been subscribed to the course"}, sub

courses = call("user/userCourses", [("idst", str(idst))])
mine = courses["courses"][str(idst)]["courses"]
assert [c["course_name"] for c in mine] == ["Welcome to gatehouse"], courses
assert mine[0]["course_link"].startswith(url + "/appLms/index.php?modname=course&op=aula&idCourse=")

removed = call("course/deleteUserSubscription", [("idst", str(idst)), ("course_code", "DEMO101")])
assert removed == {"success": True, "message": "User has been removed from the course"}, removed

deleted = call("user/delete", [("idst", str(idst))])
assert deleted == {"success": True, "message": "User #%d has been deleted." % idst}, deleted

# SSO: the admin signs in once through a link; the landing page shows who.
admin = creds["admin"]["username"]
t = str(int(time.time()))
token = hashlib.md5((admin + "," + t + "," + creds["sso_secret"]).encode()).hexdigest()
session = requests.Session()
link = url + "/index.php?" + urllib.parse.urlencode(
    {"r": "adm/homepage/sso", "login_user": admin, "time": t, "token": token})
landing = session.get(link)
assert landing.status_code == 200 and ("Signed in as " + admin) in landing.text, landing.text
again = requests.get(link, allow_redirects=False)
assert again.status_code == 302, again.status_code
assert again.headers["Location"].endswith("msg=access_failure"), again.headers
