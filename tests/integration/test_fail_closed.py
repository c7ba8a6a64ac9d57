"""Fail closed: nothing is reachable without the policy that restricts it, even when a run stops
half-way. The main job is stopped at every step of its apply and of its delete (the apiserver
refuses the next object: a ValidatingAdmissionPolicy, as an apiserver error or a lost connection
would), and once by killing ansible-playbook; all along, a prober requests as the denied client
through the gateway, to both workloads, and must never get a 200. The roles used alone refuse to
expose what no policy restricts, and to delete a policy an exposure still needs.
"""

import os
import random
import signal
import ssl
import subprocess
import sys
import threading
import time

import pytest

from tests.integration.conftest import main_job, request_as, running_local_environment
from tests.support.https import served_within
from tests.support.kube import Kube
from tests.support.playbooks import INVENTORY, REPO, run_playbook

HOSTS = (("httpbin.local.kyma.dev", "/headers"), ("function-example.local.kyma.dev", "/function"))
RESOURCES = {"Namespace": ("", "namespaces"), "AuthorizationPolicy": ("security.istio.io", "authorizationpolicies"),
             "ServiceAccount": ("", "serviceaccounts"), "Secret": ("", "secrets"), "Service": ("", "services"), "Deployment": ("apps", "deployments"),
             "Sidecar": ("networking.istio.io", "sidecars"),
             "Function": ("serverless.kyma-project.io", "functions"), "Gateway": ("networking.istio.io", "gateways"),
             "APIRule": ("gateway.kyma-project.io", "apirules"), "VirtualService": ("networking.istio.io", "virtualservices")}
STOP = "kyma-mtls-test-stop"


class Prober(threading.Thread):
    """Requests as client1 (denied) to every host, all the time; remembers every answer that is not a refusal."""

    def __init__(self, env):
        super().__init__(daemon=True)
        self.env, self.stage, self.seen, self.done = env, "start", [], threading.Event()

    def run(self):
        while not self.done.is_set():
            for host, path in HOSTS:
                try:
                    status = request_as(self.env, "client1", host, path)[0]
                except (ssl.SSLError, OSError):
                    status = None
                self.seen.append((self.stage, host, status))
            time.sleep(0.02)

    def let_in(self):
        return [s for s in self.seen if s[2] == 200]


def reference(text):
    """kyma.mtls.apply's 'Kind namespace/name' (or 'Kind name') -> the kind and metadata of that object."""
    kind, where = text.split(" ", 1)
    namespace, dummy, name = where.rpartition("/")
    return {"kind": kind, "metadata": dict({"name": name}, **({"namespace": namespace} if namespace else {}))}


def stop_before(kube, item, operation):
    """Make the apiserver refuse `operation` (CREATE or DELETE) of this very object, as if the run broke there."""
    group, plural = RESOURCES[item["kind"]]
    name = item["metadata"]["name"]
    subject = "oldObject" if operation == "DELETE" else "object"
    operations = ["DELETE"] if operation == "DELETE" else ["CREATE", "UPDATE"]
    kube.create("/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies", {
        "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": STOP},
        "spec": {"failurePolicy": "Fail",
                 "matchConstraints": {"resourceRules": [{"apiGroups": [group], "apiVersions": ["*"],
                                                         "operations": operations, "resources": [plural]}]},
                 "validations": [{"expression": "%s.metadata.name != '%s'" % (subject, name),
                                  "message": "the test stops the run here"}]}})
    kube.create("/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings", {
        "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": STOP}, "spec": {"policyName": STOP, "validationActions": ["Deny"]}})
    time.sleep(1.5)  # the apiserver loads admission policies asynchronously


def go_on(kube):
    kube.delete("/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/" + STOP)
    kube.delete("/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/" + STOP)
    time.sleep(1.5)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with running_local_environment(str(tmp_path_factory.mktemp("failclosed"))) as info:
        info["kube"] = Kube(info["kubeconfig"])
        # What the main job applies, in its order: check mode on a cluster without its namespace lists it.
        checked = main_job(info, check=True)
        assert checked.returncode == 0, checked.stdout[-3000:]
        info["order"] = [reference(result["object"]) for result in checked.tasks()[
            "Expose the workloads behind the mutual-TLS gateway"]["results"]]
        assert main_job(info).returncode == 0  # certificates and the credential issued once
        info["pki"] = os.path.join(info["dir"], "pki")
        prober = Prober(info)
        prober.start()
        info["prober"] = prober
        yield info
        prober.done.set()


def test_the_policies_come_first_and_the_exposures_last(env):
    kinds = [item["kind"] for item in env["order"]]
    policies = [index for index, kind in enumerate(kinds) if kind == "AuthorizationPolicy"]
    assert kinds[0] == "Namespace" and policies and policies == list(range(1, len(policies) + 1)), kinds  # next
    assert kinds[-2:] == ["APIRule", "APIRule"], kinds


