# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The local gateway's control plane, in the role istiod plays in a cluster.

It lists and watches Gateways, VirtualServices, APIRules, AuthorizationPolicies, the ingress
namespace's Secrets, Services and Deployments; after every change it translates them
(kyma.mtls mesh module_utils), hands Envoy the result through the files Envoy watches, and waits
until Envoy reports the new version. On 127.0.0.1 it answers:

  GET  /healthz  200 once Envoy's bootstrap and a configuration have been written
  GET  /status   the last translation: version, Envoy's answer, errors, what is served
  POST /sync     list everything again, translate, deliver, wait for Envoy; then /status

    mesh_controller.py CONFIG.json      (PYTHONPATH must hold the ansible_collections folder)
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from kubernetes import client as k8s_client
from kubernetes import config as k8s_config
from kubernetes import watch as k8s_watch
from kubernetes.client.rest import ApiException

from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError
from ansible_collections.kyma.mtls.plugins.module_utils.mesh.envoy import bootstrap
from ansible_collections.kyma.mtls.plugins.module_utils.mesh.identity import MeshIdentities
from ansible_collections.kyma.mtls.plugins.module_utils.mesh.local_config import resolve_services
from ansible_collections.kyma.mtls.plugins.module_utils.mesh.translate import translate
from ansible_collections.kyma.mtls.plugins.module_utils.mesh.xds_files import (
    CDS, LDS, envoy_versions, version_of, wait_for_envoy, write_xds)
from ansible_collections.kyma.mtls.plugins.module_utils.pki.files import write_files

LOG = logging.getLogger("mesh-controller")
DEBOUNCE = 0.01  # coalesces the events of one batched apply; enforcement ~50 ms after an API write
ABSENT_RETRY = 5.0


def sources(ingress_namespace):
    """(kind, list call) for each kind of object the translation reads."""
    custom = k8s_client.CustomObjectsApi()
    core = k8s_client.CoreV1Api()
    apps = k8s_client.AppsV1Api()

    def custom_list(group, version, plural):
        return lambda **kw: custom.list_cluster_custom_object(group, version, plural, **kw)

    return [
        ("gateways", custom_list("networking.istio.io", "v1", "gateways")),
        ("virtualservices", custom_list("networking.istio.io", "v1", "virtualservices")),
        ("authorizationpolicies", custom_list("security.istio.io", "v1", "authorizationpolicies")),
        ("apirules", custom_list("gateway.kyma-project.io", "v2", "apirules")),
        ("secrets", lambda **kw: core.list_namespaced_secret(ingress_namespace, **kw)),
        ("services", core.list_service_for_all_namespaces),
        ("deployments", apps.list_deployment_for_all_namespaces),
    ]


def _key(obj):
    meta = obj.get("metadata") or {}
    return meta.get("namespace"), meta.get("name")


def _newer_or_equal(old, new):
    try:
        return int(new["metadata"]["resourceVersion"]) >= int(old["metadata"]["resourceVersion"])
    except (KeyError, TypeError, ValueError):
        return True


class Cache:
    """The objects of every kind, kept current by one list-then-watch thread per kind."""

    def __init__(self, kinds, on_change):
        self.kinds = dict(kinds)
        self.objects = {kind: {} for kind in self.kinds}
        self.absent = set()
        self.lock = threading.Lock()
        self.on_change = on_change

    def relist(self, kind):
        """List a kind afresh; an API the apiserver does not serve (a missing CRD) is empty."""
        try:
            answer = self.kinds[kind](_preload_content=False)
        except ApiException as exc:
            if exc.status != 404:
                raise
            with self.lock:
                self.objects[kind] = {}
                self.absent.add(kind)
            return None
        listing = json.loads(answer.data)
        with self.lock:
            self.objects[kind] = {_key(o): o for o in listing.get("items") or []}
            self.absent.discard(kind)
        return (listing.get("metadata") or {}).get("resourceVersion")

    def relist_all(self):
        for kind in self.kinds:
            self.relist(kind)

    def snapshot(self):
        with self.lock:
            return {kind: list(objects.values()) for kind, objects in self.objects.items()}

    def _apply(self, kind, event):
        obj = event["raw_object"]
        with self.lock:
            known = self.objects[kind]
            if event["type"] == "DELETED":
                known.pop(_key(obj), None)
            elif event["type"] in ("ADDED", "MODIFIED"):
                old = known.get(_key(obj))
                if old is None or _newer_or_equal(old, obj):
                    known[_key(obj)] = obj

    def follow(self, kind):
        """List, then watch from that version; list again on any break (410 Gone, lost connection)."""
        while True:
            try:
                version = self.relist(kind)
                self.on_change()
                if version is None:
                    time.sleep(ABSENT_RETRY)
                    continue
                stream = k8s_watch.Watch().stream(self.kinds[kind], resource_version=version,
                                                  allow_watch_bookmarks=True, timeout_seconds=300)
                for event in stream:
                    if event["type"] in ("ADDED", "MODIFIED", "DELETED"):
                        self._apply(kind, event)
                        self.on_change()
            except Exception as exc:  # pylint: disable=broad-exception-caught  # keep watching whatever happens
                LOG.warning("watch of %s interrupted (%s); listing again", kind, exc)
                time.sleep(1)


