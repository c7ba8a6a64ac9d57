# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The local gateway's service table: which Service each local process stands in for."""

from __future__ import annotations

from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError

BUILTIN_WORKLOADS = ("httpbin", "function")
ENTRY_KEYS = {"name", "namespace", "port", "run", "address", "labels", "service_account"}


def resolve_services(entries, default_namespace, sidecar_port, builtin_addresses):
    """Translator service entries with addresses and sidecar ports; every mistake named.

    Each entry names a Service (name, namespace, port) and either run (a built-in local workload:
    httpbin or function) or address (host:port of something already running). sidecar_port(index)
    gives the port of the entry's sidecar listener.
    """
    resolved, seen = [], set()
    for index, entry in enumerate(entries):
        where = "services[%d]" % index
        unknown = sorted(set(entry) - ENTRY_KEYS)
        if unknown:
            raise MtlsError("%s: unknown key %s (known: %s)" % (where, ", ".join(unknown), ", ".join(sorted(ENTRY_KEYS))))
        if not entry.get("name") or not isinstance(entry.get("port"), int):
            raise MtlsError("%s: needs name and an integer port" % where)
        if bool(entry.get("run")) == bool(entry.get("address")):
            raise MtlsError("%s (%s): give exactly one of run (%s) or address (host:port)"
                            % (where, entry["name"], " or ".join(BUILTIN_WORKLOADS)))
        if entry.get("run") and entry["run"] not in BUILTIN_WORKLOADS:
            raise MtlsError("%s (%s): run must be %s, got %r"
                            % (where, entry["name"], " or ".join(BUILTIN_WORKLOADS), entry["run"]))
        address = builtin_addresses[entry["run"]] if entry.get("run") else str(entry["address"])
        if not address.rpartition(":")[2].isdigit():
            raise MtlsError("%s (%s): address must be host:port, got %r" % (where, entry["name"], address))
        namespace = entry.get("namespace") or default_namespace
        key = (entry["name"], namespace, entry["port"])
        if key in seen:
            raise MtlsError("%s: %s/%s port %d is listed twice" % (where, namespace, entry["name"], entry["port"]))
        seen.add(key)
        resolved.append({"name": entry["name"], "namespace": namespace, "port": entry["port"], "address": address,
                         "sidecar_port": sidecar_port(index), "labels": entry.get("labels") or {},
                         "service_account": entry.get("service_account")})
    return resolved
