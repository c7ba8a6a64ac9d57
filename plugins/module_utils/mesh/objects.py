# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading Kubernetes objects as the translator needs them, and reporting what it cannot honour.

Every problem is reported as "<Kind> <namespace>/<name>: <field>: <message>", so a user can go
straight to the field. Nothing is ignored silently: a field the local gateway does not implement
is a problem, never a no-op.
"""

from __future__ import annotations


class Unsupported(Exception):
    """A field of an object that the local gateway cannot honour."""

    def __init__(self, field, message):
        super().__init__("%s: %s" % (field, message))
        self.field = field
        self.message = message


class Report:
    """The problems met while translating, each naming the object and the field."""

    def __init__(self):
        self.errors = []

    def add(self, obj, field, message):
        entry = "%s: %s: %s" % (ref(obj), field, message)
        if entry not in self.errors:
            self.errors.append(entry)

    def unsupported(self, obj, exc):
        self.add(obj, exc.field, exc.message)


def ref(obj):
    meta = obj.get("metadata") or {}
    return "%s %s/%s" % (obj.get("kind", "Object"), meta.get("namespace", ""), meta.get("name", ""))


def name(obj):
    return (obj.get("metadata") or {}).get("name", "")


def namespace(obj):
    return (obj.get("metadata") or {}).get("namespace", "")


def spec(obj):
    return obj.get("spec") or {}


def creation_order(objects):
    """Oldest first, then by namespace/name: the order Istio merges configuration in."""
    return sorted(objects, key=lambda o: ((o.get("metadata") or {}).get("creationTimestamp") or "",
                                          namespace(o), name(o)))


def check_fields(mapping, allowed, path):
    """Raise Unsupported for the first key of mapping that is not in allowed."""
    if not isinstance(mapping, dict):
        raise Unsupported(path, "must be a mapping")
    for key in sorted(mapping):
        if key not in allowed:
            raise Unsupported("%s.%s" % (path, key) if path else key, "is not supported by the local gateway")


def labels_match(match_labels, labels):
    """Whether a workload with labels is selected by a matchLabels selector (empty selects all)."""
    return all(labels.get(key) == value for key, value in (match_labels or {}).items())


def service_fqdn(host, default_namespace):
    """A destination host as Istio completes it: short names are in the VirtualService's namespace."""
    if host.endswith(".svc.cluster.local"):
        return host
    parts = host.split(".")
    if len(parts) == 1:
        return "%s.%s.svc.cluster.local" % (host, default_namespace)
    if len(parts) == 2:
        return "%s.svc.cluster.local" % host
    if len(parts) == 3 and parts[2] == "svc":
        return "%s.cluster.local" % host
    return host
