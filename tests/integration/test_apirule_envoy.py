"""APIRule v2 served by real Envoy the way Kyma's api-gateway exposes it, and what restricts it.

Kyma's APIRule CRD cannot be installed on the local cluster here (issue 4: the Go module proxy
refuses github.com/kyma-project/*), so the APIRule objects go straight to the translator instead
of through the apiserver; everything after that is real: the Envoy configuration files Envoy
watches, Envoy itself, httpbin, the TLS handshakes. This is also where the tutorial's ALLOW
policy is shown to restrict nothing next to an APIRule, and the role's DENY policy to work.
"""

import base64
import json
import os
import sys

import pytest

from ansible_collections.kyma.mtls.plugins.module_utils.mesh import envoy
from ansible_collections.kyma.mtls.plugins.module_utils.mesh.identity import MeshIdentities
from ansible_collections.kyma.mtls.plugins.module_utils.mesh.translate import translate
from ansible_collections.kyma.mtls.plugins.module_utils.mesh.xds_files import (
    envoy_versions, version_of, wait_for_envoy, write_xds)
from tests.integration.conftest import DOMAIN, GATEWAY_SPIFFE
from tests.support import mesh_objects as objects
from tests.support.https import get
from tests.support.processes import Server, free_port

HOST = "httpbin." + DOMAIN
CLIENT2 = "O=example,CN=client2.example.com"
HEADERS = {"X-CLIENT-SSL-CN": "%DOWNSTREAM_PEER_SUBJECT%"}


def secret(pki):
    def read(name):
        with open(os.path.join(pki, name)) as handle:
            return handle.read()
    obj = objects.meta("Secret", "cred", "istio-system", api="v1")
    obj["data"] = {key: base64.b64encode(read(name).encode()).decode()
                   for key, name in (("tls.crt", "gateway.crt"), ("tls.key", "gateway.key"), ("ca.crt", "ca.crt"))}
    return obj


class LocalMesh:
    """Envoy and httpbin started once; each test hands the translator its objects."""

    def __init__(self, workdir, pki):
        self.workdir, self.pki = workdir, pki
        self.port, self.admin, self.httpbin = free_port(), free_port(), free_port()
        self.xds = os.path.join(workdir, "xds")
        os.makedirs(self.xds, mode=0o700)
        self.identities = MeshIdentities()
        self.base = {"gateways": [objects.gateway(hosts=("*." + DOMAIN,))], "secrets": [secret(pki)],
                     "services": [objects.service()], "deployments": [objects.deployment()]}
        self.options = {"listen": [{"port": 443, "address": "127.0.0.1:%d" % self.port}],
                        "services": [objects.local_service(address="127.0.0.1:%d" % self.httpbin,
                                                           sidecar_port=free_port())]}

    def serve(self, wait=True, **objs):
        result = translate(dict(self.base, **objs), self.options, self.identities)
        assert result.errors == []
        version = version_of(result.listeners, result.clusters)
        seen = envoy_versions(self.admin)
        write_xds(self.xds, version, result.listeners, result.clusters)
        if wait:
            assert wait_for_envoy(self.admin, version, seen and seen["rejected"], 10) == "accepted"
        return result

    def request(self, client, path="/headers", method="GET", headers=None):
        cert = os.path.join(self.pki, client + ".crt")
        key = os.path.join(self.pki, client + ".key")
        return get(self.port, HOST, path, os.path.join(self.pki, "ca.crt"), cert, key, headers=headers, method=method)


