"""Chamilo SOAP through Python's zeep, built from the WSDL: testip.php -> secret_key ->
create (plain and PasswordCrypted) -> get -> edit -> subscribe -> unsubscribe ->
disable/enable -> delete, and a wrong key that must come back as Chamilo's fault.

The WSDL imports the SOAP-encoding and WSDL namespaces without a schemaLocation, as NuSOAP's
does; zeep then fetches them from schemas.xmlsoap.org. The test machine is offline, so the
transport hands zeep a minimal copy of the two schemas instead (online, zeep fetches them).
With GATEHOUSE_CAPTURE_DIR set, the requests are written there as fixtures.
"""

import hashlib
import json
import os
import secrets
import sys
import urllib.request

from lxml import etree
from zeep import Client
from zeep.exceptions import Fault
from zeep.plugins import HistoryPlugin
from zeep.transports import Transport

SOAP_ENCODING = b"""<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="http://schemas.xmlsoap.org/soap/encoding/"
  targetNamespace="http://schemas.xmlsoap.org/soap/encoding/">
 <xs:attribute name="arrayType" type="xs:string"/>
 <xs:attribute name="offset" type="xs:string"/>
 <xs:attributeGroup name="commonAttributes"><xs:attribute name="id" type="xs:ID"/>
  <xs:attribute name="href" type="xs:anyURI"/><xs:anyAttribute namespace="##other" processContents="lax"/></xs:attributeGroup>
 <xs:attributeGroup name="arrayAttributes"><xs:attribute ref="tns:arrayType"/><xs:attribute ref="tns:offset"/></xs:attributeGroup>
 <xs:group name="Array"><xs:sequence><xs:any namespace="##any" minOccurs="0" maxOccurs="unbounded" processContents="lax"/></xs:sequence></xs:group>
 <xs:complexType name="Array"><xs:group ref="tns:Array" minOccurs="0"/>
  <xs:attributeGroup ref="tns:arrayAttributes"/><xs:attributeGroup ref="tns:commonAttributes"/></xs:complexType>
</xs:schema>"""
WSDL_NS = b"""<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://schemas.xmlsoap.org/wsdl/">
 <xs:attribute name="arrayType" type="xs:string"/>
</xs:schema>"""


class OfflineTransport(Transport):
    def load(self, url):
        if url.startswith("http://schemas.xmlsoap.org/soap/encoding"):
            return SOAP_ENCODING
        if url.startswith("http://schemas.xmlsoap.org/wsdl"):
            return WSDL_NS
        return super().load(url)


def check(ok, message):
    if not ok:
        print(f"FAIL: {message}", file=sys.stderr)
        sys.exit(1)


creds = json.load(open(os.environ["GATEHOUSE_CREDENTIALS"]))
chamilo = creds["chamilo"]
base = chamilo.get("url") or creds["base_url"] + "/chamilo"
encryption = chamilo.get("password_encryption", "sha1")
ip = urllib.request.urlopen(base + "/main/webservices/testip.php").read().decode()
check(ip != "", "testip.php answered")
secret = hashlib.sha1((ip + chamilo["security_key"]).encode()).hexdigest()

history = HistoryPlugin()
client = Client(
    base + "/main/webservices/registration.soap.php?wsdl",
    transport=OfflineTransport(),
    plugins=[history],
)
service = client.service
capture = os.environ.get("GATEHOUSE_CAPTURE_DIR")


def captured(op):
    if capture:
        with open(f"{capture}/{op}.zeep.request.xml", "wb") as f:
            f.write(etree.tostring(history.last_sent["envelope"], xml_declaration=True, encoding="UTF-8"))


run = secrets.token_hex(4)
ext = f"zeep-{run}"
ref = {"original_user_id_value": ext, "original_user_id_name": "zeep_id"}

user_id = service.WSCreateUser(createUser={
    "firstname": "Grace", "lastname": "Hopper", "status": "5", "email": f"grace-{run}@example.test",
    "loginname": f"grace-{run}", "password": "Secret-pass-1", "original_user_id_name": "zeep_id",
    "original_user_id_value": ext, "extra": [{"field_name": "badge", "field_value": "7"}],
    "secret_key": secret, "active": "1",
})
captured("WSCreateUser")
check(int(user_id) > 0, f"WSCreateUser answered an id, got {user_id!r}")

