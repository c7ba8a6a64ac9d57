"""Faults during a converge: etcd, kube-apiserver or istiod killed (SIGKILL) at random moments of the
main job. The run fails with a clear message and no traceback (or succeeds, when the kill came
after its last request), nothing is reachable without its policy, and once the environment is
started again a re-run converges to the very objects of an undisturbed run.

One round per component in `make test`; `KYMA_MTLS_FAULT_ROUNDS=3 make faults` runs only these, with
more rounds (marker faults).
"""

import json
import os
import random
import shutil
import signal
import ssl
import subprocess
import sys
import time

import pytest

from tests.integration.conftest import localenv_playbook, request_as, running_local_environment
from tests.support.kube import Kube
from tests.support.playbooks import INVENTORY, REPO, run_playbook

PLAYBOOK = os.path.join(REPO, "playbooks", "expose_mtls.yml")
PID_FILES = {"etcd": "cluster/run/etcd.pid", "kube-apiserver": "cluster/run/kube-apiserver.pid",
             "istiod": "istio/run/istiod.pid"}
OURS = ["/api/v1/namespaces/istio-system/secrets/kyma-mtls-credential",
        "/apis/networking.istio.io/v1/namespaces/kyma-mtls/gateways/kyma-mtls-gateway",
        "/apis/networking.istio.io/v1/namespaces/kyma-mtls/virtualservices/httpbin-mtls",
        "/apis/security.istio.io/v1/namespaces/kyma-mtls/authorizationpolicies/kyma-mtls-gateway-allowed-clients",
        "/apis/apps/v1/namespaces/kyma-mtls/deployments/httpbin", "/api/v1/namespaces/kyma-mtls/services/httpbin",
        "/api/v1/namespaces/kyma-mtls/serviceaccounts/httpbin"]
# Kills per component at random moments (more: KYMA_MTLS_FAULT_ROUNDS=5).
ROUNDS = int(os.environ.get("KYMA_MTLS_FAULT_ROUNDS", "1"))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with running_local_environment(str(tmp_path_factory.mktemp("faults")), kyma=False) as env:
        env["pki"] = os.path.join(env["dir"], "pki")
        env["kube"] = Kube(env["kubeconfig"])
        started = time.monotonic()
        assert run_job(env).returncode == 0
        env["job_seconds"] = time.monotonic() - started
        env["undisturbed"] = objects(env)
        # mtls_state=absent deletes the certificates too: each round starts again from these.
        env["pki_copy"] = str(tmp_path_factory.mktemp("faults-pki"))
        shutil.copytree(env["pki"], env["pki_copy"], dirs_exist_ok=True)
        yield env


def variables(cluster, **more):
    return dict({"mtls_kubeconfig": cluster["kubeconfig"], "mtls_context": "kyma-mtls-local",
                 "mtls_expose_mode": "virtualservice", "mtls_pki_dir": cluster["pki"]}, **more)


def run_job(cluster, **more):
    return run_playbook(PLAYBOOK, variables(cluster, **more), env=cluster["env"])


def objects(cluster):
    """What the job owns, as the cluster holds it: labels and spec (data for the Secret)."""
    found = {}
    for path in OURS:
        item = cluster["kube"].get(path)
        assert item is not None, path
        spec = {k: v for k, v in (item.get("spec") or {}).items() if k not in ("clusterIP", "clusterIPs")}  # allocated
        found[path] = {"labels": item["metadata"].get("labels"), "spec": spec, "data": item.get("data")}
    return found


def kill(cluster, component):
    with open(os.path.join(cluster["dir"], PID_FILES[component])) as handle:
        os.kill(json.load(handle)["pid"], signal.SIGKILL)


def start_environment_again(cluster):
    """Stopped and started with its data, as after a reboot: a kube-apiserver that lost etcd serves stale watch
    caches for minutes, and what the node reads through them."""
    down = run_playbook(localenv_playbook("down.yml"), cluster["ports"], env=cluster["env"])
    assert down.returncode == 0, down.stdout[-3000:]
    up = run_playbook(localenv_playbook("up.yml"), cluster["ports"], env=cluster["env"])
    assert up.returncode == 0, up.stdout[-3000:]


def denied_client_refused(cluster):
    try:
        return request_as(cluster, "client1", "httpbin.local.kyma.dev", "/headers")[0] != 200
    except (ssl.SSLError, OSError):
        return True


@pytest.mark.faults
@pytest.mark.parametrize("component", sorted(PID_FILES))
def test_a_kill_during_a_converge(cluster, component):
    rng = random.Random(component)
    for dummy in range(ROUNDS):
        assert run_job(cluster, mtls_state="absent").returncode == 0
        shutil.copytree(cluster["pki_copy"], cluster["pki"], dirs_exist_ok=True)
        argv = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", INVENTORY, PLAYBOOK,
                "-e", json.dumps(variables(cluster))]
        job = subprocess.Popen(argv, cwd=REPO, env=dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"),  # noqa: S603
                                                        ANSIBLE_NOCOLOR="1", **cluster["env"]),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(rng.uniform(1.0, cluster["job_seconds"]))
        kill(cluster, component)
        output = job.communicate()[0]
        assert "Traceback" not in output and "module_stderr" not in output, output[-3000:]
        if job.returncode != 0:
            failed = [line for line in output.splitlines() if line.startswith("fatal:") or line.startswith("[ERROR]")]
            assert failed, output[-3000:]
        assert denied_client_refused(cluster)
        start_environment_again(cluster)
        again = run_job(cluster)
        assert again.returncode == 0, again.stdout[-3000:]
        assert objects(cluster) == cluster["undisturbed"]
