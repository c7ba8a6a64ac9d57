"""The pod network's bookkeeping of addresses (no namespace is created: nothing here runs `ip`)."""

import os

import pytest

from node_agent.netns import NETNS_DIR, NetworkError, PodNetwork

# Names no namespace on this machine has, so that remove_pod finds nothing to delete.
PREFIX = "kmtls-unit-test-%d" % os.getpid()


def pod(name):
    namespace = "%s-%s" % (PREFIX, name)
    assert not os.path.exists(os.path.join(NETNS_DIR, namespace))
    return namespace


def test_the_gateway_is_the_first_address_of_the_network():
    network = PodNetwork(PREFIX, "100.80.1.0/24")
    assert network.gateway == "100.80.1.1"
    assert network.namespace == PREFIX


def test_pods_get_the_next_free_address_after_the_gateway():
    network = PodNetwork(PREFIX, "100.80.1.0/24")
    assert network.allocate(pod("a")) == "100.80.1.2"
    assert network.allocate(pod("b")) == "100.80.1.3"
    assert network.taken == {"100.80.1.2": pod("a"), "100.80.1.3": pod("b")}


def test_a_removed_pods_address_is_given_again():
    network = PodNetwork(PREFIX, "100.80.1.0/24")
    for name in ("a", "b", "c"):
        network.allocate(pod(name))
    network.remove_pod(pod("b"))
    assert network.taken == {"100.80.1.2": pod("a"), "100.80.1.4": pod("c")}
    assert network.allocate(pod("d")) == "100.80.1.3"


def test_removing_an_unknown_pod_changes_nothing():
    network = PodNetwork(PREFIX, "100.80.1.0/24")
    network.allocate(pod("a"))
    network.remove_pod(pod("unknown"))
    assert network.taken == {"100.80.1.2": pod("a")}


def test_a_full_network_says_so():
    network = PodNetwork(PREFIX, "100.80.1.0/30")  # hosts .1 (the gateway) and .2
    assert network.allocate(pod("a")) == "100.80.1.2"
    with pytest.raises(NetworkError, match="the pod network 100.80.1.0/30 is full"):
        network.allocate(pod("b"))
