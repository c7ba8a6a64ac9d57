# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter kyma.mtls.job_clients (documented in its .yml file)."""

from __future__ import annotations

import os

from ansible.errors import AnsibleFilterError

_KEYS = ("pki_dir", "client_names", "allowed", "allowed_subjects")


def job_clients(result):
    """The main job's mtls_result -> {name: {name, path, private_key_path}} for every client, with the
    subject (as Envoy prints it) of each allowed one. The job publishes names, not a result per
    client: at thousands of clients every task that passes those on costs seconds."""
    if not isinstance(result, dict) or any(key not in result for key in _KEYS):
        raise AnsibleFilterError("kyma.mtls.job_clients: expects the main job's mtls_result (with %s)" % ", ".join(_KEYS))
    subjects = dict(zip(result["allowed"], result["allowed_subjects"]))
    provided = result.get("client_files") or {}
    clients = {}
    for name in result["client_names"]:
        files = provided.get(name) or {"path": os.path.join(result["pki_dir"], name + ".crt"),
                                       "private_key_path": os.path.join(result["pki_dir"], name + ".key")}
        client = {"name": name, "path": files["path"], "private_key_path": files["private_key_path"]}
        if name in subjects:
            client["subject"] = subjects[name]
        clients[name] = client
    return clients


class FilterModule:
    def filters(self):
        return {"job_clients": job_clients}
