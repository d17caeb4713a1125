#!/usr/bin/env bash
# Forma REST with curl, following the documented client recipe (specs/forma.md §3.3, §7.1):
# X-Authorization: FormaLMS base64(key + ":" + sha1(join(",", post values) + "," + secret)),
# the values being exactly those of the body sent, in order. Flow: create -> checkUsername ->
# edit -> addUserSubscription -> userCourses -> deleteUserSubscription -> delete.
set -euo pipefail
read -r url key secret < <(python3 -c 'import json,os; f=json.load(open(os.environ["GATEHOUSE_CREDENTIALS"]))["forma"]; print(f["url"], f["key"], f["secret"])')

# call PATH ACCEPT BODY VALUE... : POSTs BODY (already URL-encoded) signed over the VALUEs.
call() {
  local path=$1 accept=$2 body=$3; shift 3
  local joined="" v
  for v in "$@"; do joined+="$v,"; done
  local sha
  sha=$(printf '%s' "$joined$secret" | sha1sum | cut -d' ' -f1)
  local auth
  auth=$(printf '%s' "$key:$sha" | base64 -w0)
  curl -fsS -X POST "$url/api/$path" \
    -H "X-Authorization: FormaLMS $auth" \
    -H "Accept: $accept" \
    -H 'Content-Type: application/x-www-form-urlencoded' \
    --data-binary "$body"
}

user="curl$RANDOM$RANDOM"
out=$(call user/create application/json "userid=$user&firstname=Curl&lastname=Client&email=$user%40example.com&password=" \
  "$user" Curl Client "$user@example.com" "")
idst=$(printf '%s' "$out" | python3 -c 'import json,sys; r=json.load(sys.stdin); assert r["success"] is True, r; print(r["idst"])')

out=$(call user/checkUsername "" "userid=$user" "$user")
expected="<?xml version=\"1.0\" encoding=\"UTF-8\"?><XMLoutput><idst>$idst</idst><success>true</success><message></message></XMLoutput>"
[ "$out" = "$expected" ] || { echo "checkUsername answered $out"; exit 1; }

out=$(call user/edit application/json "idst=$idst&lastname=Edited%2C+twice" "$idst" "Edited, twice")
[ "$out" = '{"success":true}' ] || { echo "edit answered $out"; exit 1; }

out=$(call course/addUserSubscription application/json "idst=$idst&course_code=DEMO101&user_level=student&sendmail=" \
  "$idst" DEMO101 student "")
[ "$out" = '{"success":true,"message":"User has been subscribed to the course"}' ] || { echo "addUserSubscription answered $out"; exit 1; }

out=$(call user/userCourses.json "*/*" "idst=$idst" "$idst")
printf '%s' "$out" | python3 -c '
import json, sys
r = json.load(sys.stdin)
courses = r["courses"][sys.argv[1]]["courses"]
assert [c["course_name"] for c in courses] == ["Welcome to gatehouse"], r
' "$idst" || { echo "userCourses answered $out"; exit 1; }
case "$out" in *'appLms\/index.php?modname=course&op=aula&idCourse='*) ;; *) echo "course_link missing: $out"; exit 1 ;; esac

out=$(call course/deleteUserSubscription application/json "idst=$idst&course_code=DEMO101" "$idst" DEMO101)
[ "$out" = '{"success":true,"message":"User has been removed from the course"}' ] || { echo "deleteUserSubscription answered $out"; exit 1; }

out=$(call user/delete application/json "idst=$idst" "$idst")
[ "$out" = "{\"success\":true,\"message\":\"User #$idst has been deleted.\"}" ] || { echo "delete answered $out"; exit 1; }

out=$(call user/checkUsername application/json "userid=$user" "$user")
[ "$out" = '{"error":"User not found"}' ] || { echo "deleted user still found: $out"; exit 1; }
