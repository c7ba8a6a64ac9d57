"""playbooks/expose_mtls.yml against the local environment: check mode, converge, idempotence, absent."""

import base64
import json
import os

import pytest

from tests.integration.conftest import running_local_environment
from tests.support.kube import Kube
from tests.support.playbooks import REPO, run_playbook

PLAYBOOK = os.path.join(REPO, "playbooks", "expose_mtls.yml")
ROLES_PLAYBOOK = os.path.join(REPO, "playbooks", "expose_mtls_roles.yml")
JOB_TASK = "Expose the workloads behind the mutual-TLS gateway"
BATCH = os.path.join(REPO, "tests", "integration", "playbooks", "apply_batch.yml")
POLICY = "/apis/security.istio.io/v1/namespaces/kyma-mtls/authorizationpolicies/kyma-mtls-gateway-allowed-clients"
OURS = ["/apis/networking.istio.io/v1/namespaces/kyma-mtls/gateways/kyma-mtls-gateway",
        "/apis/networking.istio.io/v1/namespaces/kyma-mtls/virtualservices/httpbin-mtls",
        POLICY,
        "/apis/apps/v1/namespaces/kyma-mtls/deployments/httpbin",
        "/api/v1/namespaces/kyma-mtls/services/httpbin",
        "/api/v1/namespaces/istio-system/secrets/kyma-mtls-credential"]


def exists(cluster, path):
    return Kube(cluster["kubeconfig"]).get(path) is not None


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with running_local_environment(str(tmp_path_factory.mktemp("expose")), kyma=False) as env:
        yield env


def run_job(cluster, check=False, diff=False, playbook=PLAYBOOK, **variables):
    variables.setdefault("mtls_kubeconfig", cluster["kubeconfig"])
    variables.setdefault("mtls_context", "kyma-mtls-local")
    variables.setdefault("mtls_expose_mode", "virtualservice")
    variables.setdefault("mtls_pki_dir", os.path.join(cluster["dir"], "pki"))
    return run_playbook(playbook, variables, check=check, diff=diff, env=cluster["env"])


def test_check_mode_on_an_empty_cluster_shows_without_applying(cluster):
    run = run_job(cluster, check=True, diff=True)
    assert run.returncode == 0, run.stdout[-3000:]
    assert run.changed() > 0
    assert not any(exists(cluster, path) for path in OURS)
    assert not os.path.exists(os.path.join(cluster["dir"], "pki", "gateway.key"))
    assert "PRIVATE KEY" not in run.stdout


def test_converge_then_nothing_to_change(cluster):
    first = run_job(cluster)
    assert first.returncode == 0, first.stdout[-3000:]
    assert all(exists(cluster, path) for path in OURS)
    key = open(os.path.join(cluster["dir"], "pki", "gateway.key"), "rb").read()
    assert base64.b64encode(key).decode() not in first.stdout and "PRIVATE KEY" not in first.stdout
    second = run_job(cluster)
    assert second.returncode == 0 and second.changed() == 0, [
        name for name, task in second.tasks().items() if task.get("changed")]
    checked = run_job(cluster, check=True, diff=True)
    assert checked.returncode == 0 and checked.changed() == 0


def test_policy_holds_the_issued_subject(cluster):
    policy = Kube(cluster["kubeconfig"]).get(POLICY)
    assert policy["spec"]["action"] == "DENY"
    assert policy["spec"]["rules"][0]["when"][0]["notValues"] == ["O=example,CN=client2.example.com"]


def object_diffs(result):
    """The objects' diffs (a certificate's or CRL's is headed by its file)."""
    return [diff for diff in result.get("diff", []) if not diff["before_header"].startswith("/")]


@pytest.mark.parametrize("variables", [
    {"mtls_namespace": "parity", "mtls_gateway_name": "parity", "mtls_revoked_clients": ["client1"]},
    {"mtls_pin_certificates": False, "mtls_renew": ["server"]},
    {"mtls_state": "absent"},
], ids=["fresh-namespace", "changes", "absent"])
def test_the_roles_render_and_apply_what_the_job_does(cluster, variables):
    """kyma.mtls.job renders the roles' objects with the same code: both ways, the same batch (check mode)."""
    job, roles = [run_job(cluster, check=True, diff=True, playbook=playbook, **variables)
                  for playbook in (PLAYBOOK, ROLES_PLAYBOOK)]
    assert job.returncode == 0 and roles.returncode == 0, [(name, result.get("msg")) for run in (job, roles)
                                                           for name, result in run.tasks().items() if result.get("failed")]
    batch = "Delete the exposures, credential and Gateway, workloads, and then the policies" if variables.get(
        "mtls_state") == "absent" else "Apply the namespace, the policies, workloads, credential and Gateway, and then the exposures"
    by_job, by_roles = job.tasks()[JOB_TASK], roles.tasks()[batch]
    assert by_job["results"] == by_roles["results"] and len(by_job["results"]) >= 7
    assert object_diffs(by_job) == object_diffs(by_roles)
    assert by_job["changed"] and object_diffs(by_job)


