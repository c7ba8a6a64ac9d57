"""Kyma's own parts on the local environment: Kyma's api-gateway controller (built from its source,
run as its pod) reconciles the roles' APIRules into the Istio objects istiod serves; the tutorial's
Function runs its own source in Kyma's Node.js runtime behind a real sidecar.

The main job runs as `make demo` runs it (localenv/vars/local.yml: APIRule v2, httpbin and the
Function), and requests go through the ingress gateway with client certificates.
"""

import json
import os
import ssl
import time

import pytest

from tests.integration.conftest import GATEWAY_SPIFFE, main_job, request_as, running_local_environment
from tests.support.kube import Kube

DOMAIN = "local.kyma.dev"
HTTPBIN = "httpbin." + DOMAIN
FUNCTION = "function-example." + DOMAIN
CLIENT2 = "O=example,CN=client2.example.com"
APIRULES = "/apis/gateway.kyma-project.io/v2/namespaces/kyma-mtls/apirules"
POLICIES = "/apis/security.istio.io/v1/namespaces/kyma-mtls/authorizationpolicies"
FUNCTIONS = "/apis/serverless.kyma-project.io/v1alpha2/namespaces/kyma-mtls/functions"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with running_local_environment(str(tmp_path_factory.mktemp("kyma"))) as info:
        applied = main_job(info)
        assert applied.returncode == 0, applied.stdout[-3000:]
        info["pki"] = os.path.join(info["dir"], "pki")
        info["kube"] = Kube(info["kubeconfig"])
        # The controller's first pass adds its finalizer and comes back after 5 s, as on a cluster.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(
                (info["kube"].get(APIRULES + "/" + name).get("status") or {}).get("state") != "Ready"
                for name in ("httpbin-mtls", "function-mtls")):
            time.sleep(0.5)
        yield info


def call(env, client, host=HTTPBIN, path="/headers", headers=None, method="GET"):
    return request_as(env, client, host, path, headers, method)


def eventually(env, client, expected, seconds=60, **request):
    """Statuses seen until a request gets expected (the controller reconciles, istiod pushes)."""
    started, seen = time.monotonic(), []
    while time.monotonic() - started < seconds:
        try:
            seen.append(call(env, client, **request)[0])
        except (ssl.SSLError, OSError) as error:
            seen.append(type(error).__name__)
        if seen[-1] == expected:
            break
        time.sleep(0.05)
    print("%s got %s after %.3f s: %s" % (client, expected, time.monotonic() - started, seen[-5:]))
    return seen


def generated(env, kind, apirule):
    """The objects Kyma's controller wrote for an APIRule (they carry its name in a label)."""
    api = {"VirtualService": "/apis/networking.istio.io/v1/namespaces/kyma-mtls/virtualservices",
           "AuthorizationPolicy": POLICIES}[kind]
    status, body = env["kube"].call("GET", api + "?labelSelector=apirule.gateway.kyma-project.io/name%3D" + apirule)
    assert status == 200, body
    return body["items"]


def test_the_roles_apirules_are_reconciled_by_kymas_controller(env):
    kube = env["kube"]
    for name, host in (("httpbin-mtls", HTTPBIN), ("function-mtls", FUNCTION)):
        rule = kube.get(APIRULES + "/" + name)
        assert rule["status"]["state"] == "Ready", rule["status"]
        # Stored as v2alpha1 through Kyma's conversion webhook, which marks the version it came in.
        stored = kube.get("/apis/gateway.kyma-project.io/v2alpha1/namespaces/kyma-mtls/apirules/" + name)
        assert stored["metadata"]["annotations"]["gateway.kyma-project.io/original-version"] == "v2"
        [route] = generated(env, "VirtualService", name)
        assert route["spec"]["hosts"] == [host] and route["spec"]["gateways"] == ["kyma-mtls/kyma-mtls-gateway"]
        assert route["spec"]["http"][0]["headers"]["request"]["set"]["X-CLIENT-SSL-CN"] == "%DOWNSTREAM_PEER_SUBJECT%"
        allows = generated(env, "AuthorizationPolicy", name)
        assert allows and all(p["spec"].get("action", "ALLOW") == "ALLOW" for p in allows)
        assert {GATEWAY_SPIFFE[len("spiffe://"):]} == {
            principal for p in allows for r in p["spec"]["rules"] for f in r["from"] for principal in f["source"]["principals"]}


