"""fortio, Istio's load tool (client certificates, -resolve, JSON reports): built once by `make binaries`."""

import json
import os
import subprocess

FORTIO_VERSION = "v1.66.5"
CACHE = os.environ.get("KYMA_MTLS_CACHE_DIR", os.path.join(os.path.expanduser("~"), ".cache", "kyma-mtls"))


def fortio_binary():
    binary = os.path.join(CACHE, "fortio", FORTIO_VERSION, "fortio")
    if not os.access(binary, os.X_OK):
        raise RuntimeError("fortio %s is not built in %s: run make binaries" % (FORTIO_VERSION, os.path.dirname(binary)))
    return binary


def gateway_load_argv(host, port, path, server_ca, client, extra=()):
    """fortio load through the gateway with the client's <client>.crt and .key (a path without the extension):
    SNI and Host are `host`, the address is 127.0.0.1:port, the gateway is trusted through server_ca."""
    return [fortio_binary(), "load", "-json", "-", "-quiet", "-resolve", "127.0.0.1", "-H", "Host: " + host,
            "-cacert", server_ca, "-cert", client + ".crt", "-key", client + ".key"] + list(extra) + [
                "https://%s:%d%s" % (host, port, path)]


def report_of(stdout):
    """fortio's JSON report -> {'requests', 'ok', 'codes' (non-200 code -> count), 'qps', 'p50', 'p99' (ms)}."""
    report = json.loads(stdout)
    codes = {code: count for code, count in report["RetCodes"].items() if code != "200"}
    percentiles = {p["Percentile"]: p["Value"] * 1000 for p in report["DurationHistogram"].get("Percentiles") or []}
    return {"requests": report["DurationHistogram"]["Count"], "ok": report["RetCodes"].get("200", 0), "codes": codes,
            "qps": report["ActualQPS"], "p50": percentiles.get(50), "p99": percentiles.get(99)}


def start_load(argv):
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603


def finish_load(process):
    stdout, stderr = process.communicate()
    if process.returncode != 0:
        raise RuntimeError("fortio failed (%d): %s" % (process.returncode, stderr[-2000:]))
    return report_of(stdout)
