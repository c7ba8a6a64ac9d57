"""The pure parts of kyma.mtls.apply's batch: naming objects, checking them, hiding Secret data,
telling a change from a server-side apply that changed nothing, and which requests it makes."""

import base64
import json

import pytest

from ansible_collections.kyma.mtls.plugins.module_utils.batch import (
    HIDDEN, HIDDEN_CHANGED, LIST_AT, Batch, changed, definition_problems, reference, shown)
from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError

KEY = base64.b64encode(b"-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n").decode()


def secret(**data):
    return {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": {"name": "cred", "namespace": "istio-system", "resourceVersion": "7", "uid": "u",
                         "managedFields": [{"manager": "kyma-mtls"}]},
            "data": data}


def policy(resource_version="1", values=("CN=a",)):
    return {"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
            "metadata": {"name": "p", "namespace": "ns", "resourceVersion": resource_version, "generation": 1},
            "spec": {"action": "DENY", "rules": [{"when": [{"key": "k", "notValues": list(values)}]}]},
            "status": {"observedGeneration": "1"}}


def test_reference_names_namespaced_and_cluster_objects():
    assert reference(policy()) == "AuthorizationPolicy ns/p"
    assert reference({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns"}}) == "Namespace ns"


def test_definition_problems_name_each_bad_object_and_duplicates():
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns"}}
    problems = definition_problems([namespace, {"kind": "Service", "metadata": {"name": "s"}},
                                    "not an object", policy(), policy()])
    assert problems == ["objects[1]: needs apiVersion, kind and metadata.name",
                        "objects[2]: needs apiVersion, kind and metadata.name",
                        "objects[4]: AuthorizationPolicy ns/p appears more than once"]
    assert definition_problems([namespace, policy()]) == []


def test_shown_hides_every_secret_value_and_the_server_fields():
    before = secret(**{"tls.key": KEY, "tls.crt": "Y3J0"})
    after = secret(**{"tls.key": base64.b64encode(b"another key").decode(), "tls.crt": "Y3J0"})
    old, new = shown(before), shown(after, compared_with=before)
    assert old["data"] == {"tls.key": HIDDEN, "tls.crt": HIDDEN}
    assert new["data"] == {"tls.key": HIDDEN_CHANGED, "tls.crt": HIDDEN}
    assert KEY not in json.dumps([old, new]) and "another" not in json.dumps(new)
    assert set(new["metadata"]) == {"name", "namespace"}
    # A new Secret: every value is new.
    assert shown(before, compared_with={})["data"] == {"tls.key": HIDDEN_CHANGED, "tls.crt": HIDDEN_CHANGED}


def test_shown_leaves_other_kinds_alone_but_drops_status():
    view = shown(policy())
    assert view["spec"]["rules"][0]["when"][0]["notValues"] == ["CN=a"]
    assert "status" not in view and "resourceVersion" not in view["metadata"]
    assert shown(None) == {}


def test_changed_after_an_apply_is_a_new_resource_version():
    assert changed(None, policy(), dry_run=False)
    assert not changed(policy("5"), policy("5"), dry_run=False)
    assert changed(policy("5"), policy("6"), dry_run=False)


def test_changed_in_a_dry_run_compares_content_not_versions():
    assert not changed(policy("5"), policy("5"), dry_run=True)
    assert changed(policy("5"), policy("5", values=("CN=b",)), dry_run=True)
    # What the server alone changes (managed fields, status) is no change of ours.
    dry = policy("5")
    dry["metadata"]["managedFields"] = [{"time": "later"}]
    dry["status"] = {}
    assert not changed(policy("5"), dry, dry_run=True)


class RecordingCluster:
    """What Batch asks of a cluster, with objects served from a dict: the request plan, not a server."""

    def __init__(self, stored):
        self.stored, self.requests = stored, []

    def get(self, obj):
        self.requests.append(("get", obj["metadata"]["name"]))
        return self.stored.get(obj["metadata"]["name"])

    def list(self, api_version, kind, namespace, label_selector):
        self.requests.append(("list", kind, namespace))
        # As a LIST answers: items without apiVersion and kind.
        return [{key: value for key, value in obj.items() if key not in ("apiVersion", "kind")}
                for obj in self.stored.values() if obj["kind"] == kind and obj["metadata"]["namespace"] == namespace]

    def apply(self, obj, field_manager, force_conflicts=False, dry_run=False):
        self.requests.append(("apply", obj["metadata"]["name"]))
        return self.stored.get(obj["metadata"]["name"]) or dict(obj, metadata=dict(obj["metadata"], resourceVersion="1"))


def config_map(name, namespace="ns", version=None):
    metadata = {"name": name, "namespace": namespace}
    if version:
        metadata["resourceVersion"] = version
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": {"a": "b"}}


def test_many_of_a_kind_in_a_namespace_are_read_with_one_list_and_few_with_gets():
    many = [config_map("m%d" % i) for i in range(LIST_AT)]
    few = [config_map("f%d" % i, namespace="other") for i in range(LIST_AT - 1)]
    cluster = RecordingCluster({"m1": config_map("m1", version="5"), "f1": config_map("f1", "other", version="5")})
    batch = Batch(cluster, check_mode=True)
    batch.apply(many + few, "kyma-mtls")
    assert [r for r in cluster.requests if r[0] != "apply"] == [("list", "ConfigMap", "ns")] + [
        ("get", "f%d" % i) for i in range(LIST_AT - 1)]
    actions = {result["object"]: result["action"] for result in batch.results}
    # The listed m1 got its kind back: a dry run compares content, and it is the same.
    assert actions["ConfigMap ns/m1"] == actions["ConfigMap other/f1"] == "unchanged"
    assert actions["ConfigMap ns/m0"] == actions["ConfigMap other/f0"] == "created"


def refusal(name, namespace="istio-system"):
    return {"api_version": "v1", "kind": "Secret", "name": name, "namespace": namespace,
            "reason": "Istio would read the client CAs from it"}


def test_an_existing_refused_object_stops_the_batch_before_anything_is_applied():
    cluster = RecordingCluster({"cred-cacert": secret(cacert="x"), "other-cacert": secret(cacert="y")})
    batch = Batch(cluster)
    with pytest.raises(MtlsError) as raised:
        batch.refuse_existing([refusal("cred-cacert"), refusal("absent-cacert"), refusal("other-cacert")])
    assert str(raised.value) == ("Secret istio-system/cred-cacert exists: Istio would read the client CAs from it; "
                                 "Secret istio-system/other-cacert exists: Istio would read the client CAs from it; "
                                 "nothing was applied")
    assert [r[0] for r in cluster.requests] == ["get", "get", "get"]


def test_refused_objects_that_do_not_exist_let_the_batch_go_on():
    cluster = RecordingCluster({})
    batch = Batch(cluster)
    batch.refuse_existing([refusal("cred-cacert")])
    batch.apply([config_map("a")], "kyma-mtls")
    assert cluster.requests == [("get", "cred-cacert"), ("get", "a"), ("apply", "a")]
