"""kyma.mtls.xfcc_info and the filters in a playbook, on what a real Envoy forwards to httpbin."""

import os

import pytest

from tests.integration.conftest import GATEWAY_SPIFFE
from tests.support import servers
from tests.support.playbooks import REPO, run_playbook
from tests.support.processes import free_port

PLAYBOOK = os.path.join(REPO, "tests", "integration", "playbooks", "xfcc_info.yml")
CLIENT2 = "O=example,CN=client2.example.com"


@pytest.fixture(scope="module")
def run(tmp_path_factory, pki_factory):
    work = str(tmp_path_factory.mktemp("xfcc-module"))
    pki, issued = pki_factory([{"name": "client2", "subject": "/CN=client2.example.com/O=example"}])
    with servers.httpbin(work) as upstream:
        config = servers.mtls_gateway_config(free_port(), free_port(), upstream.port, pki + "/identity.crt",
                                             pki + "/identity.key", pki + "/ca.crt")
        with servers.envoy(work, config) as proxy:
            result = run_playbook(PLAYBOOK, {"pki": pki, "port": proxy.port, "subject": issued["client2"]["subject"]})
    assert result.failures() == 0, result.stdout[-3000:]
    return result.tasks(), issued["client2"]


def test_validates_the_forwarded_certificate(run):
    tasks, client2 = run
    xfcc = tasks["Validate the element the gateway added"]
    assert not xfcc["changed"] and xfcc["problems"] == []
    assert xfcc["element"]["subject"] == CLIENT2
    assert xfcc["element"]["by"] == [GATEWAY_SPIFFE]
    assert xfcc["element"]["certificate"]["fingerprint_sha256"] == client2["fingerprint_sha256"]
    assert xfcc["element"]["hash_matches"] is True


def test_names_every_failed_check(run):
    failed = run[0]["Wrong CA and wrong subject"]
    assert failed["failed"]
    assert failed["msg"] == (
        "XFCC element 0 failed 2 check(s): the certificate (issuer CN=ClientRootCA,O=example Inc.) does not chain "
        "to the trusted CA; Subject is 'O=example,CN=client2.example.com', expected 'O=example,CN=client1.example.com'")
    assert failed["elements"][0]["subject"] == CLIENT2  # the parsed data comes back with the failure


def test_malformed_header_fails_cleanly(run):
    failed = run[0]["Malformed header"]
    assert failed["failed"] and failed["msg"] == "the quoted value at character 17 has no closing quote"
    assert "module_stderr" not in failed


def test_check_mode(run):
    assert run[0]["Runs the same in check mode"]["element"]["subject"] == CLIENT2


def test_filters(run):
    facts = run[0]["Parse with the filters"]["ansible_facts"]
    assert [e["subject"] for e in facts["parsed"]] == [CLIENT2]
    assert facts["cert_subject"] == CLIENT2
    assert facts["cert_issuer"] == "CN=ClientRootCA,O=example Inc."
