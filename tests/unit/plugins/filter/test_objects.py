"""Filters kyma.mtls.sample_objects, kyma.mtls.gateway_objects and kyma.mtls.gateway_refusals: what the
roles render with, from the code that kyma.mtls.job renders with."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kyma.mtls.plugins.filter.objects import gateway_objects, gateway_refusals, sample_objects


def test_the_samples_come_in_the_order_named_and_an_unknown_one_is_named():
    objects = sample_objects(["function", "httpbin"], "apps", "example/httpbin:1", "nodejs20")
    assert [obj["kind"] for obj in objects] == ["Function", "ServiceAccount", "Service", "Deployment", "Sidecar"]
    assert objects[0]["spec"]["runtime"] == "nodejs20" and "event.extensions.request.headers" in objects[0]["spec"][
        "source"]["inline"]["source"]
    assert objects[3]["spec"]["template"]["spec"]["containers"][0]["image"] == "example/httpbin:1"
    assert {obj["metadata"]["namespace"] for obj in objects} == {"apps"}
    with pytest.raises(AnsibleFilterError, match="unknown sample 'nginx' \\(there are httpbin, function\\)"):
        sample_objects(["nginx"], "apps", "i", "r")


def test_the_gateway_asks_for_client_certificates_with_its_credential():
    gateway, = gateway_objects("gw", "apps", ["*.example.com"], {"istio": "ingressgateway"}, "8443", "cred", "TLSV1_3")
    server, = gateway["spec"]["servers"]
    assert server["port"]["number"] == 8443 and server["hosts"] == ["*.example.com"]
    assert server["tls"] == {"mode": "MUTUAL", "credentialName": "cred", "minProtocolVersion": "TLSV1_3"}
    assert gateway["spec"]["selector"] == {"istio": "ingressgateway"}


def test_the_refused_secret_is_the_credentials_cacert():
    refusal, = gateway_refusals("cred", "istio-system")
    assert (refusal["kind"], refusal["name"], refusal["namespace"]) == ("Secret", "cred-cacert", "istio-system")
    assert "istio-system/cred" in refusal["reason"]
