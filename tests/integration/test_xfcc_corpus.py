"""XFCC headers made at test time by a real Envoy in front of a real httpbin, parsed and compared
field by field with the certificates that were sent.

Each Envoy configuration below is a way gateways are set up (Istio's default, with the chain,
hash only, and APPEND_FORWARD with a header the client sent itself); each client certificate
has a subject or SANs that a naive parser gets wrong.
"""

import hashlib
import json
from urllib.parse import quote

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ansible_collections.kyma.mtls.plugins.module_utils.xfcc import parse_xfcc
from ansible_collections.kyma.mtls.plugins.module_utils.xfcc_checks import describe, element_problems
from tests.integration.conftest import GATEWAY_SPIFFE
from tests.support import servers
from tests.support.https import get
from tests.support.processes import free_port

HOST = "httpbin.mtls.example.test"

CLIENTS = [
    {"name": "comma", "subject": [{"CN": "Doe, John"}, {"O": "example"}]},
    {"name": "quote", "subject": [{"CN": 'say "hi"'}]},
    {"name": "multi_valued", "subject": [{"CN": "Doe, John", "UID": "7"}, {"OU": "ops"}]},
    {"name": "leading_space", "subject": [{"OU": " lead"}, {"CN": "x"}]},
    {"name": "equals_semicolon", "subject": [{"O": "a=b;c"}, {"CN": "y"}]},
    {"name": "non_ascii", "subject": [{"CN": "J\u00fcrgen \u65e5\u672c"}]},
    {"name": "backslash_end", "subject": [{"CN": "ends\\"}]},
    {"name": "sans", "subject": "/CN=client2.example.com/O=example",
     "dns_names": ["a.example.com", "b.example.com", "*.c.example.com"],
     "uris": ["spiffe://cluster.local/ns/team/sa/client2", "urn:uuid:5f0c5d8e-8f7a-4c43-9c2d-6a2b1d3e9f10"]},
]

CONFIGS = {
    "istio_default": ("SANITIZE_SET", servers.ISTIO_GATEWAY_DETAILS),
    "with_chain": ("SANITIZE_SET", dict(servers.ISTIO_GATEWAY_DETAILS, chain=True)),
    "subject_only": ("SANITIZE_SET", {"subject": True}),
    "hash_only": ("SANITIZE_SET", {}),
    "append_forward": ("APPEND_FORWARD", {"subject": True, "cert": True, "uri": True, "dns": True}),
}

# What a client (or an earlier proxy) put in the header itself; APPEND_FORWARD keeps it.
SENT_ELEMENT = 'By=spiffe://upstream/proxy;Hash=%s;Subject="CN=prev\\"q,O=a\\,b";URI=spiffe://prev;X-Extra="k=v"' % ("ab" * 32)


def der_hash(certificate):
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, pki_factory):
    """{(config, client): (raw header, issued result, certificate object)} from a real Envoy."""
    work = str(tmp_path_factory.mktemp("xfcc"))
    pki, issued = pki_factory(CLIENTS)
    headers = {}
    with servers.httpbin(work) as upstream:
        for config_name, (forward, details) in CONFIGS.items():
            config = servers.mtls_gateway_config(free_port(), free_port(), upstream.port, pki + "/identity.crt",
                                                 pki + "/identity.key", pki + "/ca.crt", forward, details)
            with servers.envoy(work, config) as proxy:
                for client in CLIENTS:
                    result = issued[client["name"]]
                    status, dummy, body = get(proxy.port, HOST, "/headers", pki + "/ca.crt", result["path"],
                                              result["private_key_path"], {"X-Forwarded-Client-Cert": SENT_ELEMENT})
                    assert status == 200, body
                    raw = json.loads(body)["headers"]["X-Forwarded-Client-Cert"]
                    with open(result["path"], "rb") as handle:
                        certificate = x509.load_pem_x509_certificate(handle.read())
                    headers[(config_name, client["name"])] = (raw, result, certificate)
    with open(pki + "/ca.crt", "rb") as handle:
        ca = x509.load_pem_x509_certificate(handle.read())
    return headers, ca


CASES = [(c, k["name"]) for c in CONFIGS for k in CLIENTS]


@pytest.mark.parametrize("config,client", CASES, ids=["%s-%s" % case for case in CASES])
def test_every_field_matches_the_certificate_sent(corpus, config, client):
    headers, ca = corpus
    raw, issued, certificate = headers[(config, client)]
    forward, details = CONFIGS[config]
    elements = parse_xfcc(raw)
    assert len(elements) == (2 if forward == "APPEND_FORWARD" else 1), raw
    element = elements[-1]
    view = describe(element)

    assert view["by"] == [GATEWAY_SPIFFE]
    assert view["hash"] == der_hash(certificate) == issued["fingerprint_sha256"]
    assert view["subject"] == (issued["subject"] if details.get("subject") else None)
    assert view["uri"] == (issued["uris"] if details.get("uri") else [])
    assert view["dns"] == (issued["dns_names"] if details.get("dns") else [])
    if details.get("cert"):
        assert view["cert"] == certificate.public_bytes(serialization.Encoding.PEM).decode()
        assert view["hash_matches"] is True
        assert view["certificate"]["subject"] == issued["subject"]
        assert view["certificate"]["issuer"] == issued["issuer"]
        assert view["certificate"]["not_after"] == issued["not_after"]
    else:
        assert view["cert"] is None and view["certificate"] is None
    if details.get("chain"):
        chain = [x509.load_pem_x509_certificate(p.encode()) for p in view["chain"]]
        assert chain[0] == certificate and all(c in (certificate, ca) for c in chain)
    else:
        assert view["chain"] == []
    assert view["extra"] == {}
    if details.get("cert"):
        assert element_problems(element, view, anchors=[ca], valid_at=certificate.not_valid_before_utc,
                                expected_subject=issued["subject"], expected_uri=issued["uris"],
                                expected_dns=issued["dns_names"], expected_by=[GATEWAY_SPIFFE]) == []


@pytest.mark.parametrize("client", [k["name"] for k in CLIENTS])
def test_append_forward_keeps_what_the_client_sent(corpus, client):
    headers, dummy = corpus
    raw = headers[("append_forward", client)][0]
    first = describe(parse_xfcc(raw)[0])
    assert raw.startswith(SENT_ELEMENT + ",")
    assert first["by"] == ["spiffe://upstream/proxy"] and first["hash"] == "ab" * 32
    assert first["subject"] == 'CN=prev\\"q,O=a\\,b'
    assert first["uri"] == ["spiffe://prev"] and first["extra"] == {"X-Extra": ["k=v"]}


def test_istio_default_header_layout(corpus):
    """The raw layout the parser was written for, as this Envoy writes it."""
    headers, dummy = corpus
    raw, issued, certificate = headers[("istio_default", "sans")]
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    assert raw == ";".join([
        "By=" + GATEWAY_SPIFFE, "Hash=" + der_hash(certificate), 'Cert="%s"' % quote(pem, safe=""),
        'Subject="%s"' % issued["subject"]] + ["URI=" + u for u in issued["uris"]] + ["DNS=" + d for d in issued["dns_names"]])
