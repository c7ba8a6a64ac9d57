"""A soak through the gateway: client2 at a fixed rate for --minutes (10 by default), then every
request's outcome and the resident memory (RSS) of every process of the environment at the start,
halfway and at the end, side by side (end/start ratio).

Through the main job's default exposure (APIRule v2 on Kyma's api-gateway), fortio with kept-alive
connections plus, every second, a request on a new connection (a new handshake) from a Python client.

    .venv/bin/python bench/soak.py [--minutes 10] [--qps 200]
"""

import argparse
import os
import ssl
import threading
import time

from environment import processes
from local_env import LocalEnvironment

from tests.support.fortio import finish_load, gateway_load_argv, start_load
from tests.support.https import get, served_within

HOST = "httpbin.local.kyma.dev"


def handshakes(local, stop, outcomes):
    """A request on a new connection every second: the gateway keeps accepting new handshakes."""
    ca, cert, key = (os.path.join(local.pki, name) for name in ("server-ca.crt", "client2.crt", "client2.key"))
    while not stop.is_set():
        try:
            outcomes.append(get(local.https, HOST, "/headers", ca, cert, key)[0])
        except (OSError, ssl.SSLError) as exc:
            outcomes.append(type(exc).__name__)
        stop.wait(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--qps", type=int, default=200)
    args = parser.parse_args()
    with LocalEnvironment() as local:
        local.playbook("playbooks/expose_mtls.yml", "-e", "@localenv/vars/local.yml")
        local.sync()
        if not served_within(local.https, HOST, "/headers", os.path.join(local.pki, "server-ca.crt"),
                             os.path.join(local.pki, "client2.crt"), os.path.join(local.pki, "client2.key"), 90):
            raise SystemExit("client2 never got a 200 through the gateway")
        seconds = int(args.minutes * 60)
        load = start_load(gateway_load_argv(HOST, local.https, "/headers", os.path.join(local.pki, "server-ca.crt"),
                                            os.path.join(local.pki, "client2"),
                                            ["-c", "8", "-qps", str(args.qps), "-t", "%ds" % seconds]))
        stop, outcomes = threading.Event(), []
        prober = threading.Thread(target=handshakes, args=(local, stop, outcomes), daemon=True)
        prober.start()
        time.sleep(5)  # past the first connections
        samples = [("start", processes(local))]
        time.sleep(seconds / 2 - 5)
        samples.append(("half", processes(local)))
        report = finish_load(load)
        samples.append(("end", processes(local)))
        stop.set()
        prober.join()
    print("soak: %.1f min at %d req/s, 8 kept-alive connections; a new connection every second besides"
          % (args.minutes, args.qps))
    print("  fortio: %d requests, %d not 200 (%s), %.0f req/s, p50 %.2f ms, p99 %.2f ms"
          % (report["requests"], report["requests"] - report["ok"], report["codes"] or "none", report["qps"],
             report["p50"], report["p99"]))
    print("  new connections: %d requests, %d not 200" % (len(outcomes), sum(1 for o in outcomes if o != 200)))
    print("  %-40s %10s %10s %10s %8s" % ("process", "start MiB", "half MiB", "end MiB", "end/start"))
    start, half, end = (dict(((what, name), rss) for what, name, rss in rows) for dummy, rows in samples)
    for key in start:
        ratio = end.get(key, 0) / start[key] if start[key] else 0
        print("  %-40s %10.1f %10.1f %10.1f %8.2f" % ("%s (%s)" % key, start[key], half.get(key, 0), end.get(key, 0), ratio))
    total = [sum(rows.values()) for rows in (start, half, end)]
    print("  %-40s %10.1f %10.1f %10.1f %8.2f" % ("total", total[0], total[1], total[2], total[2] / total[0]))


if __name__ == "__main__":
    main()
