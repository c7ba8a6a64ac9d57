"""The main job and the roles with bad input: each fails before anything is issued or applied, naming the
variable, and the cluster and the certificate folder stay exactly as they were. And no run, at -vvv,
in check mode with --diff, or failing, prints private key material or Secret data.
"""

import base64
import glob
import hashlib
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.integration.conftest import running_local_environment
from tests.support.bad_inputs import CASES
from tests.support.kube import Kube
from tests.support.playbooks import INVENTORY, REPO, run_playbook

PLAYBOOK = os.path.join(REPO, "playbooks", "expose_mtls.yml")
ROLE_ALONE = os.path.join(REPO, "tests", "integration", "playbooks", "role_alone.yml")
LISTED = ["/api/v1/namespaces", "/api/v1/secrets", "/api/v1/services", "/api/v1/serviceaccounts", "/apis/apps/v1/deployments",
          "/apis/networking.istio.io/v1/gateways", "/apis/networking.istio.io/v1/virtualservices", "/apis/networking.istio.io/v1/sidecars",
          "/apis/security.istio.io/v1/authorizationpolicies"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with running_local_environment(str(tmp_path_factory.mktemp("safety")), kyma=False) as env:
        env["pki"] = os.path.join(env["dir"], "pki")
        env["kube"] = Kube(env["kubeconfig"])
        assert run_job(env).returncode == 0
        yield env


def job_variables(cluster, variables):
    return dict({"mtls_kubeconfig": cluster["kubeconfig"], "mtls_context": "kyma-mtls-local",
                 "mtls_expose_mode": "virtualservice", "mtls_pki_dir": cluster["pki"]}, **variables)


def run_job(cluster, check=False, diff=False, **variables):
    return run_playbook(PLAYBOOK, job_variables(cluster, variables), check=check, diff=diff, env=cluster["env"])


def content(item):
    """What a writer sets on an object (not its status, which controllers update on their own)."""
    metadata = item["metadata"]
    return hashlib.sha256(json.dumps([metadata.get("labels"), metadata.get("annotations"), item.get("spec"),
                                      item.get("data")], sort_keys=True).encode()).hexdigest()


def state(cluster):
    """Every object the job or a role could touch (with what is written in it), and the certificate files."""
    objects = sorted((item["metadata"].get("namespace", ""), item["metadata"]["name"], path, content(item))
                     for path in LISTED for item in cluster["kube"].get(path)["items"])
    files = sorted((name, os.stat(os.path.join(cluster["pki"], name)).st_mtime_ns) for name in os.listdir(cluster["pki"]))
    return objects, files


def assert_unchanged(before, after, case=None):
    changed = [sorted(set(b) ^ set(a)) for b, a in zip(before, after)]
    assert changed == [[], []], (case, changed)


def failure_message(run):
    failed = [result for result in run.tasks().values() if result.get("failed")]
    assert len(failed) == 1, run.stdout[-3000:]
    return failed[0]["msg"]


def test_bad_inputs_to_the_main_job_change_nothing(cluster):
    before = state(cluster)
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda case: (case, run_job(cluster, **case[1])), CASES))
    assert len(runs) >= 50
    for (case, dummy, variable, words), run in runs:
        message = failure_message(run)
        assert run.returncode != 0 and run.tasks()["Expose the workloads behind the mutual-TLS gateway"].get("failed"), case
        named = message.find(variable + ": ")
        assert named >= 0 and words in message[named:], (case, message)
        assert "Traceback" not in run.stdout + run.stderr, case
    assert_unchanged(before, state(cluster))


ROLE_CASES = [
    ("expose port out of range", "kyma.mtls.expose", {"expose_service_port": 70000}, "expose_service_port"),
    ("expose mode unknown", "kyma.mtls.expose", {"expose_mode": "ingress"}, "expose_mode"),
    ("expose gateway not namespace/name", "kyma.mtls.expose", {"expose_gateway": "gateway"}, "expose_gateway"),
    ("expose namespace missing", "kyma.mtls.expose", {"expose_namespace": "nowhere"},
     "expose_namespace: no such namespace nowhere"),
    ("authorization wildcard subject", "kyma.mtls.authorization",
     {"authorization_name": "p", "authorization_allowed_subjects": ["CN=*"]}, "authorization_allowed_subjects"),
    ("authorization no subject", "kyma.mtls.authorization",
     {"authorization_name": "p", "authorization_allowed_subjects": []}, "authorization_allowed_subjects"),
    ("authorization namespace missing", "kyma.mtls.authorization",
     {"authorization_name": "p", "authorization_allowed_subjects": ["CN=x"], "authorization_namespace": "nowhere"},
     "authorization_namespace"),
    ("authorization labels wrong type", "kyma.mtls.authorization",
     {"authorization_name": "p", "authorization_allowed_subjects": ["CN=x"], "authorization_workload_labels": "app"},
     "authorization_workload_labels"),
    ("workload sample unknown", "kyma.mtls.workload", {"workload_samples": ["nginx"]}, "workload_samples"),
    ("workload namespace missing", "kyma.mtls.workload", {"workload_namespace": "nowhere"}, "workload_namespace"),
    ("gateway namespace missing", "kyma.mtls.gateway", {"gateway_namespace": "nowhere"}, "gateway_namespace"),
    ("gateway port out of range", "kyma.mtls.gateway", {"gateway_port": 0}, "gateway_port"),
    ("gateway CA that is not a CA", "kyma.mtls.gateway", {"gateway_client_ca_certificate": "{pki}/client1.crt"},
     "gateway_client_ca_certificate: {pki}/client1.crt is not a CA certificate"),
    ("gateway key that does not match", "kyma.mtls.gateway", {"gateway_server_private_key": "{pki}/client1.key"},
     "gateway_server_private_key: {pki}/client1.key does not match"),
    ("gateway server certificate missing", "kyma.mtls.gateway", {"gateway_server_certificate": "{pki}/nope.crt"},
     "gateway_server_certificate: cannot read"),
    ("certificates key type unknown", "kyma.mtls.certificates", {"certificates_key_type": "dsa"}, "certificates_key_type"),
    ("certificates revoked unknown", "kyma.mtls.certificates", {"certificates_revoked": ["client9"]}, "certificates_revoked"),
]
GATEWAY_FILES = {"gateway_server_certificate": "{pki}/gateway.crt", "gateway_server_private_key": "{pki}/gateway.key",
                 "gateway_client_ca_certificate": "{pki}/client-ca.crt"}


