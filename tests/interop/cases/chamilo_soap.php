<?php
// Chamilo SOAP through PHP's own SoapClient, built from the WSDL as the Chamilo WordPress
// plugin and most integrations do: testip.php -> secret_key -> create (plain and
// PasswordCrypted) -> get -> edit -> subscribe -> unsubscribe -> disable/enable -> delete,
// and a wrong key that must come back as Chamilo's fault.
// With GATEHOUSE_CAPTURE_DIR set, the requests are written there as fixtures.

function fail(string $message): void
{
    fwrite(STDERR, "FAIL: $message\n");
    exit(1);
}

function check(bool $ok, string $message): void
{
    if (!$ok) {
        fail($message);
    }
}

$creds = json_decode(file_get_contents(getenv('GATEHOUSE_CREDENTIALS')), true);
$base = $creds['chamilo']['url'] ?? ($creds['base_url'] . '/chamilo');
$securityKey = $creds['chamilo']['security_key'];
$encryption = $creds['chamilo']['password_encryption'] ?? 'sha1';

$ip = @file_get_contents("$base/main/webservices/testip.php");
check($ip !== false && $ip !== '', 'testip.php answered');
$secret = sha1($ip . $securityKey);

$client = new SoapClient("$base/main/webservices/registration.soap.php?wsdl", [
    'trace' => 1,
    'exceptions' => true,
    'cache_wsdl' => WSDL_CACHE_NONE,
]);
$capture = getenv('GATEHOUSE_CAPTURE_DIR');
function captured(SoapClient $client, string $op): void
{
    global $capture;
    if ($capture) {
        file_put_contents("$capture/$op.php-soapclient.request.xml", $client->__getLastRequest());
        file_put_contents("$capture/$op.php-soapclient.response.xml", $client->__getLastResponse());
    }
}

$run = bin2hex(random_bytes(4));
$ext = "php-$run";
$user = [
    'firstname' => 'Ada', 'lastname' => 'Lovelace', 'status' => '5',
    'email' => "ada-$run@example.test", 'loginname' => "ada-$run", 'password' => 'Secret-pass-1',
    'language' => 'english', 'phone' => '', 'expiration_date' => '',
    'original_user_id_name' => 'php_id', 'original_user_id_value' => $ext,
    'extra' => [['field_name' => 'badge', 'field_value' => '42']],
    'secret_key' => $secret, 'active' => '1',
];
$id = $client->WSCreateUser($user);
captured($client, 'WSCreateUser');
check((int) $id > 0, "WSCreateUser answered an id, got '$id'");

$hashed = [
    'firstname' => 'Wo', 'lastname' => 'Commerce', 'status' => '5',
    'email' => "wc-$run@example.test", 'loginname' => "wc-$run",
    'password' => $encryption === 'md5' ? md5('password') : sha1('password'),
    'encrypt_method' => $encryption, 'language' => '', 'phone' => '', 'expiration_date' => '',
    'official_code' => '', 'original_user_id_name' => 'php_id',
    'original_user_id_value' => "$ext-crypted", 'extra' => [], 'secret_key' => $secret,
];
$cryptedId = $client->WSCreateUserPasswordCrypted($hashed);
captured($client, 'WSCreateUserPasswordCrypted');
check((int) $cryptedId > 0, "WSCreateUserPasswordCrypted answered an id, got '$cryptedId'");

$ref = ['original_user_id_value' => $ext, 'original_user_id_name' => 'php_id'];
$got = $client->WSGetUser($ref + ['secret_key' => $secret]);
captured($client, 'WSGetUser');
check($got->user_id == $id && $got->firstname === 'Ada', 'WSGetUser found the user');

$edited = $client->WSEditUser($ref + [
    'firstname' => 'Augusta', 'lastname' => 'Lovelace', 'username' => "ada-$run",
    'password' => '', 'email' => "ada-$run@example.test", 'status' => '5', 'phone' => '',
    'expiration_date' => '', 'extra' => [], 'secret_key' => $secret,
]);
captured($client, 'WSEditUser');
check($edited == $id, "WSEditUser answered the id, got '$edited'");
check($client->WSGetUser($ref + ['secret_key' => $secret])->firstname === 'Augusta', 'the edit is visible');

$courseRef = ['original_course_id_name' => 'php_course', 'original_course_id_value' => $ext];
$created = $client->WSCreateCourse([
    'courses' => [[
        'title' => "PHP interop $run", 'category_code' => 'LANG', 'wanted_code' => "PHP$run",
        'tutor_name' => 'T', 'course_language' => 'english',
    ] + $courseRef],
    'secret_key' => $secret,
]);
captured($client, 'WSCreateCourse');
$code = $created[0]->result;
check(is_string($code) && $code !== '0', 'WSCreateCourse answered a code');

$sub = $client->WSSubscribeUserToCourse([
    'userscourses' => [['course_id' => $courseRef, 'user_id' => $ref, 'status' => 5]],
    'secret_key' => $secret,
]);
captured($client, 'WSSubscribeUserToCourse');
check($sub[0]->result == 1, 'WSSubscribeUserToCourse enrolled the user');
$in = $client->WSUserSubscribedInCourse(['course' => $code, 'user_id' => $id, 'secret_key' => $secret]);
check($in === '1', "WSUserSubscribedInCourse says 1, got '$in'");

$unsub = $client->WSUnsubscribeUserFromCourse([
    'userscourses' => [[
        'original_user_id_values' => [['original_user_id_value' => $ext]],
        'original_user_id_name' => 'php_id',
        'original_course_id_value' => $ext, 'original_course_id_name' => 'php_course',
    ]],
    'secret_key' => $secret,
]);
captured($client, 'WSUnsubscribeUserFromCourse');
check($unsub[0]->result == 1 && $unsub[0]->original_user_id_values == $id, 'WSUnsubscribeUserFromCourse removed the user');
$in = $client->WSUserSubscribedInCourse(['course' => $code, 'user_id' => $id, 'secret_key' => $secret]);
check($in === '', 'no longer subscribed');

$ids = ['ids' => [$ref], 'secret_key' => $secret];
$disabled = $client->WSDisableUsers($ids);
captured($client, 'WSDisableUsers');
check($disabled[0]->result == 1, 'WSDisableUsers');
$enabled = $client->WSEnableUsers($ids);
check($enabled[0]->result == 1, 'WSEnableUsers');
$deleted = $client->WSDeleteUsers($ids);
captured($client, 'WSDeleteUsers');
check($deleted[0]->result == 1, 'WSDeleteUsers');
check($client->WSGetUser($ref + ['secret_key' => $secret])->user_id === '', 'the deleted user is gone');

try {
    $client->WSGetUser($ref + ['secret_key' => sha1('wrong')]);
    fail('a wrong key was accepted');
} catch (SoapFault $fault) {
    check($fault->faultcode === 'Server', "fault code Server, got {$fault->faultcode}");
    check($fault->faultstring === 'Secret key is not correct or params are not correctly set', "fault string, got {$fault->faultstring}");
}

echo "chamilo soap via PHP SoapClient: ok\n";
