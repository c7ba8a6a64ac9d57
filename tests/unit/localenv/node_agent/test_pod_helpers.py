"""Small helpers of a pod's runner: named ports, the group a container runs as, and the reason a
container waits when the node cannot start it."""

import pytest

from node_agent.env import EnvError
from node_agent.images import NotRunnable
from node_agent.netns import NetworkError
from node_agent.pod import PodFailure, _port, _reason, _run_as_group
from node_agent.volumes import VolumeError

ISTIO_PROXY = {"name": "istio-proxy", "ports": [{"name": "http-envoy-prom", "containerPort": 15090},
                                                {"name": "status-port", "containerPort": 15021}]}


@pytest.mark.parametrize("port, number", [(15021, 15021), ("15021", 15021), ("status-port", 15021),
                                          ("http-envoy-prom", 15090)])
def test_a_probe_port_by_number_or_by_name(port, number):
    assert _port(ISTIO_PROXY, port) == number


def test_an_unknown_port_name_names_the_container_and_the_port():
    with pytest.raises(OSError, match="container istio-proxy has no port named http"):
        _port(ISTIO_PROXY, "http")
    with pytest.raises(OSError, match="container app has no port named http"):
        _port({"name": "app"}, "http")


def test_the_containers_group_wins_over_the_pods():
    pod_spec = {"securityContext": {"runAsGroup": 1337}}
    assert _run_as_group(pod_spec, {"securityContext": {"runAsGroup": 2000}}) == 2000
    assert _run_as_group(pod_spec, {"securityContext": {"runAsUser": 1337}}) == 1337
    assert _run_as_group(pod_spec, {}) == 1337


def test_group_zero_is_a_group():
    assert _run_as_group({"securityContext": {"runAsGroup": 1337}}, {"securityContext": {"runAsGroup": 0}}) == 0


def test_no_group_when_neither_sets_one():
    assert _run_as_group({}, {}) is None
    assert _run_as_group({"securityContext": None}, {"securityContext": {"runAsGroup": None}}) is None


@pytest.mark.parametrize("failure, reason", [
    (NotRunnable("image nginx is not runnable"), "ImageNotRunnableLocally"),
    (VolumeError("volume x: key y is missing"), "CreateContainerConfigError"),
    (PodFailure("configmaps ns/x does not exist"), "CreateContainerConfigError"),
    (EnvError("fieldRef x is not supported"), "CreateContainerError"),
    (NetworkError("ip netns add: failed"), "CreateContainerError"),
    (OSError("no such file"), "CreateContainerError"),
])
def test_the_waiting_reason_for_why_a_container_cannot_start(failure, reason):
    assert _reason(failure) == reason
