"""The main job against the local cluster next to `kubectl apply` of the same manifests, in one run.

  converge       ansible-playbook playbooks/expose_mtls.yml on an empty cluster (issues the certificates too)
  idempotent     the same playbook again (nothing to change)
  kubectl fresh  kubectl apply --server-side -f <the objects the playbook applied>, after deleting them
  kubectl no-op  the same kubectl apply again

The idempotent run and the no-op kubectl apply alternate --rounds times; medians are printed, and
the ratios (ansible / kubectl). The cluster runs in a folder and on ports of its own.

    .venv/bin/python bench/converge_vs_kubectl.py [--rounds 5]
"""

import argparse
import json
import os
import statistics
import subprocess

from local_env import LocalEnvironment, run

KINDS = "namespace/kyma-mtls serviceaccount/httpbin service/httpbin deployment/httpbin gateway/kyma-mtls-gateway " \
        "virtualservice/httpbin-mtls authorizationpolicy/kyma-mtls-gateway-allowed-clients"


def export_manifests(env, path):
    """The objects the playbook applied, without server-set fields, as one kubectl-appliable list."""
    objects = []
    for args in (["-n", "kyma-mtls"] + KINDS.split(), ["-n", "istio-system", "secret/kyma-mtls-credential"]):
        names = [a for a in args if "/" in a]
        namespace = args[1]
        out = subprocess.run(["kubectl", "get", "-o", "json", "-n", namespace] + names, env=env,
                             capture_output=True, text=True, check=True).stdout
        items = json.loads(out).get("items") or [json.loads(out)]
        for item in items:
            item.pop("status", None)
            for key in ("managedFields", "resourceVersion", "uid", "creationTimestamp", "generation"):
                item["metadata"].pop(key, None)
            if item["kind"] == "Service":
                item["spec"].pop("clusterIP", None)
                item["spec"].pop("clusterIPs", None)
            objects.append(item)
    with open(path, "w") as handle:
        json.dump({"apiVersion": "v1", "kind": "List", "items": objects}, handle)
    return len(objects)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    # httpbin only: these objects are what kubectl applies too.
    job = ["playbooks/expose_mtls.yml", "-e", "@localenv/vars/local.yml", "-e", json.dumps(
        {"mtls_workloads": [{"name": "httpbin", "port": 8000, "host": "httpbin", "labels": {"app": "httpbin"}}]})]
    with LocalEnvironment() as local:
        env = local.env
        manifests = os.path.join(local.dir, "manifests.json")
        kubectl = ["kubectl", "apply", "--server-side", "--field-manager=bench", "--force-conflicts", "-f", manifests]
        converge, dummy = local.playbook(*job)
        count = export_manifests(env, manifests)
        idempotent, kubectl_noop = [], []
        for dummy in range(args.rounds):
            seconds, out = local.playbook(*job)
            assert "changed=0" in out, out[-2000:]
            idempotent.append(seconds)
            kubectl_noop.append(run(kubectl, env)[0])
        local.playbook(*(job + ["-e", "mtls_state=absent"]))
        kubectl_fresh = run(kubectl, env)[0]
    idem, noop = statistics.median(idempotent), statistics.median(kubectl_noop)
    print("%d objects; medians of %d rounds for the repeated runs" % (count, args.rounds))
    print("  ansible converge (fresh, with certificates)  %6.2f s" % converge)
    print("  kubectl apply (fresh)                        %6.2f s" % kubectl_fresh)
    print("  ansible idempotent run                       %6.2f s" % idem)
    print("  kubectl apply (no change)                    %6.2f s" % noop)
    print("ratios: idempotent / kubectl no-op = %.1fx   converge / kubectl fresh = %.1fx" % (
        idem / noop, converge / kubectl_fresh))


if __name__ == "__main__":
    main()
