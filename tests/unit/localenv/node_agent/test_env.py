"""A container's environment and command line, computed from the pod as the kubelet does."""

import pytest

from node_agent.env import EnvError, command_line, container_env, expand, field_value, quantity, resource_value

POD = {
    "metadata": {"name": "httpbin-7d9c6b", "namespace": "mtls-test", "uid": "0b5c1c1e-4c1a-4f7e-9d0a-2f0c8c2b1a11",
                 "labels": {"app": "httpbin", "version": "v1"},
                 "annotations": {"sidecar.istio.io/status": '{"containers":["istio-proxy"]}'}},
    "spec": {"nodeName": "localenv-node", "serviceAccountName": "httpbin", "containers": []},
    "status": {"podIP": "100.80.1.5", "hostIP": "127.0.0.1", "podIPs": [{"ip": "100.80.1.5"}],
               "hostIPs": [{"ip": "127.0.0.1"}]},
}

ISTIO_PROXY = {
    "name": "istio-proxy",
    "image": "docker.io/istio/proxyv2:1.31-dev",
    "resources": {"limits": {"cpu": "2", "memory": "1Gi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
}


def no_lookup(kind, name, key, optional):
    raise AssertionError("nothing should be looked up, asked for %s %s %s" % (kind, name, key))


# ---- expand -----------------------------------------------------------------------------------

def test_known_references_are_replaced_and_unknown_ones_kept():
    assert expand("$(A)-$(B)/$(UNKNOWN)", {"A": "1", "B": "two"}) == "1-two/$(UNKNOWN)"


def test_double_dollar_escapes_a_reference():
    assert expand("$$(A) costs $$5 and $(A)", {"A": "x"}) == "$(A) costs $5 and x"


def test_a_lone_dollar_and_unclosed_references_stay_as_they_are():
    assert expand("$A $( $(A", {"A": "x"}) == "$A $( $(A"


def test_replacements_are_not_expanded_again():
    assert expand("$(A)", {"A": "$(B)", "B": "no"}) == "$(B)"


# ---- field_value ------------------------------------------------------------------------------

@pytest.mark.parametrize("path, value", [
    ("metadata.name", "httpbin-7d9c6b"),
    ("metadata.namespace", "mtls-test"),
    ("metadata.uid", "0b5c1c1e-4c1a-4f7e-9d0a-2f0c8c2b1a11"),
    ("spec.nodeName", "localenv-node"),
    ("spec.serviceAccountName", "httpbin"),
    ("status.podIP", "100.80.1.5"),
    ("status.hostIP", "127.0.0.1"),
    ("status.podIPs", "100.80.1.5"),
    ("metadata.labels['app']", "httpbin"),
    ("metadata.annotations['sidecar.istio.io/status']", '{"containers":["istio-proxy"]}'),
])
def test_field_paths_of_the_downward_api(path, value):
    assert field_value(POD, path) == value


def test_the_service_account_defaults_to_default():
    pod = {"metadata": {"name": "p"}, "spec": {}}
    assert field_value(pod, "spec.serviceAccountName") == "default"


def test_the_pod_ip_is_empty_before_the_pod_has_one():
    pod = {"metadata": {"name": "p"}, "spec": {}}
    assert field_value(pod, "status.podIP") == ""
    assert field_value(dict(pod, status=None), "status.podIP") == ""


def test_a_missing_label_or_annotation_is_empty():
    assert field_value(POD, "metadata.labels['missing']") == ""
    assert field_value({"metadata": {}, "spec": {}}, "metadata.annotations['a']") == ""


def test_all_labels_as_the_downward_api_file_sorted_and_escaped():
    pod = {"metadata": {"labels": {"zone": "a", "app": "httpbin", "note": 'say "hi"\\now\nnext'}}, "spec": {}}
    assert field_value(pod, "metadata.labels") == (
        'app="httpbin"\n'
        'note="say \\"hi\\"\\\\now\\nnext"\n'
        'zone="a"')


def test_all_annotations_of_a_pod_without_any_are_empty():
    assert field_value({"metadata": {}, "spec": {}}, "metadata.annotations") == ""


@pytest.mark.parametrize("path", ["spec.hostname", "metadata.labels[app]", "metadata.generateName"])
def test_an_unsupported_field_path_is_an_error_naming_it(path):
    with pytest.raises(EnvError, match="fieldRef %s is not supported" % path.replace("[", "\\[").replace("]", "\\]")):
        field_value(POD, path)


# ---- quantity ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, cores", [("100m", 0.1), ("2", 2.0), ("0.5", 0.5), ("1500m", 1.5), (2, 2.0)])
def test_cpu_quantities_in_cores(text, cores):
    assert quantity(text, cpu=True) == pytest.approx(cores)


@pytest.mark.parametrize("text, size", [
    ("128Mi", 128 * 1024 * 1024), ("1Gi", 1024 ** 3), ("1000", 1000), ("1k", 1000), ("1M", 10 ** 6),
    ("2Ki", 2048), ("1.5Gi", 1.5 * 1024 ** 3),
])
def test_memory_quantities_in_bytes(text, size):
    assert quantity(text, cpu=False) == size


@pytest.mark.parametrize("text", ["", "1.5.0", "100 m", "m", "-1", "1e3"])
def test_invalid_cpu_quantities_are_refused(text):
    with pytest.raises(EnvError, match="CPU quantity"):
        quantity(text, cpu=True)


@pytest.mark.parametrize("text", ["", "1Ki ", "1KB", "1Xi", "100m", "Gi", "1ki", "1K"])
def test_invalid_memory_quantities_are_refused(text):
    with pytest.raises(EnvError, match="memory quantity"):
        quantity(text, cpu=False)


# ---- resource_value ---------------------------------------------------------------------------

def test_a_cpu_limit_rounds_up_to_whole_cores_like_the_kubelet():
    container = {"resources": {"limits": {"cpu": "100m"}}}
    assert resource_value(container, {"resource": "limits.cpu", "divisor": "1"}, {"cpu": "8"}) == "1"
    assert resource_value(container, {"resource": "limits.cpu"}, {"cpu": "8"}) == "1"


def test_a_divisor_scales_the_value():
    container = {"resources": {"limits": {"cpu": "1500m", "memory": "1Gi"}}}
    assert resource_value(container, {"resource": "limits.cpu", "divisor": "1m"}, {}) == "1500"
    assert resource_value(container, {"resource": "limits.memory", "divisor": "1Mi"}, {}) == "1024"
    assert resource_value(container, {"resource": "limits.memory"}, {}) == str(1024 ** 3)


def test_a_value_that_divides_exactly_is_not_rounded_up():
    # 70m / 10m is exactly 7; on floats it is 7.000000000000001, which must not become 8.
    for limit, divisor, expected in [("70m", "10m", "7"), ("35m", "5m", "7"), ("1110m", "10m", "111"),
                                     ("0.3", "100m", "3"), ("0.7", "1m", "700")]:
        container = {"resources": {"limits": {"cpu": limit}}}
        assert resource_value(container, {"resource": "limits.cpu", "divisor": divisor}, {}) == expected, limit


def test_a_missing_limit_is_the_nodes_allocatable():
    container = {"resources": {"requests": {"cpu": "100m"}}}
    allocatable = {"cpu": "8", "memory": "16Gi"}
    assert resource_value(container, {"resource": "limits.cpu"}, allocatable) == "8"
    assert resource_value({}, {"resource": "limits.memory", "divisor": "1Gi"}, allocatable) == "16"


def test_the_node_allocatable_memory_in_kibibytes_as_the_node_reports_it():
    # node.py reports allocatable memory as "<MemTotal of /proc/meminfo>Ki".
    allocatable = {"cpu": "4", "memory": "16318064Ki"}
    assert resource_value({}, {"resource": "limits.memory"}, allocatable) == str(16318064 * 1024)
    assert resource_value({}, {"resource": "limits.memory", "divisor": "1Mi"}, allocatable) == "15936"


def test_a_request_is_read_from_requests():
    assert resource_value(ISTIO_PROXY, {"resource": "requests.memory", "divisor": "1Mi"}, {}) == "128"
    assert resource_value(ISTIO_PROXY, {"resource": "requests.cpu", "divisor": "1m"}, {}) == "100"


def test_a_zero_divisor_counts_as_one():
    # The apiserver defaults a missing divisor to "0"; the kubelet reads it as 1.
    assert resource_value(ISTIO_PROXY, {"resource": "limits.cpu", "divisor": "0"}, {}) == "2"


# ---- container_env ----------------------------------------------------------------------------

def test_plain_values_and_references_to_earlier_entries():
    container = {"env": [
        {"name": "HOST", "value": "httpbin"},
        {"name": "URL", "value": "http://$(HOST):$(PORT)/"},
        {"name": "PORT", "value": "8000"},
        {"name": "AGAIN", "value": "$(PORT) $$(HOST)"},
        {"name": "EMPTY"},
    ]}
    assert container_env(POD, container, no_lookup, {}) == {
        "HOST": "httpbin", "URL": "http://httpbin:$(PORT)/", "PORT": "8000", "AGAIN": "8000 $(HOST)", "EMPTY": ""}


def test_field_and_resource_references():
    container = dict(ISTIO_PROXY, env=[
        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
        {"name": "INSTANCE_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        {"name": "ISTIO_CPU_LIMIT", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu", "divisor": "0"}}},
        {"name": "GOMEMLIMIT", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory"}}},
        {"name": "PROXY", "value": "$(POD_NAME).$(INSTANCE_IP)"},
    ])
    assert container_env(POD, container, no_lookup, {"cpu": "8"}) == {
        "POD_NAME": "httpbin-7d9c6b", "INSTANCE_IP": "100.80.1.5", "ISTIO_CPU_LIMIT": "2",
        "GOMEMLIMIT": str(1024 ** 3), "PROXY": "httpbin-7d9c6b.100.80.1.5"}


def test_field_references_are_not_expanded():
    pod = {"metadata": {"name": "$(HOST)"}, "spec": {}}
    container = {"env": [{"name": "HOST", "value": "h"},
                         {"name": "NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]}
    assert container_env(pod, container, no_lookup, {})["NAME"] == "$(HOST)"


class Lookups:
    """ConfigMaps and Secrets of the pod's namespace, and what was asked for."""

    def __init__(self, objects):
        self.objects = objects
        self.asked = []

    def __call__(self, kind, name, key, optional):
        self.asked.append((kind, name, key, optional))
        data = self.objects.get((kind, name))
        if data is None:
            assert optional, "a missing object that is not optional fails in lookup itself"
            return None
        if key is None:
            return data
        return data.get(key)


def test_config_map_and_secret_keys_through_the_lookup():
    lookup = Lookups({("configMap", "settings"): {"mode": "strict"}, ("secret", "db"): {"password": "s3cret"}})
    container = {"env": [
        {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "mode"}}},
        {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
        {"name": "DSN", "value": "db://app:$(PASSWORD)@db/$(MODE)"},
    ]}
    assert container_env(POD, container, lookup, {}) == {
        "MODE": "strict", "PASSWORD": "s3cret", "DSN": "db://app:s3cret@db/strict"}
    assert lookup.asked == [("configMap", "settings", "mode", False), ("secret", "db", "password", False)]


def test_optional_missing_keys_are_skipped():
    lookup = Lookups({("configMap", "settings"): {"mode": "strict"}})
    container = {"env": [
        {"name": "LEVEL", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "level", "optional": True}}},
        {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "absent", "key": "t", "optional": True}}},
        {"name": "SHOWN", "value": "[$(LEVEL)]"},
    ]}
    env = container_env(POD, container, lookup, {})
    assert env == {"SHOWN": "[$(LEVEL)]"}
    assert ("configMap", "settings", "level", True) in lookup.asked
    assert ("secret", "absent", "t", True) in lookup.asked


