"""The verify role's judgement of answers (kyma.mtls.verify_answers): each kind of client, what it must get,
and the line that says so."""

import pytest

from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError
from ansible_collections.kyma.mtls.plugins.module_utils.verify_answers import verify_answers

TARGET = {"host": "httpbin.local.kyma.dev", "path": "/headers"}
CLIENT2 = {"name": "client2", "subject": "O=example,CN=client2.example.com", "path": "pki/client2.crt"}
CLIENT1 = {"name": "client1", "subject": "O=example,CN=client1.example.com", "path": "pki/client1.crt"}
STRANGER = {"name": "stranger", "path": "other/stranger.crt"}
FORGED = {"X-Client-Ssl-Cn": CLIENT2["subject"]}
REFUSAL = "(?i)ssl|tls|remote end closed connection without response|connection reset by peer|broken pipe"
HEADER = "X-Client-Ssl-Cn"


def ok_200(client, subject):
    return {"item": [TARGET, client], "status": 200, "json": {"headers": {"x-client-ssl-cn": subject}}, "content": "{}"}


def denied_403(client, *forged):
    return {"item": [TARGET, client] + list(forged), "status": 403, "content": "RBAC: access denied\n"}


def no_answer(client, message):
    return {"item": [TARGET, client], "status": -1, "msg": message}


def judge(responses, xfcc=None, checked=True):
    return verify_answers(responses, xfcc if xfcc is not None else [
        {"item": r, "problems": []} for r in responses if r["status"] == 200], [CLIENT2], [CLIENT1], HEADER, HEADER,
        REFUSAL, checked)


def test_every_expected_answer_is_ok():
    results = judge([ok_200(CLIENT2, CLIENT2["subject"]), denied_403(CLIENT1), denied_403(CLIENT1, FORGED),
                     no_answer(STRANGER, "Request failed: <urlopen error [SSL: TLSV1_ALERT_UNKNOWN_CA]>"),
                     no_answer({}, "Status code was -1 and not [-1, 200, 403]: Remote end closed connection without response")])
    assert [(r["kind"], r["expected"], r["ok"]) for r in results] == [
        ("allowed", 200, True), ("denied", 403, True), ("forged", 403, True), ("refused", -1, True), ("anonymous", -1, True)]
    assert [r["line"] for r in results] == [
        "ok   httpbin.local.kyma.dev/headers as client2: 200, X-Client-Ssl-Cn: O=example,CN=client2.example.com, XFCC valid",
        "ok   httpbin.local.kyma.dev/headers as client1: 403, RBAC: access denied",
        "ok   httpbin.local.kyma.dev/headers as client1 + forged X-Client-Ssl-Cn: 403, RBAC: access denied",
        "ok   httpbin.local.kyma.dev/headers as stranger: refused at the handshake",
        "ok   httpbin.local.kyma.dev/headers as no certificate: refused at the handshake"]
    assert results[0]["subject"] == CLIENT2["subject"] and results[1]["subject"] == ""


def test_a_denied_client_that_gets_in_fails():
    [result] = judge([ok_200(CLIENT1, CLIENT1["subject"])])
    assert not result["ok"]
    assert result["line"] == "FAIL httpbin.local.kyma.dev/headers as client1: 200 (expected 403)"


def test_a_403_without_rbac_is_not_the_policy():
    [result] = judge([{"item": [TARGET, CLIENT1], "status": 403, "content": "forbidden by the app"}])
    assert not result["ok"] and result["line"].endswith(": 403, forbidden by the app (expected RBAC: access denied)")


def test_an_allowed_client_needs_its_subject_and_a_valid_xfcc():
    wrong_subject = judge([ok_200(CLIENT2, "CN=someone else")])[0]
    assert not wrong_subject["ok"]
    assert wrong_subject["line"].endswith("(expected O=example,CN=client2.example.com and a valid XFCC)")
    response = ok_200(CLIENT2, CLIENT2["subject"])
    bad_xfcc = judge([response], xfcc=[{"item": response, "problems": ["Hash does not match"]}])[0]
    assert not bad_xfcc["ok"] and "XFCC NOT valid: Hash does not match" in bad_xfcc["line"]
    no_header = judge([response], xfcc=[{"item": response, "failed": True, "msg": "no X-Forwarded-Client-Cert"}])[0]
    assert not no_header["ok"] and "XFCC NOT valid: no X-Forwarded-Client-Cert" in no_header["line"]
    unchecked = judge([response], xfcc=[], checked=False)[0]
    assert unchecked["ok"] and "XFCC" not in unchecked["line"]


def test_a_gateway_that_does_not_answer_is_not_a_refusal():
    [result] = judge([no_answer(STRANGER, "Request failed: <urlopen error [Errno 111] Connection refused>")])
    assert not result["ok"]
    assert result["line"] == ("FAIL httpbin.local.kyma.dev/headers as stranger: no answer: Request failed: <urlopen error "
                              "[Errno 111] Connection refused> (expected refusal at the handshake)")


def test_an_allowed_client_refused_at_the_handshake_fails():
    [result] = judge([no_answer(CLIENT2, "[SSL: SSLV3_ALERT_CERTIFICATE_REVOKED]")])
    assert not result["ok"] and result["status"] == -1 and result["line"].endswith("(expected 200)")


def test_a_bad_refusal_pattern_is_named():
    with pytest.raises(MtlsError, match="refusal is not a regular expression"):
        verify_answers([], [], [], [], HEADER, HEADER, "(", True)
