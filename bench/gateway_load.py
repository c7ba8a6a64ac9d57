"""Requests through the ingress gateway next to straight to httpbin, in one run.

Through the gateway: the local load balancer, the ingress gateway's Envoy (client-certificate TLS),
Istio mTLS to httpbin's sidecar Envoy (iptables capture, RBAC with the role's DENY policy), httpbin;
all configured by istiod. Straight: the same httpbin program (gunicorn, same workers and threads)
on the host's 127.0.0.1, plain HTTP. The load comes from fortio (Istio's load tool, built once from
the Go module proxy: no Debian load tool presents client certificates), with the same connections
and duration, the two alternating --rounds times; medians are printed, and ratios.

    .venv/bin/python bench/gateway_load.py [--rounds 3] [--seconds 10] [--connections 8]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

from local_env import REPO, LocalEnvironment, fortio, free_port

# The program and settings the local node runs for the httpbin images (localenv/roles/node/vars/main.yml).
HTTPBIN = ["-m", "gunicorn", "--worker-class=gthread", "--threads=8", "--workers=1", "httpbin:app"]

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
    httpbin_port = free_port()
    with LocalEnvironment() as local, subprocess.Popen(  # the same httpbin, on the host
            [sys.executable] + HTTPBIN[:2] + ["--bind=127.0.0.1:%d" % httpbin_port] + HTTPBIN[2:],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as direct_httpbin:
        local.playbook("playbooks/expose_mtls.yml", "-e", "@localenv/vars/local.yml")
        local.sync()
        gateway = ("https://%s:%d/headers" % (HOST, local.https),
                   ["-resolve", "127.0.0.1", "-H", "Host: " + HOST, "-cacert", os.path.join(local.pki, "server-ca.crt"),
                    "-cert", os.path.join(local.pki, "client2.crt"), "-key", os.path.join(local.pki, "client2.key")])
        direct = ("http://127.0.0.1:%d/headers" % httpbin_port, [])
        results = {"gateway": [], "direct": []}
        for dummy in range(args.rounds):
            for name, (url, extra) in (("direct", direct), ("gateway", gateway)):
                results[name].append(load(binary, url, args.seconds, args.connections, extra))
        direct_httpbin.terminate()
    median = {name: {k: statistics.median(r[k] for r in runs) for k in runs[0]} for name, runs in results.items()}
    print("fortio, %d connections, %d s per run, medians of %d alternating rounds, GET /headers" % (
        args.connections, args.seconds, args.rounds))
    for name, label in (("direct", "straight to httpbin (HTTP)            "), ("gateway", "through the gateway (LB, mTLS, 2 Envoys)")):
        m = median[name]
        print("  %s %8.0f req/s   p50 %6.2f ms   p99 %6.2f ms   non-200: %d"
              % (label, m["qps"], m["p50"], m["p99"], m["errors"]))
    print("ratios (gateway / direct): throughput %.2fx   p50 %.2fx   p99 %.2fx" % (
        median["gateway"]["qps"] / median["direct"]["qps"], median["gateway"]["p50"] / median["direct"]["p50"],
        median["gateway"]["p99"] / median["direct"]["p99"]))


if __name__ == "__main__":
    main()
