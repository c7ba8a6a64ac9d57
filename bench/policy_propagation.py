"""How long a policy change applied by Ansible takes to be enforced: istiod's push to httpbin's sidecar.

The authorization role applies a DENY policy that lets client1 in, then one that keeps it out,
--rounds times. A poller requests as client1 all along on a kept-alive connection (the policy is
enforced at the sidecar, behind the gateway, so the client's own connection does not hide a
change); the median time between its requests, printed too, is the resolution. Printed per
direction (medians): from the end of the role's kubernetes.core.k8s task to the flip (negative when
Envoy enforced it before Ansible reported the task done), from starting ansible-playbook to the
flip (what a user waits for), and, as a reference without Ansible, from a patch of the same policy
through the Kubernetes API returning to the flip (istiod's watch and debounce, its push, Envoy's
update, the drain of the gateway's pooled connection to the sidecar).

    .venv/bin/python bench/policy_propagation.py [--rounds 5]
"""

import argparse
import datetime
import http.client
import json
import os
import socket
import ssl
import statistics
import subprocess
import threading
import time

from kubernetes import client as k8s_client
from kubernetes import config as k8s_config

from local_env import BIN, REPO, LocalEnvironment

HOST = "httpbin.local.kyma.dev"
CLIENT1 = "O=example,CN=client1.example.com"
CLIENT2 = "O=example,CN=client2.example.com"
# The rule kyma.mtls.authorization writes (without the fingerprint rule), for the API patches.
RULE = {"from": [{"source": {"principals": ["cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"]}}],
        "when": [{"key": "request.headers[x-client-ssl-cn]", "notValues": [CLIENT2]}]}
APPLY_TASK = "kyma.mtls.authorization : Apply the policies that deny every other client certificate"


class Poller(threading.Thread):
    """Requests as client1 all along and records (wall time, status)."""

    def __init__(self, port, pki):
        super().__init__(daemon=True)
        self.port = port
        self.context = ssl.create_default_context(cafile=os.path.join(pki, "server-ca.crt"))
        self.context.load_cert_chain(os.path.join(pki, "client1.crt"), os.path.join(pki, "client1.key"))
        self.seen = []
        self.stop = threading.Event()
        self.connection = None

    def status(self):
        if self.connection is None:
            raw = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            self.connection = http.client.HTTPSConnection(HOST, self.port, context=self.context)
            self.connection.sock = self.context.wrap_socket(raw, server_hostname=HOST)
        try:
            self.connection.request("GET", "/headers", headers={"Host": HOST})
            response = self.connection.getresponse()
            response.read()
            if response.getheader("connection") == "close":
                self.connection.close()
                self.connection = None
            return response.status
        except (OSError, http.client.HTTPException):
            self.connection = None
            return None

    def run(self):
        while not self.stop.is_set():
            self.seen.append((time.time(), self.status()))

    def resolution(self):
        times = [t for t, dummy in self.seen]
        return statistics.median(b - a for a, b in zip(times, times[1:]))

    def first(self, status, after):
        return next((t for t, s in self.seen if t >= after and s == status), None)


def wall(iso):
    return datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def apply(local, subjects):
    """Wall-clock times: ansible-playbook started, the role's apply task started, and ended."""
    started = time.time()
    argv = [os.path.join(BIN, "ansible-playbook"), os.path.join(REPO, "bench", "playbooks", "allow.yml"),
            "-e", json.dumps({"subjects": subjects})]
    done = subprocess.run(argv, cwd=REPO, env=dict(local.env, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json"),
                          capture_output=True, text=True, check=True)
    for task in json.loads(done.stdout)["plays"][0]["tasks"]:
        if task["task"]["name"] == APPLY_TASK:
            return started, wall(task["task"]["duration"]["start"]), wall(task["task"]["duration"]["end"])
    raise SystemExit("the role's apply task did not run:\n" + done.stdout[-2000:])


def patch(local, subjects):
    """Wall-clock time when a patch of the policy through the Kubernetes API has returned."""
    api = k8s_client.CustomObjectsApi(k8s_config.new_client_from_config(config_file=local.env["KUBECONFIG"],
                                                                        context="kyma-mtls-local"))
    api.patch_namespaced_custom_object("security.istio.io", "v1", "kyma-mtls", "authorizationpolicies",
                                       "kyma-mtls-gateway-allowed-clients",
                                       {"spec": {"rules": [dict(RULE, when=[dict(RULE["when"][0], notValues=subjects)])]}})
    return time.time()


def wait_for(poller, expected, after, what):
    deadline = time.time() + 30
    while poller.first(expected, after) is None and time.time() < deadline:
        time.sleep(0.01)
    flipped = poller.first(expected, after)
    if flipped is None:
        raise SystemExit("%s was not enforced within 30 s" % what)
    return flipped


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    measured, reference = {"allow": [], "deny": []}, {"allow": [], "deny": []}
    with LocalEnvironment() as local:
        local.playbook("playbooks/expose_mtls.yml", "-e", "@localenv/vars/local.yml", "-e", "mtls_pin_certificates=false")
        local.sync()
        poller = Poller(local.https, local.pki)
        poller.start()
        for dummy in range(args.rounds):
            for direction, subjects, expected in (("allow", [CLIENT1, CLIENT2], 200), ("deny", [CLIENT2], 403)):
                started, task_start, task_end = apply(local, subjects)
                flipped = wait_for(poller, expected, task_start, direction)
                measured[direction].append((flipped - task_end, flipped - started))
        for dummy in range(args.rounds):
            for direction, subjects, expected in (("allow", [CLIENT1, CLIENT2], 200), ("deny", [CLIENT2], 403)):
                returned = patch(local, subjects)
                reference[direction].append(wait_for(poller, expected, returned, direction) - returned)
        poller.stop.set()
        requests, resolution = len(poller.seen), poller.resolution() * 1000
    print("policy change applied by kyma.mtls.authorization -> enforced by Envoy; medians of %d rounds "
          "(%d polling requests, one every %.1f ms)" % (args.rounds, requests, resolution))
    for direction, label in (("allow", "let client1 in "), ("deny", "keep client1 out")):
        after_task = statistics.median(m[0] for m in measured[direction]) * 1000
        total = statistics.median(m[1] for m in measured[direction])
        api = statistics.median(reference[direction]) * 1000
        print("  %s: %+5.0f ms after the apply task ended; %5.2f s from starting ansible-playbook; "
              "%4.0f ms after an API patch returned (max %.0f ms)" % (label, after_task, total, api,
                                                                      max(reference[direction]) * 1000))


if __name__ == "__main__":
    main()
