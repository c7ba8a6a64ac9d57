# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Apply or delete an ordered batch of Kubernetes objects through one API client (kyma.mtls.apply).

The order is the caller's and it is kept: a policy applied before the exposure it restricts is in
force before that exposure exists, and the first error stops the batch. Secret data never leaves
this file: results name objects only, and diffs show Secret values as HIDDEN.
"""

from __future__ import annotations

import time

from ansible_collections.kyma.mtls.plugins.module_utils.allow_policies import API_VERSION, stale_policies
from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError

HIDDEN = "(hidden)"
HIDDEN_CHANGED = "(hidden, changed)"
# What the API server adds to an object; left out of diffs and of check mode's comparison.
SERVER_METADATA = ("managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink")
SECRET_FIELDS = ("data", "stringData")


def reference(obj):
    """'Kind namespace/name' (or 'Kind name' for a cluster-scoped object), as messages name it."""
    metadata = obj.get("metadata") or {}
    where = "%s/%s" % (metadata["namespace"], metadata.get("name")) if metadata.get("namespace") else metadata.get("name")
    return "%s %s" % (obj.get("kind"), where)


def definition_problems(objects):
    """What makes the batch unusable before anything is sent: each object needs apiVersion, kind and
    metadata.name, and appears once."""
    problems, seen = [], set()
    for index, obj in enumerate(objects):
        metadata = obj.get("metadata") if isinstance(obj, dict) else None
        if not isinstance(metadata, dict) or not all(isinstance(obj.get(key), str) and obj.get(key)
                                                     for key in ("apiVersion", "kind")) or not metadata.get("name"):
            problems.append("objects[%d]: needs apiVersion, kind and metadata.name" % index)
            continue
        key = identity(obj)
        if key in seen:
            problems.append("objects[%d]: %s appears more than once" % (index, reference(obj)))
        seen.add(key)
    return problems


def identity(obj):
    metadata = obj["metadata"]
    return obj["apiVersion"], obj["kind"], metadata.get("namespace") or "", metadata["name"]


def shown(obj, compared_with=None):
    """The object as diffs show it: without what the server adds, Secret values hidden (marked as
    changed where they differ from compared_with's)."""
    if obj is None:
        return {}
    result = {key: value for key, value in obj.items() if key != "status"}
    result["metadata"] = {key: value for key, value in (obj.get("metadata") or {}).items() if key not in SERVER_METADATA}
    if obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1":
        for field in SECRET_FIELDS:
            if field in obj:
                old = (compared_with or {}).get(field) or {}
                result[field] = {key: HIDDEN if compared_with is None or old.get(key) == value else HIDDEN_CHANGED
                                 for key, value in (obj[field] or {}).items()}
    return result


def changed(before, after, dry_run):
    """Whether applying changed (or, dry run, would change) the object. A server-side apply that
    changes nothing keeps the resourceVersion; a dry run keeps it always, so compare content then."""
    if before is None:
        return True
    if dry_run:
        return _content(before) != _content(after)
    return before["metadata"].get("resourceVersion") != after["metadata"].get("resourceVersion")


def _content(obj):
    """What we apply, unhidden (a Secret's new data is a change): all but status and the server's metadata."""
    return ({key: value for key, value in obj.items() if key not in ("status", "metadata")},
            {key: value for key, value in (obj.get("metadata") or {}).items() if key not in SERVER_METADATA})


# Objects of one kind in one namespace from which one LIST reads them all, rather than a GET each.
LIST_AT = 8


class Batch:
    """Applies or deletes objects in order through `cluster` (kube_client.Cluster, or anything with
    get, apply, delete and list), collecting what changed and the diffs."""

    def __init__(self, cluster, check_mode=False):
        self.cluster, self.check_mode = cluster, check_mode
        self.results, self.diffs = [], []
        self._new_namespaces = set()

    @property
    def changed(self):
        return any(result["action"] not in ("unchanged", "absent") for result in self.results)

    def refuse_existing(self, refusals):
        """Stop before anything is applied when an object that must not exist does: each refusal is
        {api_version, kind, name, namespace, reason}, and the error names every one found and why."""
        found = []
        for refusal in refusals:
            obj = {"apiVersion": refusal["api_version"], "kind": refusal["kind"],
                   "metadata": {"name": refusal["name"], "namespace": refusal.get("namespace")}}
            if self.cluster.get(obj) is not None:
                found.append("%s exists: %s" % (reference(obj), refusal["reason"]))
        if found:
            raise MtlsError("; ".join(found) + "; nothing was applied")

    def apply(self, objects, field_manager, force_conflicts=False):
        current = self._read_in_groups(objects)
        for obj in objects:
            key = identity(obj)
            before = current[key] if key in current else self.cluster.get(obj)
            namespace = obj["metadata"].get("namespace")
            if before is None and namespace in self._new_namespaces:
                # Check mode: a dry run cannot place an object in a namespace that does not exist yet.
                after = obj
            else:
                after = self.cluster.apply(obj, field_manager, force_conflicts, dry_run=self.check_mode)
            if before is None and obj["kind"] == "Namespace" and obj["apiVersion"] == "v1" and self.check_mode:
                self._new_namespaces.add(obj["metadata"]["name"])
            action = "created" if before is None else "updated" if changed(before, after, self.check_mode) else "unchanged"
            self._record(obj, action, before, after)

    def _read_in_groups(self, objects):
        """The objects as they are now, by identity, for those of a kind that come LIST_AT or more to a
        namespace: one LIST instead of a GET each (a hundred exposures). None for those not there."""
        groups = {}
        for obj in objects:
            namespace = obj["metadata"].get("namespace")
            if namespace:
                groups.setdefault((obj["apiVersion"], obj["kind"], namespace), set()).add(identity(obj))
        current = {}
        for (api_version, kind, namespace), wanted in groups.items():
            if len(wanted) < LIST_AT:
                continue
            for item in self.cluster.list(api_version, kind, namespace, None):
                # A list's items may lack apiVersion and kind; what a dry run compares needs them.
                item = dict(item, apiVersion=api_version, kind=kind)
                if identity(item) in wanted:
                    current[identity(item)] = item
            for key in wanted:
                current.setdefault(key, None)
        return current

    def delete(self, objects, wait=False, wait_timeout=120):
        for obj in objects:
            before = self.cluster.get(obj)
            if before is None:
                self._record(obj, "absent", None, None)
                continue
            if not self.check_mode:
                self.cluster.delete(obj)
                if wait:
                    self._wait_gone(obj, wait_timeout)
            self._record(obj, "deleted", before, None)

    def prune_allow_lists(self, allow_lists, applied):
        """Delete the policies of each allow-list that `applied` does not hold (after an apply), or all of
        them (applied None: the allow-list is removed), as allow_policies.stale_policies orders them."""
        for allow_list in allow_lists:
            namespace = allow_list["namespace"]
            found = self.cluster.list(API_VERSION, "AuthorizationPolicy", namespace, "app.kubernetes.io/managed-by=kyma.mtls")
            rendered = None if applied is None else [
                obj for obj in applied if obj["kind"] == "AuthorizationPolicy" and obj["metadata"].get("namespace") == namespace]
            self.delete(stale_policies(found, allow_list["name"], namespace, rendered, allow_list.get("replaces") or []))

    def _wait_gone(self, obj, timeout):
        deadline = time.monotonic() + timeout
        while self.cluster.get(obj) is not None:
            if time.monotonic() > deadline:
                raise MtlsError("%s is still there %d s after its deletion (finalizers?); wait_timeout may be too short"
                                % (reference(obj), timeout))
            time.sleep(0.5)

    def _record(self, obj, action, before, after):
        self.results.append({"object": reference(obj), "action": action})
        if action in ("unchanged", "absent"):
            return
        self.diffs.append({"before_header": reference(obj), "after_header": reference(obj),
                           "before": shown(before), "after": shown(after, compared_with=before or {})})
