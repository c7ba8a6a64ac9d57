"""The pure parts of kyma.mtls.apply's batch: naming objects, checking them, hiding Secret data,
and telling a change from a server-side apply that changed nothing."""

import base64
import json

from ansible_collections.kyma.mtls.plugins.module_utils.batch import (
    HIDDEN, HIDDEN_CHANGED, changed, definition_problems, reference, shown)

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