def settle(env, stage, seconds=8):
    """Let the controllers and istiod act on the state the run stopped in, while the prober goes on."""
    env["prober"].stage = stage
    time.sleep(seconds)


def test_an_apply_stopped_at_any_step_lets_nobody_in(env):
    kube = env["kube"]
    assert main_job(env, mtls_state="absent").returncode == 0
    for index, item in enumerate(env["order"][1:], start=1):
        stop_before(kube, item, "CREATE")
        try:
            run = main_job(env)
            assert run.returncode != 0 and "the test stops the run here" in run.stdout
            settle(env, "apply stopped before %s %s" % (item["kind"], item["metadata"]["name"]))
        finally:
            go_on(kube)
        assert main_job(env, mtls_state="absent").returncode == 0, index
    assert env["prober"].let_in() == []


def test_a_delete_stopped_at_any_step_lets_nobody_in(env):
    kube = env["kube"]
    for item in reversed(env["order"][1:]):
        assert main_job(env).returncode == 0
        settle(env, "all applied", 4)
        stop_before(kube, item, "DELETE")
        try:
            run = main_job(env, mtls_state="absent")
            assert run.returncode != 0 and "the test stops the run here" in run.stdout
            settle(env, "delete stopped before %s %s" % (item["kind"], item["metadata"]["name"]))
        finally:
            go_on(kube)
    assert env["prober"].let_in() == []
    # The prober did see the gateway serve: the allowed client gets in once all is applied again.
    assert main_job(env).returncode == 0
    pki = env["pki"]
    assert served_within(env["https"], *HOSTS[0], os.path.join(pki, "server-ca.crt"), os.path.join(pki, "client2.crt"),
                         os.path.join(pki, "client2.key"), 90)


def test_a_killed_run_lets_nobody_in(env):
    """ansible-playbook killed at random moments of an apply and of a delete."""
    rng = random.Random(7)
    for state in ("absent", "present", "absent", "present"):
        argv = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", INVENTORY,
                os.path.join(REPO, "playbooks", "expose_mtls.yml"), "-e", "@" + os.path.join(REPO, "localenv", "vars", "local.yml"),
                "-e", "mtls_state=" + state]
        process = subprocess.Popen(argv, cwd=REPO, env=dict(os.environ, **env["env"]), stdout=subprocess.DEVNULL,  # noqa: S603
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(3, 9))
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        settle(env, "killed during %s" % state)
    assert env["prober"].let_in() == []


def test_the_expose_role_alone_refuses_a_workload_no_policy_restricts(env):
    """The main job's allow-list covers every pod of its namespace: a Service of another namespace."""
    kube = env["kube"]
    assert main_job(env).returncode == 0
    kube.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "unguarded"}})
    kube.create("/api/v1/namespaces/unguarded/services", {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "unguarded"},
        "spec": {"selector": {"app": "unguarded"}, "ports": [{"name": "http", "port": 8000}]}})
    try:
        run = run_playbook(os.path.join(REPO, "tests", "integration", "playbooks", "role_alone.yml"), {
            "role": "kyma.mtls.expose", "kubeconfig": env["kubeconfig"], "expose_service_name": "unguarded",
            "expose_namespace": "unguarded", "expose_host": "unguarded.local.kyma.dev",
            "expose_gateway": "kyma-mtls/kyma-mtls-gateway"}, env=env["env"])
        assert run.returncode != 0
        assert "In namespace unguarded: no DENY AuthorizationPolicy restricts the pods of Service unguarded" in run.stdout
        assert kube.get("/apis/gateway.kyma-project.io/v2/namespaces/unguarded/apirules/unguarded-mtls") is None
    finally:
        kube.delete("/api/v1/namespaces/unguarded")


def test_the_authorization_role_alone_keeps_a_policy_an_exposure_needs(env):
    kube = env["kube"]
    assert main_job(env).returncode == 0
    run = run_playbook(os.path.join(REPO, "tests", "integration", "playbooks", "role_alone.yml"), {
        "role": "kyma.mtls.authorization", "kubeconfig": env["kubeconfig"], "authorization_state": "absent",
        "authorization_namespace": "kyma-mtls", "authorization_name": "kyma-mtls-gateway-allowed-clients"}, env=env["env"])
    assert run.returncode != 0
    assert "would leave exposures that no DENY policy restricts" in run.stdout
    assert "APIRule httpbin-mtls reaches Service httpbin" in run.stdout
    assert kube.get("/apis/security.istio.io/v1/namespaces/kyma-mtls/authorizationpolicies/kyma-mtls-gateway-allowed-clients")
    assert env["prober"].let_in() == []