class Controller:
    """Translates the cache into Envoy's files and remembers what Envoy made of them."""

    def __init__(self, config, cache_kinds):
        self.config = config
        self.identities = MeshIdentities(config["options"].get("trust_domain", "cluster.local"))
        self.dirty = threading.Event()
        self.render_lock = threading.Lock()
        self.cache = Cache(cache_kinds, self.dirty.set)
        self.status = {"version": None, "envoy": "not started", "errors": [], "summary": {}, "renders": 0}
        self.written = threading.Event()

    def render(self):
        with self.render_lock:
            snapshot = self.cache.snapshot()
            started = time.time()
            result = translate(snapshot, self.config["options"], self.identities)
            version = version_of(result.listeners, result.clusters)
            seen = envoy_versions(self.config["envoy_admin_port"])
            rejected_before = seen["rejected"] if seen else None
            if version != self.status["version"]:
                write_xds(self.config["xds_dir"], version, result.listeners, result.clusters)
                LOG.info("version %s: %d listeners, %d clusters, %d errors", version, len(result.listeners),
                         len(result.clusters), len(result.errors))
                for error in result.errors:
                    LOG.warning("%s", error)
            self.written.set()
            envoy = wait_for_envoy(self.config["envoy_admin_port"], version, rejected_before,
                                   self.config.get("envoy_timeout", 10) if seen else 0.2)
            self.status = {
                "version": version, "envoy": envoy, "errors": result.errors, "summary": result.summary,
                "renders": self.status["renders"] + 1, "rendered_at": started, "delivered_at": time.time(),
                "absent_apis": sorted(self.cache.absent),
                "counts": {kind: len(objects) for kind, objects in snapshot.items()},
            }
            if envoy == "rejected":
                self.status["errors"] = self.status["errors"] + [
                    "Envoy rejected version %s; see %s" % (version, self.config.get("envoy_log", "its log"))]
            return self.status

    def run_renders(self):
        while True:
            self.dirty.wait()
            time.sleep(DEBOUNCE)
            self.dirty.clear()
            try:
                self.render()
            except Exception:  # pylint: disable=broad-exception-caught  # report and keep serving
                LOG.exception("translation failed")

    def sync(self):
        self.cache.relist_all()
        return self.render()


def serve(controller, port):
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, code, body):
            data = json.dumps(body, sort_keys=True).encode("utf-8")
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802  (http.server's naming)
            if self.path == "/healthz":
                ready = controller.written.is_set()
                self._answer(200 if ready else 503, {"ready": ready})
            elif self.path == "/status":
                self._answer(200, controller.status)
            else:
                self._answer(404, {"error": "GET /healthz, GET /status or POST /sync"})

        def do_POST(self):  # noqa: N802
            if self.path != "/sync":
                self._answer(404, {"error": "POST /sync"})
                return
            try:
                self._answer(200, controller.sync())
            except Exception as exc:  # pylint: disable=broad-exception-caught  # tell the caller
                self._answer(500, {"error": "sync failed: %s" % exc})

        def log_message(self, *args):  # requests are not worth a log line each
            return

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main(path):
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stdout)
    with open(path) as handle:
        config = json.load(handle)
    options = dict(config["options"])
    try:
        base = config["sidecar_base_port"]
        options["services"] = resolve_services(config["services"], config["default_namespace"],
                                               (lambda index: base + index) if base else (lambda index: free_port()),
                                               config["builtin_addresses"])
    except MtlsError as exc:
        sys.exit("configuration error: %s" % exc)
    config["options"] = options
    k8s_config.load_kube_config(config_file=config["kubeconfig"], context=config.get("context"))
    os.makedirs(config["xds_dir"], mode=0o700, exist_ok=True)
    xds = config["xds_dir"]
    envoy = bootstrap(config["envoy_admin_port"], os.path.join(xds, LDS), os.path.join(xds, CDS), xds)
    write_files([(config["envoy_bootstrap"], json.dumps(envoy, indent=2).encode("utf-8"), 0o600)])
    controller = Controller(config, sources(options.get("ingress_namespace", "istio-system")))
    controller.cache.relist_all()
    controller.render()
    for kind in controller.cache.kinds:
        threading.Thread(target=controller.cache.follow, args=(kind,), daemon=True, name="watch-" + kind).start()
    threading.Thread(target=controller.run_renders, daemon=True, name="render").start()
    serve(controller, config["status_port"])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
