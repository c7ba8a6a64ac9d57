# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Delivering a translation to Envoy through the files it watches, and learning whether it took it.

Envoy's filesystem xDS reloads a file when it is moved into the watched directory, so each file
is staged beside it and renamed into place (clusters before listeners, so a new route never
points at a cluster Envoy does not know yet). The files carry private keys: 0600 only.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from http.client import HTTPException

from ansible.module_utils.urls import open_url

from ansible_collections.kyma.mtls.plugins.module_utils.pki.files import write_files

LDS = "lds.json"
CDS = "cds.json"
MODE = 0o600


def version_of(listeners, clusters):
    canonical = json.dumps([listeners, clusters], sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(canonical).hexdigest()[:16]


def write_xds(directory, version, listeners, clusters):
    for file_name, resources in ((CDS, clusters), (LDS, listeners)):
        body = json.dumps({"version_info": version, "resources": resources}, sort_keys=True).encode("utf-8")
        write_files([(os.path.join(directory, file_name), body, MODE)])


def _stats(admin_port):
    with open_url("http://127.0.0.1:%d/stats?filter=(version_text|update_rejected)$" % admin_port, timeout=2) as answer:
        lines = answer.read().decode("utf-8").splitlines()
    values = {}
    for line in lines:
        key, dummy, value = line.partition(": ")
        values[key] = value.strip().strip('"')
    return values


def envoy_versions(admin_port):
    """{'lds': version, 'cds': version, 'rejected': count} as Envoy reports them, or None if unreachable."""
    try:
        stats = _stats(admin_port)
    except (OSError, ValueError, HTTPException):  # URLError and HTTPError are OSErrors
        return None
    return {"lds": stats.get("listener_manager.lds.version_text"),
            "cds": stats.get("cluster_manager.cds.version_text"),
            "rejected": sum(int(v) for k, v in stats.items() if k.endswith("update_rejected") and v.isdigit())}


def wait_for_envoy(admin_port, version, rejected_before, timeout):
    """'accepted', 'rejected' or 'unreachable'/'pending' once timeout has passed."""
    deadline = time.monotonic() + timeout
    state = "unreachable"
    while time.monotonic() < deadline:
        seen = envoy_versions(admin_port)
        if seen is not None:
            if seen["lds"] == version and seen["cds"] == version:
                return "accepted"
            if rejected_before is not None and seen["rejected"] > rejected_before:
                return "rejected"
            state = "pending"
        time.sleep(0.02)
    return state
