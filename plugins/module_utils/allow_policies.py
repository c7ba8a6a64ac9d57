# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The DENY AuthorizationPolicies that let only the allowed client certificates through the
ingress gateway (roles/authorization/README.md explains the design).

DENY, not ALLOW: an APIRule noAuth rule adds its own ALLOW policy for the ingress gateway, and Istio
lets a request in when any ALLOW policy matches, so an ALLOW on the header would restrict nothing.

Up to a few hundred allowed clients this is one policy, with one rule on the subject header and,
when fingerprints are pinned, one on X-Forwarded-Client-Cert. Longer lists are cut into prefix
buckets (allow_list.py); the buckets' rules go into policies of their own, at most POLICY_BYTES
each, named after the prefixes they cover, and the catch-all rules stay in the main policy. The
caller applies the list in order (buckets first, the main policy last) and then deletes the
policies of the same allow-list that it no longer renders.
"""

from __future__ import annotations

import hashlib
import json

from ansible_collections.kyma.mtls.plugins.module_utils.allow_list import BUCKET_SIZE, deny_conditions

API_VERSION = "security.istio.io/v1"
MANAGED_BY = "kyma.mtls"
# The label that ties a bucket policy to its main policy, so that the caller finds stale ones.
ALLOW_LIST_LABEL = "kyma.mtls/allow-list"
XFCC = "request.headers[x-forwarded-client-cert]"
# Far below etcd's 1.5 MiB limit, and what istiod pushes again when one bucket changes.
POLICY_BYTES = 128 * 1024
# The authorization role's defaults, which the main job keeps: the header the exposure sets from the
# client certificate's subject, and the ingress gateway's identity.
SUBJECT_HEADER = "x-client-ssl-cn"
GATEWAY_PRINCIPALS = ("cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account",)


def _source_and_hosts(principals, hosts):
    """What every rule checks besides the header: traffic from the gateway, to these hosts (all if none)."""
    part = {"from": [{"source": {"principals": list(principals)}}]}
    if hosts:
        part["to"] = [{"operation": {"hosts": list(hosts) + [host + ":*" for host in hosts]}}]
    return part


def _metadata(name, namespace, main_name):
    return {"name": name, "namespace": namespace,
            "labels": {"app.kubernetes.io/managed-by": MANAGED_BY, ALLOW_LIST_LABEL: main_name}}


def _policy(name, namespace, main_name, labels, rules):
    spec = {"action": "DENY", "rules": rules}
    if labels:
        spec = {"selector": {"matchLabels": dict(labels)}, "action": "DENY", "rules": rules}
    return {"apiVersion": API_VERSION, "kind": "AuthorizationPolicy",
            "metadata": _metadata(name, namespace, main_name), "spec": spec}


def allow_list_policies(name, namespace, labels, principals, subject_header, subjects, fingerprints=(),
                        hosts=(), bucket_size=BUCKET_SIZE, policy_bytes=POLICY_BYTES):
    """The policies, in the order to apply them: bucket policies (if any), then the main policy `name`.
    labels: the pods' labels ({}: every pod of the namespace)."""
    common = _source_and_hosts(principals, hosts)
    keyed = [("request.headers[%s]" % subject_header, list(subjects))]
    if fingerprints:
        keyed.append((XFCC, ["Hash=%s;*" % fingerprint.lower() for fingerprint in fingerprints]))
    main_rules, bucket_rules = [], []
    for key, values in keyed:
        for prefixes, when in deny_conditions(key, values, bucket_size):
            rule = dict(common, when=when)
            (main_rules if prefixes is None else bucket_rules).append(((key, prefixes), rule))
    policies = [_policy("%s-%s" % (name, _digest(covers)), namespace, name, labels, rules)
                for covers, rules in _packed(bucket_rules, policy_bytes)]
    return policies + [_policy(name, namespace, name, labels, [rule for dummy, rule in main_rules])]


def _packed(bucket_rules, policy_bytes):
    """[(what the rules cover, rules)] with at most policy_bytes of rules in each (one rule at least)."""
    packs, size = [], 0
    for covers, rule in bucket_rules:
        rule_bytes = len(json.dumps(rule, separators=(",", ":")))
        if not packs or size + rule_bytes > policy_bytes:
            packs.append(([], []))
            size = 0
        packs[-1][0].append(covers)
        packs[-1][1].append(rule)
        size += rule_bytes
    return packs


def _digest(covers):
    """A name part that stays while the policy covers the same prefixes, whatever values they hold,
    so that a changed bucket is updated in place and a re-cut list gets new names."""
    return hashlib.sha256(json.dumps(covers, sort_keys=True).encode("utf-8")).hexdigest()[:10]


def stale_policies(found, name, namespace, rendered=None, replaces=()):
    """References (apiVersion, kind, name, namespace) of the found policies (as k8s_info lists them) of
    the allow-list `name`, or named in `replaces`, that are not among the rendered ones: to delete once
    those are applied. Without rendered (state absent): all of them, the main policy last."""
    keep = {policy["metadata"]["name"] for policy in rendered or []}
    names = set()
    for policy in found:
        metadata = policy.get("metadata") or {}
        if (metadata.get("labels") or {}).get(ALLOW_LIST_LABEL) == name or metadata.get("name") in replaces:
            names.add(metadata["name"])
    if rendered is None:
        names.discard(name)
        ordered = sorted(names) + [name]
    else:
        ordered = sorted(names - keep)
    return [{"apiVersion": API_VERSION, "kind": "AuthorizationPolicy", "metadata": {"name": n, "namespace": namespace}}
            for n in ordered]
