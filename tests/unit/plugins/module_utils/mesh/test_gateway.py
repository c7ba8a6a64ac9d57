"""Gateway servers and their credentials, as the ingress gateway reads them."""

import pytest

from ansible_collections.kyma.mtls.plugins.module_utils.mesh.gateway import (
    bind_host, credential, gateway_servers, ingress_gateways, sni_names)
from ansible_collections.kyma.mtls.plugins.module_utils.mesh.objects import Report, Unsupported
from tests.support.mesh_objects import INGRESS, gateway, secret


def servers(obj, secrets=None):
    report = Report()
    return gateway_servers(obj, [secret()] if secrets is None else secrets, "istio-system", report), report.errors


def test_mutual_tls_from_the_credential_secret():
    [server], errors = servers(gateway(minProtocolVersion="TLSV1_3", subjectAltNames=["client2.example.com"]))
    assert errors == []
    context = server.tls
    assert context["require_client_certificate"] is True
    common = context["common_tls_context"]
    assert common["tls_certificates"] == [{"certificate_chain": {"inline_string": "CERT"},
                                           "private_key": {"inline_string": "KEY"}}]
    assert common["validation_context"]["trusted_ca"] == {"inline_string": "CA"}
    assert common["tls_params"]["tls_minimum_protocol_version"] == "TLSv1_3"
    assert {"san_type": "DNS", "matcher": {"exact": "client2.example.com"}} in \
        common["validation_context"]["match_typed_subject_alt_names"]


def test_defaults_and_crl_and_cacert_secret():
    cacert = secret(name="cred-cacert", cert="x", key="y", ca=None)
    cacert["data"] = {"cacert": "Q0FDRVJU"}  # base64 "CACERT"
    [server], errors = servers(gateway(), [secret(ca=None, crl="CRL"), cacert])
    validation = server.tls["common_tls_context"]["validation_context"]
    assert errors == [] and validation["trusted_ca"] == {"inline_string": "CACERT"}
    assert validation["crl"] == {"inline_string": "CRL"}
    assert server.tls["common_tls_context"]["tls_params"] == {"tls_minimum_protocol_version": "TLSv1_2"}


def test_simple_and_optional_mutual():
    [server], dummy = servers(gateway(mode="SIMPLE"), [secret(ca=None)])
    assert server.tls["require_client_certificate"] is False
    assert "validation_context" not in server.tls["common_tls_context"]
    [server], dummy = servers(gateway(mode="OPTIONAL_MUTUAL"))
    assert server.tls["require_client_certificate"] is False
    assert server.tls["common_tls_context"]["validation_context"]["trusted_ca"] == {"inline_string": "CA"}


@pytest.mark.parametrize("obj, secrets, field, text", [
    (gateway(), [], "spec.servers[0].tls.credentialName", "Secret istio-system/cred does not exist"),
    (gateway(), [secret(ca=None)], "spec.servers[0].tls.credentialName", "has no ca.crt"),
    (gateway(mode="PASSTHROUGH"), None, "spec.servers[0].tls.mode", "PASSTHROUGH is not supported"),
    (gateway(minProtocolVersion="SSLV3"), None, "spec.servers[0].tls.minProtocolVersion", "must be one of"),
])
def test_servers_that_cannot_be_served_are_reported(obj, secrets, field, text):
    found, errors = servers(obj, secrets)
    assert found == []
    assert errors[0].startswith("Gateway kyma-mtls/gw: %s: " % field) and text in errors[0]


def test_secret_without_key_is_refused():
    with pytest.raises(Unsupported) as info:
        credential([secret(key="")], "istio-system", "cred", False, "f")
    assert "has no tls.crt and tls.key" in info.value.message


def test_only_gateways_selecting_the_ingress():
    mine, other, none = gateway(name="a"), gateway(name="b", selector={"istio": "eastwest"}), gateway(name="c")
    del none["spec"]["selector"]
    assert ingress_gateways([other, mine, none], INGRESS) == [mine]


def test_host_binding_and_sni():
    [server], dummy = servers(gateway(hosts=("*.example.test", "team-a/a.other.test")))
    assert bind_host("httpbin.example.test", "kyma-mtls", server) == "httpbin.example.test"
    assert bind_host("*.example.test", "kyma-mtls", server) == "*.example.test"
    assert bind_host("httpbin.elsewhere.test", "kyma-mtls", server) is None
    assert bind_host("a.other.test", "kyma-mtls", server) is None
    assert bind_host("a.other.test", "team-a", server) == "a.other.test"
    assert bind_host("*", "kyma-mtls", server) == "*.example.test"
    assert sni_names(server) == ["*.example.test", "a.other.test"]
    [wide], dummy = servers(gateway(hosts=("*",)))
    assert sni_names(wide) == []
