"""Requests through the local gateway (mTLS + sidecar mTLS + RBAC) next to straight to httpbin, in one run.

Both paths end at the same httpbin (gunicorn); the load comes from fortio (Istio's load tool, built
once from the Go module proxy: no Debian load tool presents client certificates), with the same
connections and duration, the two alternating --rounds times; medians are printed, and ratios.

    .venv/bin/python bench/gateway_load.py [--rounds 3] [--seconds 10] [--connections 8]
"""

import argparse
import json
import os
import statistics
import subprocess

from local_env import LocalEnvironment, fortio

HOST = "httpbin.local.kyma.dev"


def load(binary, url, seconds, connections, extra=()):
    argv = [binary, "load", "-qps", "0", "-c", str(connections), "-t", "%ds" % seconds, "-json", "-", "-quiet",
            "-p", "50,99"] + list(extra) + [url]
    report = json.loads(subprocess.run(argv, check=True, capture_output=True, text=True).stdout)
    percentiles = {p["Percentile"]: p["Value"] * 1000 for p in report["DurationHistogram"]["Percentiles"]}
    ok = report["RetCodes"].get("200", 0)
    return {"qps": report["ActualQPS"], "p50": percentiles[50], "p99": percentiles[99],
            "errors": sum(report["RetCodes"].values()) - ok}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    binary = fortio()
    with LocalEnvironment() as local:
        local.playbook("playbooks/expose_mtls.yml", "-e", "@playbooks/vars/local.yml")
        local.sync()
        port = local.ports["local_gateway_https_port"]
        gateway = ("https://%s:%d/headers" % (HOST, port),
                   ["-resolve", "127.0.0.1", "-cacert", os.path.join(local.pki, "server-ca.crt"),
                    "-cert", os.path.join(local.pki, "client2.crt"), "-key", os.path.join(local.pki, "client2.key")])
        direct = ("http://127.0.0.1:%d/headers" % local.ports["local_gateway_httpbin_port"], [])
        results = {"gateway": [], "direct": []}
        for dummy in range(args.rounds):
            for name, (url, extra) in (("direct", direct), ("gateway", gateway)):
                results[name].append(load(binary, url, args.seconds, args.connections, extra))
    median = {name: {k: statistics.median(r[k] for r in runs) for k in runs[0]} for name, runs in results.items()}
    print("fortio, %d connections, %d s per run, medians of %d alternating rounds, GET /headers" % (
        args.connections, args.seconds, args.rounds))
    for name, label in (("direct", "straight to httpbin (HTTP)        "), ("gateway", "through the gateway (mTLS, 2 hops)")):
        m = median[name]
        print("  %s %8.0f req/s   p50 %6.2f ms   p99 %6.2f ms   non-200: %d"
              % (label, m["qps"], m["p50"], m["p99"], m["errors"]))
    print("ratios (gateway / direct): throughput %.2fx   p50 %.2fx   p99 %.2fx" % (
        median["gateway"]["qps"] / median["direct"]["qps"], median["gateway"]["p50"] / median["direct"]["p50"],
        median["gateway"]["p99"] / median["direct"]["p99"]))


if __name__ == "__main__":
    main()
