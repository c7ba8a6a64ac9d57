"""Rotation without downtime, through the main job on a local environment: under load from an allowed
client (fortio, 10,000 requests, a new TLS handshake each), not one request may fail while the gateway's
certificate is renewed, the client CA is rolled over, or the pinned client is renewed; a revoked client
is refused from the next handshake on while the others go on. bench/rotation.py reports the times.
"""

import pytest

from tests.integration.conftest import main_job, running_local_environment
from tests.support.rotation import REQUESTS, Rotations


@pytest.fixture(scope="module")
def rotations(tmp_path_factory):
    with running_local_environment(str(tmp_path_factory.mktemp("rotation"))) as env:
        env["pki"] = env["dir"] + "/pki"
        assert main_job(env).returncode == 0
        driver = Rotations(env["https"], env["pki"], lambda **variables: main_job(env, **variables))
        driver.wait_until_served()
        yield driver
        driver.close()


def assert_no_request_failed(result):
    assert result["in_force_after"] is not None, result  # the change did take effect
    for load in result["loads"]:
        # On a failure, the proxies' access-log lines of 5xx responses say which hop answered and why.
        assert load["requests"] >= REQUESTS and load["ok"] == load["requests"] and not load["codes"], \
            "\n".join(["%s: %r" % (result["change"], load)] + result.get("proxy_5xx", []))
        assert load["outlasted_job"], (result["change"], load)  # the load covered the whole change


def test_server_certificate_renewal(rotations):
    assert_no_request_failed(rotations.server_renewal())


def test_pinned_client_renewal_follows_the_new_certificate(rotations):
    renewal, retire, after = rotations.pinned_client_renewal()
    assert_no_request_failed(renewal)
    assert_no_request_failed(retire)
    assert after == {"old certificate after retiring": 403, "new certificate after retiring": 200}


def test_client_ca_rollover(rotations):
    start, finish, after = rotations.client_ca_rollover()
    assert_no_request_failed(start)
    assert_no_request_failed(finish)
    assert after == {"old CA's certificate refused": True, "new CA's certificate": 200}


def test_revocation(rotations):
    result, after = rotations.revocation()
    assert_no_request_failed(result)
    assert after == {"client1 before": 200, "client1 refused after": True}
