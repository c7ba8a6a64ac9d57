"""What the local environment costs: start-up times and the memory of each of its processes.

  fresh start    localenv/playbooks/up.yml on an empty folder (certificates, CRDs, charts, istiod,
                 the ingress gateway pod), until it returns (the load balancer has a ready endpoint)
  main job       playbooks/expose_mtls.yml, then until every proxy is in sync and client2 gets 200
  stop           localenv/playbooks/down.yml
  cached start   up.yml on the stopped environment (its data kept: every pod starts again), then
                 until client2 gets 200 through the gateway again
  APIRule        an APIRule v2 for httpbin on a new host, from its create until client2's first 200
                 through it (Kyma's api-gateway writes the Istio objects, istiod pushes them)

Then the resident memory (RSS) of every process, with the main job's objects served. Start-ups
repeat --rounds times; medians are printed.

    .venv/bin/python bench/environment.py [--rounds 3]
"""

import argparse
import http.client
import json
import os
import socket
import ssl
import statistics
import time
import urllib.request

from local_env import LocalEnvironment

HOST = "httpbin.local.kyma.dev"


def first_200(local, deadline=120, host=HOST):
    """Seconds until client2's request through the gateway gets 200."""
    context = ssl.create_default_context(cafile=os.path.join(local.pki, "server-ca.crt"))
    context.load_cert_chain(os.path.join(local.pki, "client2.crt"), os.path.join(local.pki, "client2.key"))
    started = time.perf_counter()
    while time.perf_counter() - started < deadline:
        try:
            with socket.create_connection(("127.0.0.1", local.https), timeout=2) as raw:
                connection = http.client.HTTPSConnection(host, local.https, context=context, timeout=2)
                connection.sock = context.wrap_socket(raw, server_hostname=host)
                connection.request("GET", "/headers", headers={"Host": host})
                if connection.getresponse().status == 200:
                    return time.perf_counter() - started
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.05)
    raise SystemExit("client2 never got 200 through the gateway")


def rss_mib(pid):
    try:
        with open("/proc/%d/status" % pid) as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def name_of(pid):
    try:
        with open("/proc/%d/comm" % pid) as handle:
            return handle.read().strip()
    except OSError:
        return "?"


def children(pid):
    found = []
    for task in os.listdir("/proc/%d/task" % pid) if os.path.isdir("/proc/%d/task" % pid) else []:
        try:
            with open("/proc/%d/task/%s/children" % (pid, task)) as handle:
                found += [int(c) for c in handle.read().split()]
        except OSError:
            pass
    return found


def tree(pid):
    """pid and its descendants."""
    result = [pid]
    for child in children(pid):
        result += tree(child)
    return result


def apirule_to_200(local, name):
    """Seconds from creating an APIRule for httpbin on a host of its own until client2 gets 200 through it."""
    from kubernetes import config as k8s_config  # pylint: disable=import-outside-toplevel
    client = k8s_config.new_client_from_config(config_file=local.env["KUBECONFIG"], context="kyma-mtls-local")
    host = "%s.local.kyma.dev" % name
    headers = {"X-CLIENT-SSL-CN": "%DOWNSTREAM_PEER_SUBJECT%"}
    rule = {"apiVersion": "gateway.kyma-project.io/v2", "kind": "APIRule",
            "metadata": {"name": name, "namespace": "kyma-mtls"},
            "spec": {"hosts": [host], "gateway": "kyma-mtls/kyma-mtls-gateway",
                     "service": {"name": "httpbin", "port": 8000},
                     "rules": [{"path": "/*", "methods": ["GET"], "noAuth": True, "request": {"headers": headers}}]}}
    started = time.perf_counter()
    client.call_api("POST", client.configuration.host + "/apis/gateway.kyma-project.io/v2/namespaces/kyma-mtls/apirules",
                    body=rule, header_params={"Content-Type": "application/json"})
    return time.perf_counter() - started + first_200(local, host=host)


def processes(local):
    """(what, process name, RSS MiB) of every process of the environment."""
    rows = []
    for folder, name in (("cluster", "etcd"), ("cluster", "kube-apiserver"), ("cluster", "kube-controller-manager"),
                         ("cluster", "kube-scheduler"), ("istio", "istiod"), ("kyma", "function-controller"),
                         ("node", "node")):
        with open(os.path.join(local.dir, folder, "run", name + ".pid")) as handle:
            pid = json.load(handle)["pid"]
        rows.append((name, name_of(pid), rss_mib(pid)))
    with urllib.request.urlopen("http://127.0.0.1:%d/status" % local.ports["node_status_port"]) as response:
        status = json.loads(response.read())
    for pod in status["pods"]:
        for container in pod["containers"]:
            if container.get("pid"):
                for pid in tree(container["pid"]):
                    rows.append(("%s %s" % (pod["pod"].split("/")[1].rsplit("-", 2)[0], container["name"]),
                                 name_of(pid), rss_mib(pid)))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    fresh, job, stop, cached, apirule = [], [], [], [], []
    for round_number in range(args.rounds):
        local = LocalEnvironment()
        fresh.append(local.up()[0])
        seconds = local.playbook("playbooks/expose_mtls.yml", "-e", "@localenv/vars/local.yml")[0]
        job.append(seconds + local.sync()[0] + first_200(local))
        apirule.append(apirule_to_200(local, "bench-%d" % round_number))
        if round_number == 0:
            memory = processes(local)
        stop.append(local.down()[0])
        cached.append(local.up()[0] + first_200(local))
        local.__exit__(None, None, None)
    print("local environment, medians of %d rounds" % args.rounds)
    for label, values in (("fresh start (up.yml on an empty folder)", fresh),
                          ("main job applied until client2 gets 200", job),
                          ("stop (down.yml)", stop),
                          ("cached start (up.yml, stopped environment) until client2 gets 200", cached),
                          ("APIRule created until client2's first 200 through it", apirule)):
        print("  %-68s %6.1f s  (min %.1f, max %.1f)" % (label, statistics.median(values), min(values), max(values)))
    print("resident memory with the main job's objects served (first round)")
    for what, process, mib in memory:
        print("  %-48s %-18s %6.1f MiB" % (what, process, mib))
    print("  %-48s %-18s %6.1f MiB" % ("total", "", sum(m for dummy, dummy, m in memory)))


if __name__ == "__main__":
    main()