def test_env_from_with_a_prefix_and_env_entries_overriding_it():
    lookup = Lookups({("configMap", "settings"): {"mode": "strict", "level": "debug"},
                      ("secret", "db"): {"password": "s3cret"}})
    container = {
        "envFrom": [{"configMapRef": {"name": "settings"}, "prefix": "APP_"},
                    {"secretRef": {"name": "db"}},
                    {"secretRef": {"name": "absent", "optional": True}}],
        "env": [{"name": "APP_level", "value": "info"}, {"name": "SUMMARY", "value": "$(APP_mode)/$(password)"}],
    }
    assert container_env(POD, container, lookup, {}) == {
        "APP_mode": "strict", "APP_level": "info", "password": "s3cret", "SUMMARY": "strict/s3cret"}
    assert lookup.asked == [("configMap", "settings", None, False), ("secret", "db", None, False),
                            ("secret", "absent", None, True)]


def test_an_unsupported_value_from_is_an_error_naming_the_variable():
    container = {"env": [{"name": "WEIRD", "valueFrom": {"fileKeyRef": {"path": "x", "key": "y"}}}]}
    with pytest.raises(EnvError, match=r"env WEIRD: valueFrom \['fileKeyRef'\] is not supported"):
        container_env(POD, container, no_lookup, {})