hashed = hashlib.md5(b"password").hexdigest() if encryption == "md5" else hashlib.sha1(b"password").hexdigest()
crypted = service.WSCreateUserPasswordCrypted(createUserPasswordCrypted={
    "firstname": "Py", "lastname": "Shop", "status": "5", "email": f"py-{run}@example.test",
    "loginname": f"pyshop-{run}", "password": hashed, "encrypt_method": encryption,
    "original_user_id_name": "zeep_id", "original_user_id_value": f"{ext}-crypted", "secret_key": secret,
})
captured("WSCreateUserPasswordCrypted")
check(int(crypted) > 0, f"WSCreateUserPasswordCrypted answered an id, got {crypted!r}")

got = service.WSGetUser(GetUser={**ref, "secret_key": secret})
check(got["user_id"] == user_id and got["firstname"] == "Grace", f"WSGetUser found the user: {got}")

edited = service.WSEditUser(editUser={**ref, "firstname": "Amazing Grace", "username": f"grace-{run}",
                                      "email": f"grace-{run}@example.test", "secret_key": secret})
captured("WSEditUser")
check(edited == user_id, f"WSEditUser answered the id, got {edited!r}")
check(service.WSGetUser(GetUser={**ref, "secret_key": secret})["firstname"] == "Amazing Grace", "the edit is visible")

course_ref = {"original_course_id_name": "zeep_course", "original_course_id_value": ext}
created = service.WSCreateCourse(createCourse={
    "courses": [{"title": f"zeep interop {run}", "category_code": "LANG", "wanted_code": f"ZEEP{run}",
                 "tutor_name": "T", "course_language": "english", **course_ref}],
    "secret_key": secret,
})
captured("WSCreateCourse")
code = created[0]["result"]
check(code not in ("", "0"), f"WSCreateCourse answered a code, got {created}")

sub = service.WSSubscribeUserToCourse(subscribeUserToCourse={
    "userscourses": [{"course_id": course_ref, "user_id": ref, "status": 5}], "secret_key": secret,
})
captured("WSSubscribeUserToCourse")
check(sub[0]["result"] == 1, f"WSSubscribeUserToCourse enrolled the user: {sub}")
inside = service.WSUserSubscribedInCourse(UserSubscribedInCourse={"course": code, "user_id": user_id, "secret_key": secret})
check(inside == "1", f"WSUserSubscribedInCourse says 1, got {inside!r}")

unsub = service.WSUnsubscribeUserFromCourse(unsuscribeUserFromCourse={
    "userscourses": [{
        # zeep takes a SOAP-ENC array nested in an array item as {"_value_1": [...]}.
        "original_user_id_values": {"_value_1": [{"original_user_id_value": ext}]},
        "original_user_id_name": "zeep_id",
        "original_course_id_value": ext, "original_course_id_name": "zeep_course",
    }],
    "secret_key": secret,
})
captured("WSUnsubscribeUserFromCourse")
check(unsub[0]["result"] == "1" and unsub[0]["original_user_id_values"] == user_id, f"unsubscribed: {unsub}")
inside = service.WSUserSubscribedInCourse(UserSubscribedInCourse={"course": code, "user_id": user_id, "secret_key": secret})
check(inside in ("", None), f"no longer subscribed, got {inside!r}")

ids = {"ids": [ref], "secret_key": secret}
check(service.WSDisableUsers(user_ids=ids)[0]["result"] == "1", "WSDisableUsers")
captured("WSDisableUsers")
check(service.WSEnableUsers(user_ids=ids)[0]["result"] == "1", "WSEnableUsers")
check(service.WSDeleteUsers(user_ids=ids)[0]["result"] == "1", "WSDeleteUsers")
gone = service.WSGetUser(GetUser={**ref, "secret_key": secret})
check(gone["user_id"] in ("", None), f"the deleted user is gone: {gone}")

try:
    service.WSGetUser(GetUser={**ref, "secret_key": hashlib.sha1(b"wrong").hexdigest()})
    check(False, "a wrong key was accepted")
except Fault as fault:
    check(fault.code == "Server", f"fault code Server, got {fault.code!r}")
    check(fault.message == "Secret key is not correct or params are not correctly set", f"fault string, got {fault.message!r}")

print("chamilo soap via zeep: ok")