@pytest.mark.parametrize("case,role,variables,named", ROLE_CASES, ids=[case[0] for case in ROLE_CASES])
def test_bad_role_options_change_nothing(cluster, case, role, variables, named):
    before = state(cluster)
    given = dict(GATEWAY_FILES, **variables) if role == "kyma.mtls.gateway" else dict(variables)
    given = {k: v.format(pki=cluster["pki"]) if isinstance(v, str) else v for k, v in given.items()}
    if role == "kyma.mtls.certificates":
        given["certificates_dir"] = cluster["pki"]
    run = run_playbook(ROLE_ALONE, dict(given, role=role, kubeconfig=cluster["kubeconfig"]), env=cluster["env"])
    assert run.returncode != 0, case
    assert named.format(pki=cluster["pki"]) in failure_message(run), case
    assert "Traceback" not in run.stdout + run.stderr, case
    assert_unchanged(before, state(cluster), case)


def key_material(pki):
    """Every private key's PEM block, the lines of its base64, and the base64 of the whole file (as in Secret data)."""
    needles = ["PRIVATE KEY-----"]
    for path in glob.glob(os.path.join(pki, "*.key")):
        with open(path) as handle:
            text = handle.read()
        needles += [line for line in text.splitlines() if len(line) >= 40 and "-----" not in line]
        needles.append(base64.b64encode(text.encode()).decode()[:60])
    return needles


def verbose_job(cluster, log, *args, **variables):
    argv = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-vvv", "-i", INVENTORY, PLAYBOOK,
            "-e", json.dumps(job_variables(cluster, variables))] + list(args)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_LOG_PATH=log, **cluster["env"])
    return subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, check=False)


def test_no_key_material_in_verbose_output_or_logs(cluster, tmp_path):
    log = str(tmp_path / "ansible.log")
    needles = key_material(cluster["pki"])  # and the keys the runs below generate
    runs = [
        verbose_job(cluster, log),  # converged: every task, the Secret's included
        verbose_job(cluster, log, "--check", "--diff", mtls_renew=["server", "client2"]),  # what would change, diffed
        verbose_job(cluster, log, "--diff", mtls_renew=["server"]),  # a new key, applied with --diff
        verbose_job(cluster, log, "--diff", mtls_allowed_clients=["client9"]),  # a failure
    ]
    assert [run.returncode != 0 for run in runs] == [False, False, False, True], [
        (run.stdout + run.stderr)[-1500:] for run in runs if run.returncode != 0]
    texts = [run.stdout + run.stderr for run in runs]
    with open(log) as handle:
        texts.append(handle.read())
    for path in glob.glob(os.path.join(cluster["dir"], "**", "*.log"), recursive=True):
        with open(path, errors="replace") as handle:
            texts.append(handle.read())
    needles += key_material(cluster["pki"])
    assert len(needles) > 20
    leaks = [(needle[:20], index) for index, text in enumerate(texts) for needle in needles if needle in text]
    assert leaks == []
    assert "kyma-mtls-credential" in texts[0]  # the Secret task did run, with its output hidden


def test_a_leftover_cacert_secret_stops_the_job_and_the_role_before_anything_changes(cluster):
    """Kyma's mTLS guide puts the client CA into <credential>-cacert; while that Secret exists Istio takes
    the client CAs and CRL from it, so the job's own would not take effect. Job and role refuse it."""
    kube = cluster["kube"]
    with open(os.path.join(cluster["pki"], "client-ca.crt"), "rb") as handle:
        leftover_ca = base64.b64encode(handle.read()).decode()
    kube.create("/api/v1/namespaces/istio-system/secrets", {
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "kyma-mtls-credential-cacert"},
        "data": {"cacert": leftover_ca}})
    try:
        objects = state(cluster)[0]
        job = run_job(cluster, mtls_domain="elsewhere.example.com")  # a change to every Gateway host and route
        role = run_playbook(ROLE_ALONE, dict({k: v.format(pki=cluster["pki"]) for k, v in GATEWAY_FILES.items()},
                                             role="kyma.mtls.gateway", kubeconfig=cluster["kubeconfig"],
                                             gateway_hosts=["*.elsewhere.example.com"]), env=cluster["env"])
        for run in (job, role):
            assert run.returncode != 0
            message = failure_message(run)
            assert message.startswith("Secret istio-system/kyma-mtls-credential-cacert exists: Istio takes the "
                                      "gateway's client CAs and CRL from it"), message
            assert "nothing was applied" in message and "Traceback" not in run.stdout + run.stderr
        assert state(cluster)[0] == objects
    finally:
        kube.delete("/api/v1/namespaces/istio-system/secrets/kyma-mtls-credential-cacert")
    assert run_job(cluster).returncode == 0
