"""The main job's cost as workloads and clients grow, next to kubectl and to a naive playbook, in one run.

Each size is workloads x clients, half of the clients allowed, VirtualService mode, the certificates
issued beforehand (by the job's first run at that client count). For each size:

  converge      ansible-playbook playbooks/expose_mtls.yml after the objects it applies were deleted
  idempotent    the same again, nothing to change (median of --rounds)
  kubectl       kubectl apply --server-side of the very objects the job applied, after deleting them
                (fresh), and again (no change; median of --rounds)
  naive         a kubernetes.core playbook that applies the seed's objects one task per object: the
                Gateway, and per workload a VirtualService and the tutorial's ALLOW policy with the
                allowed subjects (run twice: fresh, then no change)

Also the largest object the job applies, and all of them together, and the floor: ansible-playbook
with one debug task. Last, per request: fortio through
the gateway to httpbin with every client of the largest size allowed next to one client allowed
(same connections and duration, alternating --rounds times).

    .venv/bin/python bench/scale.py [--rounds 3] [--sizes 1x2,10x2,100x2,1x1000,1x10000,100x10000]
"""

import argparse
import json
import os
import statistics
import subprocess
import tempfile

from local_env import LocalEnvironment, run
from tests.support.fortio import gateway_load_argv, report_of

NAMESPACE = "kyma-mtls"
HOST = "httpbin.local.kyma.dev"
KINDS = "virtualservices.networking.istio.io,authorizationpolicies.security.istio.io,gateways.networking.istio.io," \
        "deployments.apps,services,serviceaccounts"
MANAGED_BY = "app.kubernetes.io/managed-by"
LABEL = MANAGED_BY + "=kyma.mtls"


