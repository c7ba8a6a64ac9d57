# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small filters of the local environment's roles."""

from __future__ import annotations

import os

try:
    from cryptography.hazmat.primitives import serialization
except ImportError:  # reported when the filter is used
    serialization = None


def first_file(name, places):
    """The first of place/name that is an executable file, or '' (empty places are skipped)."""
    for place in places:
        if place and os.access(os.path.join(place, name), os.X_OK) and os.path.isfile(os.path.join(place, name)):
            return os.path.join(place, name)
    return ""


def not_established(crds):
    """Names of the CustomResourceDefinitions (as kubernetes.core.k8s_info returns them) not yet Established."""
    return [crd["metadata"]["name"] for crd in crds
            if not any(c.get("type") == "Established" and c.get("status") == "True"
                       for c in (crd.get("status") or {}).get("conditions") or [])]


def node_report(status):
    """Lines describing every process the local node runs, and its load balancers."""
    lines = []
    for pod in status.get("pods", []):
        lines.append("pod %s %s in %s%s" % (pod["pod"], pod.get("ip") or "-", pod.get("netns"),
                                            ": CANNOT RUN: " + pod["failure"] if pod.get("failure") else ""))
        for container in pod.get("containers", []):
            state = next(iter(container.get("state") or {"unknown": {}}))
            lines.append("  %s (%s as %s): %s%s%s, %d restart(s), log %s" % (
                container["name"], container["image"], container.get("local") or "?", state,
                " pid %s" % container["pid"] if container.get("pid") else "",
                ", ready" if container.get("ready") else "", container.get("restarts", 0), container.get("log")))
    for balancer in status.get("load_balancers", []):
        lines.append("load balancer %s -> %s/%s:%s -> %s" % (
            ", ".join(balancer["listen"]), balancer["namespace"], balancer["service"], balancer["port"],
            ", ".join(balancer.get("endpoints") or []) or "no ready endpoint"))
    return lines


def demo_summary(result, https, socket, kubeconfig, context):
    """What make demo writes to demo.json, from the main job's mtls_result with its clients
    (kyma.mtls.job_clients: only the allowed ones have a subject)."""
    return {
        "gateway": https, "socket": socket, "kubeconfig": kubeconfig, "context": context,
        "hosts": {t["name"]: t["host"] for t in result["targets"]},
        "paths": {t["name"]: t["path"] for t in result["targets"]},
        "server_ca": result["server_ca"], "client_ca": result["client_ca"],
        "clients": {name: {"cert": c["path"], "key": c["private_key_path"], "subject": c.get("subject"),
                           "allowed": name in result["allowed"], "revoked": name in result["revoked"]}
                    for name, c in result["clients"].items()},
    }


def curl_lines(result, https):
    """A curl command per target and client that repeats the demo's requests, with what it answers."""
    port = https.rsplit(":", 1)[1]
    lines = []
    for target in result["targets"]:
        for name, client in result["clients"].items():
            expected = ("200" if name in result["allowed"] else "refused" if name in result["revoked"]
                        else "403 RBAC: access denied")
            # --connect-to: the request is for the host's port 443, as on a cluster (its Host header
            # carries no port, which the api-gateway's policies match); it goes to the local port.
            lines.append("curl --connect-to %s:443:127.0.0.1:%s --cacert %s --cert %s --key %s https://%s%s    # %s: %s" % (
                target["host"], port, result["server_ca"], client["path"], client["private_key_path"],
                target["host"], target["path"], name, expected))
    return lines


def applicable(objects):
    """Rendered chart objects, ready for server-side apply: None documents dropped, and empty
    metadata.annotations/labels removed (applied once the object has some from others, such as the
    Deployment's revision annotation, an empty map adds a field ownership: a change every other run)."""
    ready = []
    for item in objects:
        if not item:
            continue
        metadata = {k: v for k, v in item.get("metadata", {}).items() if not (k in ("annotations", "labels") and not v)}
        ready.append(dict(item, metadata=metadata))
    return ready


def pkcs1(pem):
    """An unencrypted RSA private key (PEM) in PKCS#1 form ("RSA PRIVATE KEY"), as Kyma's
    api-gateway reads its webhook key."""
    if serialization is None:
        raise ValueError("the pkcs1 filter needs the Python package cryptography")
    key = serialization.load_pem_private_key(pem.encode() if isinstance(pem, str) else pem, password=None)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


class FilterModule:
    def filters(self):
        return {"first_file": first_file, "not_established": not_established, "node_report": node_report,
                "demo_summary": demo_summary, "curl_lines": curl_lines, "applicable": applicable, "pkcs1": pkcs1}