def test_a_container_without_env_has_an_empty_environment():
    assert container_env(POD, {"name": "c", "env": None, "envFrom": None}, no_lookup, {}) == {}


# ---- command_line -----------------------------------------------------------------------------

ENTRYPOINT = ["/opt/istio/pilot-agent"]
DEFAULT_ARGS = ["proxy", "sidecar"]


def test_the_image_entrypoint_and_default_arguments():
    assert command_line(ENTRYPOINT, DEFAULT_ARGS, {}, {}) == ["/opt/istio/pilot-agent", "proxy", "sidecar"]


def test_container_args_replace_the_default_arguments():
    container = {"args": ["proxy", "router", "--domain", "$(POD_NAMESPACE).svc.cluster.local"]}
    assert command_line(ENTRYPOINT, DEFAULT_ARGS, container, {"POD_NAMESPACE": "istio-system"}) == [
        "/opt/istio/pilot-agent", "proxy", "router", "--domain", "istio-system.svc.cluster.local"]


def test_a_container_command_replaces_the_entrypoint_and_drops_the_default_arguments():
    container = {"command": ["/usr/bin/envoy", "-c", "$(CONFIG)"]}
    assert command_line(ENTRYPOINT, DEFAULT_ARGS, container, {"CONFIG": "/etc/envoy.yaml"}) == [
        "/usr/bin/envoy", "-c", "/etc/envoy.yaml"]


def test_a_container_command_with_args():
    container = {"command": ["$(SHELL)", "-c"], "args": ["echo $(GREETING) $$(NOT) $(UNKNOWN)"]}
    assert command_line(ENTRYPOINT, DEFAULT_ARGS, container, {"SHELL": "/bin/sh", "GREETING": "hi"}) == [
        "/bin/sh", "-c", "echo hi $(NOT) $(UNKNOWN)"]


def test_the_inputs_are_not_changed():
    entrypoint, default_args, container = list(ENTRYPOINT), list(DEFAULT_ARGS), {"args": ["$(A)"]}
    command_line(entrypoint, default_args, container, {"A": "a"})
    assert entrypoint == ENTRYPOINT and default_args == DEFAULT_ARGS and container == {"args": ["$(A)"]}
