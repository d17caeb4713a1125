<?php
// coreBOS client recipe in PHP with cURL (the flow of coreBOSwsLibrary's Vtiger_WSClient):
// getchallenge -> md5 -> login -> listtypes -> describe Contacts -> create -> query -> update
// -> retrieve -> delete -> logout, against the sandbox (specs/corebos.md section 10).

function fail($message) { fwrite(STDERR, $message . "\n"); exit(1); }

$creds = json_decode(file_get_contents(getenv('GATEHOUSE_CREDENTIALS')), true)['corebos'];
$url = rtrim($creds['url'], '/');
if (strpos($url, 'webservice.php') === false) { $url .= '/webservice.php'; }

function call($method, $params) {
    global $url;
    $ch = curl_init();
    if ($method === 'GET') {
        curl_setopt($ch, CURLOPT_URL, $url . '?' . http_build_query($params));
    } else {
        curl_setopt($ch, CURLOPT_URL, $url);
        curl_setopt($ch, CURLOPT_POST, true);
        curl_setopt($ch, CURLOPT_POSTFIELDS, http_build_query($params));
    }
    curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);
    curl_setopt($ch, CURLOPT_USERAGENT, 'Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)');
    $body = curl_exec($ch);
    $status = curl_getinfo($ch, CURLINFO_HTTP_CODE);
    curl_close($ch);
    if ($status !== 200) { fail("HTTP $status: $body"); }
    $reply = json_decode($body, true);
    if (!is_array($reply)) { fail("not JSON: $body"); }
    return $reply;
}

function ok($reply) {
    // The PHP client's hasError(): success must be the boolean true.
    if (!isset($reply['success']) || $reply['success'] !== true) { fail('failed: ' . json_encode($reply)); }
    return $reply['result'];
}

$challenge = ok(call('GET', ['operation' => 'getchallenge', 'username' => $creds['username']]));
$login = ok(call('POST', ['operation' => 'login', 'username' => $creds['username'],
    'accessKey' => md5($challenge['token'] . $creds['access_key'])]));
$session = $login['sessionName'];
$userId = $login['userId'];

$types = ok(call('GET', ['operation' => 'listtypes', 'sessionName' => $session]));
if (!in_array('Contacts', $types['types'], true)) { fail('no Contacts in listtypes'); }

$described = ok(call('GET', ['operation' => 'describe', 'sessionName' => $session, 'elementType' => 'Contacts']));
$prefix = $described['idPrefix'];

$created = ok(call('POST', ['operation' => 'create', 'sessionName' => $session, 'elementType' => 'Contacts',
    'element' => json_encode(['firstname' => 'Php', 'lastname' => 'Curl', 'assigned_user_id' => $userId])]));
$id = $created['id'];
if (strpos($id, $prefix . 'x') !== 0) { fail("unexpected id $id"); }

$reply = call('GET', ['operation' => 'query', 'sessionName' => $session,
    'query' => "select lastname from Contacts where lastname = 'Curl';"]);
$rows = ok($reply);
if (count($rows) !== 1 || $rows[0]['id'] !== $id) { fail('query: ' . json_encode($rows)); }
if ($reply['moreinfo']['totalrows'] !== '1') { fail('totalrows: ' . json_encode($reply['moreinfo'])); }

$created['lastname'] = 'Curly';
$updated = ok(call('POST', ['operation' => 'update', 'sessionName' => $session, 'element' => json_encode($created)]));
if ($updated['lastname'] !== 'Curly') { fail('update: ' . json_encode($updated)); }

$fetched = ok(call('GET', ['operation' => 'retrieve', 'sessionName' => $session, 'id' => $id]));
if ($fetched['lastname'] !== 'Curly') { fail('retrieve: ' . json_encode($fetched)); }

$deleted = ok(call('POST', ['operation' => 'delete', 'sessionName' => $session, 'id' => $id]));
if ($deleted !== ['status' => 'successful']) { fail('delete: ' . json_encode($deleted)); }

$bye = ok(call('POST', ['operation' => 'logout', 'sessionName' => $session]));
if ($bye !== ['message' => 'successfull']) { fail('logout: ' . json_encode($bye)); }
echo "corebos php client: ok\n";