def test_the_api_gateways_manager_runs_as_its_own_pod(env):
    [pod] = env["kube"].get("/api/v1/namespaces/kyma-system/pods")["items"]
    [manager] = pod["spec"]["containers"]
    assert manager["image"].endswith("api-gateway-manager:3.10.0") and manager["command"] == ["/manager"]
    assert pod["spec"]["serviceAccountName"] == "api-gateway-controller-manager"
    assert pod["status"]["containerStatuses"][0]["ready"]


def test_a_rule_without_an_access_strategy_is_refused_by_the_apiserver(env):
    rule = {"apiVersion": "gateway.kyma-project.io/v2", "kind": "APIRule",
            "metadata": {"name": "no-strategy", "namespace": "kyma-mtls"},
            "spec": {"hosts": ["no-strategy." + DOMAIN], "gateway": "kyma-mtls/kyma-mtls-gateway",
                     "service": {"name": "httpbin", "port": 8000}, "rules": [{"path": "/*", "methods": ["GET"]}]}}
    status, body = env["kube"].call("POST", APIRULES, rule)
    assert status == 422, body
    assert "One of the following fields must be set: noAuth, jwt, extAuth" in body["message"]


def test_the_tutorials_v1beta1_apirule_is_refused_by_kymas_webhook(env):
    seed = {"apiVersion": "gateway.kyma-project.io/v1beta1", "kind": "APIRule",
            "metadata": {"name": "httpbin-mtls-gw-unsecured", "namespace": "kyma-mtls"},
            "spec": {"host": "httpbin-legacy." + DOMAIN, "service": {"name": "httpbin", "port": 8000},
                     "gateway": "kyma-mtls-gateway.kyma-mtls.svc.cluster.local",
                     "rules": [{"path": "/.*", "methods": ["GET"], "accessStrategies": [{"handler": "noop"}],
                                "mutators": [{"handler": "noop"}]}]}}
    status, body = env["kube"].call("POST", "/apis/gateway.kyma-project.io/v1beta1/namespaces/kyma-mtls/apirules", seed)
    assert status == 403, body
    assert "v1beta1 APIRule version is no longer supported, please use v2 instead" in body["message"]


@pytest.mark.parametrize("host,path", [(HTTPBIN, "/headers"), (FUNCTION, "/function")])
def test_through_the_gateway_only_the_allowed_certificate_gets_in(env, host, path, pki_factory):
    assert eventually(env, "client2", 200, host=host, path=path)[-1] == 200
    status, dummy, body = call(env, "client2", host=host, path=path)
    headers = {k.lower(): v for k, v in json.loads(body)["headers"].items()}
    assert headers["x-client-ssl-cn"] == CLIENT2
    assert headers["x-forwarded-client-cert"].startswith("Hash=")
    for forged in (None, {"X-Client-Ssl-Cn": CLIENT2}):
        assert call(env, "client1", host=host, path=path, headers=forged)[:3:2] == (403, "RBAC: access denied")
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        call(env, None, host=host, path=path)
    foreign, dummy = pki_factory([{"name": "stranger", "subject": "/CN=client2.example.com/O=example"}])
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        call(env, os.path.join(foreign, "stranger"), host=host, path=path)


def test_the_function_runs_in_kymas_runtime_as_kyma_serverless_would_run_it(env):
    kube = env["kube"]
    function = kube.get(FUNCTIONS + "/function")
    conditions = {c["type"]: (c["status"], c["reason"]) for c in function["status"]["conditions"]}
    assert conditions == {"ConfigurationReady": ("True", "FunctionSpecValidated"), "Running": ("True", "DeploymentReady")}
    [pod] = kube.get("/api/v1/namespaces/kyma-mtls/pods?labelSelector=serverless.kyma-project.io/function-name%3Dfunction")["items"]
    names = {c["name"]: c for c in pod["spec"]["containers"] + pod["spec"].get("initContainers", [])}
    assert names["function"]["image"] == "europe-docker.pkg.dev/kyma-project/prod/function-runtime-nodejs22:1.13.0"
    assert "istio-proxy" in names  # injected by istiod, as Kyma's api-gateway requires of the backend
    status, dummy, body = call(env, "client2", host=FUNCTION, path="/function")
    assert status == 200 and json.loads(body)["path"] == "/function"


