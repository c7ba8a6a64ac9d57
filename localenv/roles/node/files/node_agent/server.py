"""The node's status page on 127.0.0.1: /healthz, /status (pods, containers, load balancers) and
/proxies (each Envoy's own count of accepted and rejected configuration updates)."""

import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from node_agent import netns

ENVOY_ADMIN_PORT = 15000
UPDATE_STATS = "update_(rejected|success|attempt)$"


def envoy_stats(namespace):
    """{stat name: value} of the update counters of the Envoy in a pod's namespace."""
    sock = netns.socket_in(namespace)
    sock.settimeout(2)
    sock.connect(("127.0.0.1", ENVOY_ADMIN_PORT))
    connection = http.client.HTTPConnection("127.0.0.1", timeout=2)
    connection.sock = sock
    connection.request("GET", "/stats?format=json&filter=" + UPDATE_STATS)
    body = json.loads(connection.getresponse().read())
    connection.close()
    return {s["name"]: s.get("value", 0) for s in body.get("stats", []) if "name" in s}


def proxies(node):
    """Every pod with a running Envoy (an istio-proxy container), with its update counters."""
    found = []
    for pod in node.summary()["pods"]:
        proxy = next((c for c in pod["containers"] if c["local"] == "istio-proxy" and "running" in c["state"]
                      and c["name"] == "istio-proxy"), None)
        if proxy is None:
            continue
        entry = {"pod": pod["pod"], "netns": pod["netns"], "ready": proxy["ready"]}
        try:
            stats = envoy_stats(pod["netns"])
            entry["rejected"] = {k[:-len(".update_rejected")]: v for k, v in stats.items()
                                 if k.endswith("update_rejected") and v}
            entry["accepted"] = sum(v for k, v in stats.items() if k.endswith("update_success"))
        except (OSError, ValueError, http.client.HTTPException) as error:
            entry["error"] = "Envoy's admin interface does not answer: %s" % error
        found.append(entry)
    return found


def serve(node, port):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # pylint: disable=invalid-name  # the name http.server calls
            pages = {"/healthz": lambda: {"ok": True}, "/status": node.summary, "/proxies": lambda: proxies(node)}
            if self.path not in pages:
                self.send_error(404)
                return
            body = json.dumps(pages[self.path](), indent=1).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, name="status", daemon=True).start()
    return server