@pytest.fixture(scope="module")
def mesh(tmp_path_factory, pki_factory):
    pki, dummy = pki_factory([{"name": "client1", "subject": "/CN=client1.example.com/O=example"},
                              {"name": "client2", "subject": "/CN=client2.example.com/O=example"}])
    workdir = str(tmp_path_factory.mktemp("apirule"))
    local = LocalMesh(workdir, pki)
    local.serve(wait=False)  # Envoy starts with these files
    bootstrap = os.path.join(workdir, "envoy.json")
    with open(bootstrap, "w") as handle:
        json.dump(envoy.bootstrap(local.admin, os.path.join(local.xds, "lds.json"), os.path.join(local.xds, "cds.json"),
                                  local.xds), handle)
    code = "from httpbin import app; app.run(host='127.0.0.1', port=%d, threaded=True)" % local.httpbin
    envoy_argv = [os.path.join(os.path.dirname(sys.executable), "envoy"), "-c", bootstrap, "--disable-hot-restart",
                  "--concurrency", "1", "--drain-time-s", "1", "--drain-strategy", "immediate", "--log-level", "warn"]
    with Server([sys.executable, "-c", code], os.path.join(workdir, "httpbin.log"), local.httpbin), \
            Server(envoy_argv, os.path.join(workdir, "envoy.log"), local.admin):
        yield local


def apirule(rules):
    return objects.apirule(hosts=("httpbin",), rules=rules)


NO_AUTH = [{"path": "/*", "methods": ["GET"], "noAuth": True, "request": {"headers": HEADERS}},
           {"path": "/post", "methods": ["POST"], "noAuth": True, "request": {"headers": HEADERS}},
           {"path": "/anything/{*}", "methods": ["PUT"], "noAuth": True}]

# The tutorial's step 4: ALLOW only client2's subject, for the host.
SEED_ALLOW = objects.policy(name="test-authz-policy", action="ALLOW", rules=[{
    "to": [{"operation": {"hosts": [HOST]}}],
    "when": [{"key": "request.headers[X-Client-Ssl-Cn]", "values": [CLIENT2]}]}])

# What kyma.mtls.authorization applies (its template), here with the fingerprint rule left out.
ROLE_DENY = objects.policy(name="httpbin-mtls-allowed-clients", action="DENY", selector={"app": "httpbin"}, rules=[{
    "from": [{"source": {"principals": [GATEWAY_SPIFFE[len("spiffe://"):]]}}],
    "when": [{"key": "request.headers[x-client-ssl-cn]", "notValues": [CLIENT2]}]}])


def test_apirule_routes_like_the_api_gateway(mesh):
    result = mesh.serve(apirules=[apirule(NO_AUTH)])
    assert [r["host"] for r in result.summary["routes"]] == [HOST]
    status, dummy, body = mesh.request("client1")
    assert status == 200, body
    headers = json.loads(body)["headers"]
    assert status == 200 and headers["X-Client-Ssl-Cn"] == "O=example,CN=client1.example.com"
    assert headers["X-Forwarded-Host"] == HOST
    assert mesh.request("client1", "/post", "POST")[0] == 200
    assert mesh.request("client1", "/headers", "DELETE")[0] == 404      # no rule for the method
    assert mesh.request("client1", "/anything/a", "PUT")[0] == 200       # {*}: one segment
    assert mesh.request("client1", "/anything/a/b", "PUT")[0] == 404


def test_the_tutorials_allow_policy_restricts_nothing_next_to_an_apirule(mesh):
    mesh.serve(apirules=[apirule(NO_AUTH)], authorizationpolicies=[SEED_ALLOW])
    # The api-gateway's own ALLOW policy for the ingress gateway matches too, and Istio ORs ALLOWs.
    assert mesh.request("client1")[0] == 200
    assert mesh.request("client2")[0] == 200


def test_the_roles_deny_policy_restricts_it(mesh):
    mesh.serve(apirules=[apirule(NO_AUTH)], authorizationpolicies=[SEED_ALLOW, ROLE_DENY])
    statuses = [mesh.request("client1")[0] for dummy in range(3)]  # a pooled connection may drain first
    assert statuses[-1] == 403
    status, dummy, body = mesh.request("client1", "/post", "POST", headers={"X-Client-Ssl-Cn": CLIENT2})
    assert (status, body) == (403, "RBAC: access denied")  # the route overwrites the forged header
    assert mesh.request("client2")[0] == 200
