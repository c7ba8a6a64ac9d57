"""A local cluster and gateway of a benchmark's own (temporary folder, ports of its own), and its tools.

    with LocalEnvironment() as local:        # playbooks/local_up.yml ... local_down.yml
        local.playbook("playbooks/expose_mtls.yml", "-e", "@playbooks/vars/local.yml")
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
FORTIO_VERSION = "v1.66.5"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalEnvironment:
    def __init__(self, gateway=True):
        self.dir = tempfile.mkdtemp(prefix="kyma-mtls-bench-")
        names = ["local_cluster_etcd_port", "local_cluster_etcd_peer_port", "local_cluster_apiserver_port"]
        if gateway:
            names += ["local_gateway_https_port", "local_gateway_http_port", "local_gateway_admin_port",
                      "local_gateway_controller_port", "local_gateway_httpbin_port", "local_gateway_function_port"]
        self.ports = {name: free_port() for name in names}
        if gateway:
            self.ports["local_gateway_sidecar_base_port"] = 0
        else:
            self.ports["local_up_gateway"] = False
        self.env = dict(os.environ, KYMA_MTLS_LOCAL_DIR=self.dir, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"),
                        KUBECONFIG=os.path.join(self.dir, "kubeconfig"), PATH=BIN + os.pathsep + os.environ["PATH"])
        self.pki = os.path.join(self.dir, "pki")

    def playbook(self, path, *args):
        """(seconds, stdout) of ansible-playbook path with the environment's ports; fails loudly."""
        argv = [os.path.join(BIN, "ansible-playbook"), os.path.join(REPO, path), "-e", json.dumps(self.ports)]
        return run(argv + list(args), self.env)

    def sync(self):
        request = urllib.request.Request("http://127.0.0.1:%d/sync" % self.ports["local_gateway_controller_port"],
                                         method="POST")
        with urllib.request.urlopen(request, timeout=60) as answer:
            return json.loads(answer.read())

    def __enter__(self):
        self.playbook("playbooks/local_up.yml")
        return self

    def __exit__(self, *exc):
        self.playbook("playbooks/local_down.yml")
        shutil.rmtree(self.dir, ignore_errors=True)


def run(argv, env):
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit("%s failed:\n%s\n%s" % (" ".join(argv[:3]), done.stdout[-3000:], done.stderr[-3000:]))
    return time.perf_counter() - start, done.stdout


def fortio():
    """Istio's load tool (client certificates, -resolve), built once per version from the Go module proxy."""
    cache = os.path.join(os.path.expanduser("~"), ".cache", "kyma-mtls", "fortio", FORTIO_VERSION)
    binary = os.path.join(cache, "fortio")
    if not os.access(binary, os.X_OK):
        print("building fortio %s from the Go module proxy into %s (once; about a minute)" % (FORTIO_VERSION, cache),
              flush=True)
        os.makedirs(cache, exist_ok=True)
        subprocess.run(["go", "install", "fortio.org/fortio@" + FORTIO_VERSION], check=True,
                       env=dict(os.environ, GOBIN=cache, GOTOOLCHAIN="local", GOFLAGS="-mod=mod"))
    return binary