def test_wildcard_subject_is_refused(cluster):
    run = run_job(cluster, mtls_clients=[{"name": "star", "subject": "/CN=*"}], mtls_allowed_clients=["star"])
    assert run.returncode != 0
    assert "mtls_clients[0].subject: CN=* as Envoy prints it starts or ends with '*'" in run.stdout
    # Refused before anything was issued.
    assert not os.path.exists(os.path.join(cluster["dir"], "pki", "star.crt"))


def test_diff_shows_that_the_credential_changes_but_not_its_data(cluster):
    run = run_job(cluster, diff=True, mtls_renew=["server"])
    assert run.returncode == 0, run.stdout[-3000:]
    key = open(os.path.join(cluster["dir"], "pki", "gateway.key"), "rb").read()
    assert base64.b64encode(key).decode() not in run.stdout and "PRIVATE KEY" not in run.stdout
    diff = json.dumps(run.tasks()[JOB_TASK]
                      ["diff"])
    assert '"tls.key": "(hidden, changed)"' in diff and '"ca.crt": "(hidden)"' in diff


def test_a_batch_stops_at_the_first_object_the_server_refuses(cluster):
    def config_map(name, data):
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "kyma-mtls"}, "data": data}

    batch = [config_map("batch-first", {"a": "b"}), config_map("batch-refused", {"a": {"not": "a string"}}),
             config_map("batch-after", {"a": "b"})]
    run = run_playbook(BATCH, {"batch_objects": batch, "kubeconfig": cluster["kubeconfig"]}, env=cluster["env"])
    assert run.returncode != 0
    message = run.tasks()["Apply or delete the batch"]["msg"]
    assert message.startswith("Cannot apply ConfigMap kyma-mtls/batch-refused: ") and "(1 of 3 objects handled before it" in message
    assert "Traceback" not in run.stdout + run.stderr
    assert exists(cluster, "/api/v1/namespaces/kyma-mtls/configmaps/batch-first")
    assert not exists(cluster, "/api/v1/namespaces/kyma-mtls/configmaps/batch-after")
    deleted = run_playbook(BATCH, {"batch_objects": batch[:1], "batch_state": "absent", "kubeconfig": cluster["kubeconfig"]},
                           env=cluster["env"])
    assert deleted.returncode == 0 and deleted.changed() == 1
    assert not exists(cluster, "/api/v1/namespaces/kyma-mtls/configmaps/batch-first")


def test_many_objects_of_a_kind_are_read_in_one_list_and_each_reported_as_it_is(cluster):
    """Ten ConfigMaps, more than batch.LIST_AT: the batch reads them with one LIST, not a GET each,
    and still tells created from updated and unchanged, in a dry run too (by content)."""
    def batch(changed_one=None):
        return [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "many-%d" % i, "namespace": "kyma-mtls"},
                 "data": {"a": "new" if i == changed_one else "b"}} for i in range(10)]

    def actions(check=False, **change):
        run = run_playbook(BATCH, {"batch_objects": batch(**change), "kubeconfig": cluster["kubeconfig"]},
                           check=check, env=cluster["env"])
        assert run.returncode == 0, run.stdout[-3000:]
        return {r["object"].split("/")[-1]: r["action"] for r in run.tasks()["Apply or delete the batch"]["results"]}

    before = run_playbook(BATCH, {"batch_objects": [dict(batch()[3], data={"a": "old"})], "kubeconfig": cluster["kubeconfig"]},
                          env=cluster["env"])
    assert before.returncode == 0, before.stdout[-3000:]
    first = actions()
    assert first.pop("many-3") == "updated" and set(first.values()) == {"created"} and len(first) == 9
    assert set(actions().values()) == {"unchanged"}
    dry = actions(check=True, changed_one=5)
    assert dry.pop("many-5") == "updated" and set(dry.values()) == {"unchanged"}
    assert Kube(cluster["kubeconfig"]).get("/api/v1/namespaces/kyma-mtls/configmaps/many-5")["data"] == {"a": "b"}
    gone = run_playbook(BATCH, {"batch_objects": batch(), "batch_state": "absent", "kubeconfig": cluster["kubeconfig"]},
                        env=cluster["env"])
    assert gone.returncode == 0 and gone.changed() == 1


def test_absent_removes_what_it_created_and_nothing_else(cluster):
    kube = Kube(cluster["kubeconfig"])
    kube.create("/api/v1/namespaces/kyma-mtls/configmaps",
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "not-ours"}, "data": {"a": "b"}})
    kube.create("/api/v1/namespaces/istio-system/secrets",
                {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "not-ours"}, "stringData": {"a": "b"}})
    run = run_job(cluster, mtls_state="absent")
    assert run.returncode == 0, run.stdout[-3000:]
    assert not any(exists(cluster, path) for path in OURS)
    assert exists(cluster, "/api/v1/namespaces/kyma-mtls/configmaps/not-ours")
    assert exists(cluster, "/api/v1/namespaces/istio-system/secrets/not-ours")
    assert exists(cluster, "/api/v1/namespaces/kyma-mtls")
    # The files this job issued go.
    assert os.listdir(os.path.join(cluster["dir"], "pki")) == []
