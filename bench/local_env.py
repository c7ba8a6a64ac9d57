"""A local environment of a benchmark's own (temporary folder, ports of its own), and its tools.

    with LocalEnvironment() as local:        # localenv/playbooks/up.yml ... down.yml
        local.playbook("playbooks/expose_mtls.yml", "-e", "@localenv/vars/local.yml")
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
from tests.support.localenv import PORTS  # noqa: E402  pylint: disable=wrong-import-position
from tests.support.processes import free_port  # noqa: E402  pylint: disable=wrong-import-position
from tests.support.fortio import fortio_binary  # noqa: E402  pylint: disable=wrong-import-position
BIN = os.path.dirname(sys.executable)


class LocalEnvironment:
    def __init__(self, kyma=True):
        self.dir = tempfile.mkdtemp(prefix="kyma-mtls-bench-")
        self.ports = {name: free_port() for name in PORTS}
        if not kyma:  # plain Istio, as VirtualService mode needs: no Kyma api-gateway or Serverless
            self.ports.update(kyma_vendor=os.path.join(self.dir, "no-vendor"),
                              kyma_api_gateway_repository="file:///nonexistent/api-gateway")
        self.env = dict(os.environ, KYMA_MTLS_LOCAL_DIR=self.dir, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"),
                        KUBECONFIG=os.path.join(self.dir, "kubeconfig"), PATH=BIN + os.pathsep + os.environ["PATH"])
        self.pki = os.path.join(self.dir, "pki")
        self.https = self.ports["node_https_port"]

    def playbook(self, path, *args):
        """(seconds, stdout) of ansible-playbook path with the environment's ports; fails loudly."""
        argv = [os.path.join(BIN, "ansible-playbook"), os.path.join(REPO, path), "-e", json.dumps(self.ports)]
        return run(argv + list(args), self.env)

    def sync(self):
        """Until every proxy serves istiod's latest configuration."""
        return self.playbook("tests/integration/playbooks/mesh_sync.yml")

    def up(self):
        return self.playbook("localenv/playbooks/up.yml")

    def down(self):
        return self.playbook("localenv/playbooks/down.yml")

    def __enter__(self):
        self.up()
        return self

    def __exit__(self, *exc):
        self.down()
        shutil.rmtree(self.dir, ignore_errors=True)


def run(argv, env):
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit("%s failed:\n%s\n%s" % (" ".join(argv[:3]), done.stdout[-3000:], done.stderr[-3000:]))
    return time.perf_counter() - start, done.stdout


def fortio():
    """Istio's load tool (client certificates, -resolve), built once per version by make binaries."""
    return fortio_binary()
