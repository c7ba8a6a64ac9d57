# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether every proxy of the local mesh took istiod's configuration, and what would make it not.

istiod builds configuration for Istio's own Envoy build; the local node runs upstream Envoy, which
rejects (NACKs) anything that needs an Istio-only extension and keeps serving its last good
configuration. Traffic then looks fine while the mesh is not what the objects say, so nothing of
that may go unnoticed: every rejection is named with Envoy's message, and objects that would cause
one are named before they do.
"""

from __future__ import annotations

import json
import time

from ansible.module_utils.urls import open_url

from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError

TYPES = {
    "type.googleapis.com/envoy.config.cluster.v3.Cluster": "CDS",
    "type.googleapis.com/envoy.config.listener.v3.Listener": "LDS",
    "type.googleapis.com/envoy.config.route.v3.RouteConfiguration": "RDS",
    "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment": "EDS",
    "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret": "SDS",
    "type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig": "ECDS",
}


def proxy_states(syncz):
    """One entry per proxy istiod serves: whether it acknowledged all it was sent, and its rejections."""
    states = []
    for proxy in syncz:
        resources = proxy.get("resources") or {}
        pending = sorted(TYPES.get(t, t) for t, r in resources.items() if r.get("sent") != r.get("acked"))
        errors = {TYPES.get(t, t): r["lastError"] for t, r in resources.items() if r.get("lastError")}
        states.append({"proxy": proxy.get("proxy", ""), "type": proxy.get("proxy_type", ""),
                       "synced": not pending and not errors, "pending": pending, "errors": errors})
    return sorted(states, key=lambda s: s["proxy"])


def extension_objects(telemetries, wasm_plugins, mesh):
    """Objects whose configuration needs extensions that only Istio's Envoy build has."""
    found = []
    for item in telemetries:
        providers = sorted({p.get("name", "") for metric in (item.get("spec") or {}).get("metrics") or []
                            for p in metric.get("providers") or []})
        if providers:
            found.append("Telemetry %s/%s: metrics providers %s need Istio's stats filter, which upstream Envoy lacks"
                         % (item["metadata"].get("namespace", ""), item["metadata"]["name"], ", ".join(providers)))
    for item in wasm_plugins:
        found.append("WasmPlugin %s/%s: Wasm plugins need Istio's Envoy build"
                     % (item["metadata"].get("namespace", ""), item["metadata"]["name"]))
    metrics = ((mesh or {}).get("defaultProviders") or {}).get("metrics") or []
    if metrics:
        found.append("mesh config: defaultProviders.metrics %s need Istio's stats filter, which upstream Envoy lacks"
                     % ", ".join(metrics))
    return found


def node_problems(node_status, envoys, proxies):
    """Pods the node cannot run, and ready Envoys whose admin interface does not answer or that
    istiod does not serve; Envoys still starting are added to proxies as not synced. (Envoy's own
    update_rejected counters only ever grow: istiod's syncz says whether a rejection still stands;
    the counters are reported with each proxy.)"""
    problems = ["pod %s cannot run: %s" % (pod["pod"], pod["failure"]) for pod in node_status.get("pods", [])
                if pod.get("failure")]
    for envoy in envoys:
        namespace, name = envoy["pod"].split("/", 1)
        proxy = next((p for p in proxies if p["proxy"] == "%s.%s" % (name, namespace)), None)
        if proxy is None or envoy.get("error"):
            if envoy.get("ready", True):
                problems.append("pod %s: %s" % (envoy["pod"], envoy.get("error") or "its proxy is not connected to istiod"))
            if proxy is None:
                proxies.append({"proxy": "%s.%s" % (name, namespace), "type": "", "synced": False,
                                "pending": ["starting"], "errors": {}})
            continue
        proxy["envoy_rejected_so_far"] = envoy.get("rejected") or {}
    return problems


def assess(syncz, node_status, envoys, telemetries, wasm_plugins, mesh):
    proxies = proxy_states(syncz)
    problems = []
    for proxy in proxies:
        for kind, message in sorted(proxy["errors"].items()):
            problems.append("proxy %s rejected its %s: %s" % (proxy["proxy"], kind, message))
    problems += node_problems(node_status, envoys, proxies)
    problems += extension_objects(telemetries, wasm_plugins, mesh)
    return {"proxies": proxies, "problems": problems}


def fetch_json(url):
    try:
        with open_url(url, timeout=5) as response:
            return json.loads(response.read())
    except (OSError, ValueError) as error:
        raise MtlsError("cannot read %s: %s" % (url, error)) from None


def observe(params):
    node = params["node_url"].rstrip("/")
    return assess(fetch_json(params["istiod_url"].rstrip("/") + "/debug/syncz"), fetch_json(node + "/status"),
                  fetch_json(node + "/proxies"), params["telemetries"], params["wasm_plugins"], params["mesh"])


def mesh_status(params, check_mode=False):
    """The module's work: observe (until every proxy is in sync, when asked to wait)."""
    deadline = time.monotonic() + params["wait"]
    quiet_since = None
    while True:
        seen = observe(params)
        if params["wait"] <= 0 or seen["problems"]:
            break
        synced = all(p["synced"] for p in seen["proxies"])
        if synced and quiet_since is None:
            quiet_since = time.monotonic()
        elif not synced:
            quiet_since = None
        # In sync, and still so after istiod's debounce window: nothing more is on its way.
        if quiet_since is not None and time.monotonic() - quiet_since >= params["settle"]:
            break
        if time.monotonic() > deadline:
            seen["problems"].append("not every proxy took istiod's configuration within %ds: %s" % (
                params["wait"], ["%s (%s)" % (p["proxy"], ", ".join(p["pending"])) for p in seen["proxies"]
                                 if not p["synced"]]))
            break
        time.sleep(0.1)
    seen["changed"] = False
    if seen["problems"]:
        seen["failure"] = "The local mesh is not serving what its objects say: " + "; ".join(seen["problems"])
    return seen