def test_next_to_kymas_no_auth_allow_the_seeds_allow_restricts_nothing_and_the_roles_deny_does(env):
    """Kyma's controller wrote an ALLOW policy for the gateway (the noAuth rule). Istio ORs ALLOW
    policies, so the tutorial's ALLOW on the subject header lets every certificate of the client CA
    in; the authorization role's DENY keeps the others out. On Kyma's objects, not ours."""
    kube = env["kube"]
    role_policy = kube.get(POLICIES + "/kyma-mtls-gateway-allowed-clients")
    seed = {"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
            "metadata": {"name": "test-authz-policy", "namespace": "kyma-mtls"},
            "spec": {"action": "ALLOW", "rules": [{"to": [{"operation": {"hosts": [HTTPBIN]}}],
                                                   "when": [{"key": "request.headers[X-Client-Ssl-Cn]",
                                                             "values": [CLIENT2]}]}]}}
    kube.delete(POLICIES + "/kyma-mtls-gateway-allowed-clients")
    try:
        kube.create(POLICIES, seed)
        assert eventually(env, "client1", 200)[-1] == 200     # the seed's ALLOW does not keep client1 out
        assert call(env, "client2")[0] == 200
        kube.create(POLICIES, {"apiVersion": role_policy["apiVersion"], "kind": role_policy["kind"],
                               "metadata": {"name": role_policy["metadata"]["name"], "namespace": "kyma-mtls"},
                               "spec": role_policy["spec"]})
        assert eventually(env, "client1", 403)[-1] == 403     # the role's DENY does
        assert call(env, "client2")[0] == 200
    finally:
        kube.delete(POLICIES + "/test-authz-policy")
        if kube.get(POLICIES + "/kyma-mtls-gateway-allowed-clients") is None:
            assert main_job(env).returncode == 0


def test_a_function_with_npm_dependencies_is_served_and_reloaded_when_it_changes(env):
    """A Function of its own, with a dependency from the npm registry, behind an APIRule of its own
    (Kyma's noAuth ALLOW only: any certificate of the client CA gets in). In a namespace of its own:
    the main job's allow-list covers every pod of kyma-mtls."""
    kube = env["kube"]
    kube.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                       "metadata": {"name": "shout", "labels": {"istio-injection": "enabled"}}})
    functions, apirules = FUNCTIONS.replace("/kyma-mtls/", "/shout/"), APIRULES.replace("/kyma-mtls/", "/shout/")
    # As Kyma's samples write it: an arrow function in the exported object is not seen as an export
    # when Kyma's runtime imports the CommonJS file (its log says "Content loaded is not a function").
    source = ('const _ = require("lodash");\n'
              'module.exports = { main: function (event, context) { return { upper: _.toUpper("%s"), lodash: _.VERSION }; } }\n')
    kube.create(functions, {
        "apiVersion": "serverless.kyma-project.io/v1alpha2", "kind": "Function",
        "metadata": {"name": "shout", "namespace": "shout"},
        "spec": {"runtime": "nodejs22", "source": {"inline": {
            "source": source % "kyma", "dependencies": '{"name": "shout", "dependencies": {"lodash": "4.17.21"}}'}}}})
    kube.create(apirules, {
        "apiVersion": "gateway.kyma-project.io/v2", "kind": "APIRule", "metadata": {"name": "shout", "namespace": "shout"},
        "spec": {"hosts": ["shout." + DOMAIN], "gateway": "kyma-mtls/kyma-mtls-gateway",
                 "service": {"name": "shout", "port": 80}, "rules": [{"path": "/*", "methods": ["GET"], "noAuth": True}]}})
    try:
        assert eventually(env, "client1", 200, seconds=120, host="shout." + DOMAIN, path="/")[-1] == 200
        assert json.loads(call(env, "client1", host="shout." + DOMAIN, path="/")[2]) == {"upper": "KYMA", "lodash": "4.17.21"}
        kube.merge_patch(functions + "/shout", {"spec": {"source": {"inline": {"source": source % "reloaded"}}}})
        # While the new pod replaces the old one, the gateway may still try the old pod's address and
        # hold a request up to its 10 s connect timeout: a timeout here means "not yet".
        deadline, answer = time.monotonic() + 120, None
        while time.monotonic() < deadline:
            try:
                answer = call(env, "client1", host="shout." + DOMAIN, path="/")
            except (ssl.SSLError, OSError):
                answer = None
            if answer and answer[0] == 200 and json.loads(answer[2])["upper"] == "RELOADED":
                break
            time.sleep(0.2)
        assert answer and answer[0] == 200 and json.loads(answer[2])["upper"] == "RELOADED", answer
    finally:
        kube.delete(apirules + "/shout")
        kube.delete(functions + "/shout")
        kube.delete("/api/v1/namespaces/shout")
