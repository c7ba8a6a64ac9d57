"""Network namespaces for the node's pods: one namespace holds the pod network (a bridge), each pod
has its own namespace with a veth pair into that bridge. Nothing is added to the host's namespace.

Sockets can be opened inside any of these namespaces from this process: setns() switches only the
calling thread, and a socket keeps the namespace it was created in.
"""

import contextlib
import ctypes
import ipaddress
import os
import socket
import subprocess

CLONE_NEWNET = 0x40000000
NETNS_DIR = "/run/netns"
_LIBC = ctypes.CDLL(None, use_errno=True)
_HOST = os.open("/proc/self/ns/net", os.O_RDONLY)  # opened at import, in the main thread: the host's


class NetworkError(RuntimeError):
    pass


def ip(*args):
    """Run `ip ARGS`; raise NetworkError with its message when it fails."""
    done = subprocess.run(("ip",) + args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise NetworkError("ip %s: %s" % (" ".join(args), done.stderr.strip() or done.stdout.strip()))
    return done.stdout


def path(name):
    return os.path.join(NETNS_DIR, name)


def exists(name):
    return os.path.exists(path(name))


def delete(name):
    if exists(name):
        ip("netns", "delete", name)


def names_with_prefix(prefix):
    try:
        return sorted(n for n in os.listdir(NETNS_DIR) if n == prefix or n.startswith(prefix + "-"))
    except FileNotFoundError:
        return []


@contextlib.contextmanager
def entered(name):
    """Run the block with this thread in the namespace NAME, then return to the host's."""
    handle = os.open(path(name), os.O_RDONLY)
    try:
        if _LIBC.setns(handle, CLONE_NEWNET) != 0:
            raise NetworkError("setns into %s: %s" % (name, os.strerror(ctypes.get_errno())))
        try:
            yield
        finally:
            if _LIBC.setns(_HOST, CLONE_NEWNET) != 0:  # cannot happen for the namespace we came from
                raise NetworkError("setns back to the host: %s" % os.strerror(ctypes.get_errno()))
    finally:
        os.close(handle)


def socket_in(name, family=socket.AF_INET):
    """A TCP socket that lives in the namespace NAME."""
    with entered(name):
        return socket.socket(family, socket.SOCK_STREAM)


class PodNetwork:
    """The pod network of one node: CIDR, the bridge's namespace, and an address per pod."""

    BRIDGE = "br0"

    def __init__(self, prefix, cidr):
        self.prefix = prefix
        self.network = ipaddress.ip_network(cidr)
        self.gateway = str(next(self.network.hosts()))
        self.taken = {}  # address -> pod namespace name

    @property
    def namespace(self):
        return self.prefix

    def create(self):
        """The bridge namespace (again, if an earlier run left it behind)."""
        self.destroy()
        ip("netns", "add", self.namespace)
        ip("-n", self.namespace, "link", "set", "lo", "up")
        ip("-n", self.namespace, "link", "add", self.BRIDGE, "type", "bridge")
        ip("-n", self.namespace, "addr", "add", "%s/%d" % (self.gateway, self.network.prefixlen), "dev", self.BRIDGE)
        ip("-n", self.namespace, "link", "set", self.BRIDGE, "up")

    def destroy(self):
        """Every namespace of this node, pods' included (their veth pairs go with them)."""
        for name in names_with_prefix(self.prefix):
            delete(name)
        self.taken.clear()

    def allocate(self, pod_namespace):
        for address in self.network.hosts():
            text = str(address)
            if text != self.gateway and text not in self.taken:
                self.taken[text] = pod_namespace
                return text
        raise NetworkError("the pod network %s is full" % self.network)

    def add_pod(self, pod_namespace):
        """Create the pod's namespace, wire it to the bridge, and return its address."""
        address = self.allocate(pod_namespace)
        veth = "v" + address.rsplit(".", 1)[1]  # unique on the bridge's side: one per address
        delete(pod_namespace)
        try:
            ip("netns", "add", pod_namespace)
            ip("-n", pod_namespace, "link", "set", "lo", "up")
            ip("-n", self.namespace, "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", pod_namespace)
            ip("-n", self.namespace, "link", "set", veth, "master", self.BRIDGE, "up")
            ip("-n", pod_namespace, "addr", "add", "%s/%d" % (address, self.network.prefixlen), "dev", "eth0")
            ip("-n", pod_namespace, "link", "set", "eth0", "up")
            ip("-n", pod_namespace, "route", "add", "default", "via", self.gateway)
        except NetworkError:
            self.remove_pod(pod_namespace)
            raise
        return address

    def remove_pod(self, pod_namespace):
        delete(pod_namespace)  # takes the veth pair with it
        for address, owner in list(self.taken.items()):
            if owner == pod_namespace:
                del self.taken[address]


def sysctl(namespace, key, value):
    """Set a namespaced sysctl (net.*) inside a pod's namespace."""
    done = subprocess.run(["nsenter", "--net=" + path(namespace), "--", "sysctl", "-q", "-w", "%s=%s" % (key, value)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise NetworkError("sysctl %s=%s: %s" % (key, value, done.stderr.strip()))