def job_variables(workloads, clients):
    """The main job's variables for a size: httpbin and workloads w1..wN-1 (their Services need not
    exist to be routed to), clients c0..cN-1 with the first half allowed."""
    names = ["c%d" % i for i in range(clients)]
    return {
        "mtls_expose_mode": "virtualservice",
        "mtls_samples": ["httpbin"],
        "mtls_workloads": [{"name": "httpbin", "port": 8000, "host": "httpbin", "labels": {"app": "httpbin"}}] + [
            {"name": "w%d" % i, "port": 8000, "host": "w%d" % i, "labels": {"app": "w%d" % i}} for i in range(1, workloads)],
        "mtls_clients": [{"name": name, "subject": "/CN=%s.example.com/O=example" % name} for name in names],
        "mtls_allowed_clients": names[:max(1, clients // 2)],
    }


class Bench:
    def __init__(self, local, folder):
        self.local, self.folder = local, folder

    def job(self, variables, *extra):
        path = os.path.join(self.folder, "vars.json")
        with open(path, "w") as handle:
            json.dump(variables, handle)
        return self.local.playbook("playbooks/expose_mtls.yml", "-e", "@localenv/vars/local.yml", "-e", "@" + path, *extra)

    def kubectl(self, *args):
        return run(["kubectl"] + list(args), self.local.env)

    def export(self):
        """The objects the job applied, without what the server sets, as one List; and their sizes."""
        items = []
        for namespace, kinds in ((NAMESPACE, KINDS), ("istio-system", "secrets")):
            out = subprocess.run(["kubectl", "get", "-n", namespace, kinds, "-l", LABEL, "-o", "json"],
                                 env=self.local.env, capture_output=True, text=True, check=True).stdout
            items += json.loads(out)["items"]
        for item in items:
            item.pop("status", None)
            for key in ("managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "annotations"):
                item["metadata"].pop(key, None)
            if item["kind"] == "Service":
                for key in ("clusterIP", "clusterIPs"):
                    item["spec"].pop(key, None)
        path = os.path.join(self.folder, "objects.json")
        with open(path, "w") as handle:
            json.dump({"apiVersion": "v1", "kind": "List", "items": items}, handle)
        sizes = [len(json.dumps(item)) for item in items]
        return path, len(items), max(sizes), sum(sizes)

    def delete(self):
        self.kubectl("delete", "-n", NAMESPACE, "virtualservices,authorizationpolicies,gateways", "-l", LABEL, "--wait")

    def naive_playbook(self, variables):
        """One kubernetes.core.k8s task per object of the seed, each object in a file of its own."""
        allowed = ["O=example,CN=%s.example.com" % name for name in variables["mtls_allowed_clients"]]
        objects = [{"apiVersion": "networking.istio.io/v1", "kind": "Gateway",
                    "metadata": {"name": "naive-gateway", "namespace": NAMESPACE},
                    "spec": {"selector": {"app": "istio-ingressgateway", "istio": "ingressgateway"}, "servers": [{
                        "port": {"number": 443, "name": "https-naive", "protocol": "HTTPS"},
                        "hosts": ["*.naive.kyma.dev"],
                        "tls": {"mode": "MUTUAL", "credentialName": "kyma-mtls-credential"}}]}}]
        for workload in variables["mtls_workloads"]:
            host = "%s.naive.kyma.dev" % workload["host"]
            objects.append({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
                            "metadata": {"name": workload["name"] + "-naive", "namespace": NAMESPACE},
                            "spec": {"hosts": [host], "gateways": [NAMESPACE + "/naive-gateway"], "http": [{"route": [{
                                "destination": {"host": workload["name"], "port": {"number": workload["port"]}},
                                "headers": {"request": {"set": {"X-CLIENT-SSL-CN": "%DOWNSTREAM_PEER_SUBJECT%"}}}}]}]}})
            objects.append({"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
                            "metadata": {"name": workload["name"] + "-naive", "namespace": NAMESPACE},
                            "spec": {"action": "ALLOW", "rules": [{"to": [{"operation": {"hosts": [host]}}], "when": [
                                {"key": "request.headers[X-Client-Ssl-Cn]", "values": allowed}]}]}})
        tasks = []
        for index, item in enumerate(objects):
            path = os.path.join(self.folder, "naive-%d.json" % index)
            with open(path, "w") as handle:
                json.dump(item, handle)
            tasks.append({"name": "Apply %s %s" % (item["kind"], item["metadata"]["name"]), "kubernetes.core.k8s": {
                "definition": "{{ lookup('ansible.builtin.file', '%s') | ansible.builtin.from_json }}" % path,
                "apply": True, "server_side_apply": {"field_manager": "naive"}}})
        playbook = os.path.join(self.folder, "naive.yml")
        with open(playbook, "w") as handle:
            json.dump([{"name": "The seed's objects, one task each", "hosts": "localhost", "gather_facts": False,
                        "tasks": tasks}], handle)
        return playbook

    def naive(self, variables):
        playbook = self.naive_playbook(variables)
        fresh = self.local.playbook(playbook)[0]
        again = self.local.playbook(playbook)[0]
        self.kubectl("delete", "-n", NAMESPACE, "virtualservices,authorizationpolicies,gateways", "-l", "!" + MANAGED_BY)
        return fresh, again

    def floor(self, rounds, variables_file=None):
        """What any playbook costs here before it does anything: ansible-playbook with one debug task
        (given a variables file as the job is, when one is named)."""
        playbook = os.path.join(self.folder, "floor.yml")
        with open(playbook, "w") as handle:
            json.dump([{"name": "Nothing", "hosts": "localhost", "gather_facts": False,
                        "tasks": [{"name": "Say so", "ansible.builtin.debug": {"msg": "nothing"}}]}], handle)
        extra = ["-e", "@" + variables_file] if variables_file else []
        return statistics.median(self.local.playbook(playbook, *extra)[0] for dummy in range(rounds))

    def size(self, workloads, clients, rounds):
        variables = job_variables(workloads, clients)
        self.job(variables)  # issues the certificates of this client count, if not yet
        self.delete()
        converge, out = self.job(variables)
        assert "failed=0" in out, out[-3000:]
        idempotent = []
        for dummy in range(rounds):
            seconds, out = self.job(variables)
            assert "changed=0" in out, out[-3000:]
            idempotent.append(seconds)
        path, count, largest, total = self.export()
        self.delete()
        apply = ["apply", "--server-side", "--field-manager=kyma-mtls", "--force-conflicts", "-f", path]
        kubectl_fresh = self.kubectl(*apply)[0]
        kubectl_noop = statistics.median(self.kubectl(*apply)[0] for dummy in range(rounds))
        naive_fresh, naive_again = self.naive(variables)
        return {"size": "%dx%d" % (workloads, clients), "objects": count, "largest_kib": largest / 1024.0,
                "total_kib": total / 1024.0, "converge": converge, "idempotent": statistics.median(idempotent),
                "kubectl_fresh": kubectl_fresh, "kubectl_noop": kubectl_noop, "naive_fresh": naive_fresh,
                "naive_again": naive_again}

    def latency(self, clients, rounds, seconds):
        """p50/p99 (ms) through the gateway as an allowed client, with all clients allowed and with one."""
        figures = {"all": [], "one": []}
        many = job_variables(1, clients)
        many["mtls_allowed_clients"] = [c["name"] for c in many["mtls_clients"]]
        one = dict(many, mtls_allowed_clients=[many["mtls_clients"][-1]["name"]])
        client = os.path.join(self.local.pki, many["mtls_clients"][-1]["name"])
        for dummy in range(rounds):
            for label, variables in (("all", many), ("one", one)):
                self.job(variables)
                self.local.sync()
                argv = gateway_load_argv(HOST, self.local.https, "/headers", os.path.join(self.local.pki, "server-ca.crt"),
                                         client, ["-qps", "0", "-c", "4", "-t", "%ds" % seconds])
                report = report_of(subprocess.run(argv, check=True, capture_output=True, text=True).stdout)
                figures[label].append(report)
        return figures


def print_row(row):
    """One size's figures, as soon as they are measured (a whole run takes half an hour)."""
    print("%-10s %7d %6.0f KiB %5.0f KiB %7.2f s %8.2f s %8.2f s %6.2f s %8.2f s %6.2f s %10.1fx %14.1fx" % (
        row["size"], row["objects"], row["largest_kib"], row["total_kib"], row["converge"], row["idempotent"],
        row["kubectl_fresh"], row["kubectl_noop"], row["naive_fresh"], row["naive_again"],
        row["idempotent"] / row["kubectl_noop"], row["naive_again"] / row["idempotent"]), flush=True)


def size_arguments(description, sizes):
    """The options every size benchmark takes: --rounds and --sizes (workloads x clients, comma-separated)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", default=sizes)
    return parser


def sizes_of(args):
    return [tuple(int(n) for n in size.split("x")) for size in args.sizes.split(",")]


def main():
    parser = size_arguments(__doc__, "1x2,10x2,100x2,1x1000,1x10000,100x10000")
    parser.add_argument("--seconds", type=int, default=10, help="of each latency run; 0 skips the latency runs")
    args = parser.parse_args()
    sizes = sizes_of(args)
    print("size        objects largest   total  converge idempotent  kubectl fresh/no-op  naive fresh/again  "
          "idempotent/kubectl  naive/idempotent", flush=True)
    with LocalEnvironment(kyma=False) as local, tempfile.TemporaryDirectory() as folder:
        bench = Bench(local, folder)
        for workloads, clients in sizes:
            print_row(bench.size(workloads, clients, args.rounds))
        print("ansible-playbook with one debug task (the floor of any playbook here): %.2f s" % bench.floor(args.rounds),
              flush=True)
        if args.seconds <= 0:
            return
        latency = bench.latency(max(clients for dummy, clients in sizes), args.rounds, args.seconds)
    for label in ("all", "one"):
        reports = latency[label]
        print("through the gateway, %s allowed: p50 %.2f ms, p99 %.2f ms, %.0f req/s, %d errors (medians of %d)" % (
            label, statistics.median(r["p50"] for r in reports), statistics.median(r["p99"] for r in reports),
            statistics.median(r["qps"] for r in reports), sum(sum(r["codes"].values()) for r in reports), len(reports)))
    p99 = [statistics.median(r["p99"] for r in latency[label]) for label in ("all", "one")]
    print("p99 ratio, all allowed / one allowed: %.2fx" % (p99[0] / p99[1]))


if __name__ == "__main__":
    main()
