# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a workload's exposure is restricted by a DENY AuthorizationPolicy, from the objects of its
namespace: so that a role used alone never exposes a workload no policy restricts, and never takes
away the policy of a workload that is still exposed."""

from __future__ import annotations

from ansible_collections.kyma.mtls.plugins.module_utils.allow_policies import ALLOW_LIST_LABEL


def selects(policy, pod_labels):
    """Whether an AuthorizationPolicy applies to pods with these labels (no selector: all of its namespace)."""
    match = ((policy.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    return all(pod_labels.get(key) == value for key, value in match.items())


def _bucket_of_another(policy):
    """Whether the policy holds buckets of a longer allow-list (allow_policies.py): alone it denies
    only the certificates of its own buckets, so it restricts nothing without its main policy."""
    owner = ((policy.get("metadata") or {}).get("labels") or {}).get(ALLOW_LIST_LABEL)
    return owner is not None and owner != policy["metadata"]["name"]


def restricting_policies(policies, pod_labels):
    """Names of the DENY policies that apply to pods with these labels."""
    return sorted(p["metadata"]["name"] for p in policies
                  if (p.get("spec") or {}).get("action") == "DENY" and selects(p, pod_labels)
                  and not _bucket_of_another(p))


def _service_of_route_host(host, namespace):
    """The Service a VirtualService destination names in namespace, or None (another namespace, a ServiceEntry)."""
    parts = host.split(".")
    if len(parts) == 1 or (len(parts) >= 2 and parts[1] == namespace and (len(parts) == 2 or parts[2] == "svc")):
        return parts[0]
    return None


def exposed_services(exposures, namespace):
    """{exposure name: [Service names]} for APIRules and gateway-bound VirtualServices of a namespace."""
    found = {}
    for item in exposures:
        spec = item.get("spec") or {}
        name = "%s %s" % (item.get("kind", "?"), item["metadata"]["name"])
        if item.get("kind") == "APIRule":
            services = [((spec.get("service") or {}).get("name"))] + [
                (rule.get("service") or {}).get("name") for rule in spec.get("rules") or []]
            services = [s for s in services if s and ((spec.get("service") or {}).get("namespace") or namespace) == namespace]
        else:
            if not [g for g in spec.get("gateways") or [] if g != "mesh"]:
                continue  # only within the mesh: not an exposure through a gateway
            services = [_service_of_route_host((d.get("destination") or {}).get("host", ""), namespace)
                        for route in spec.get("http") or [] for d in route.get("route") or []]
            services = [s for s in services if s]
        if services:
            found[name] = sorted(set(services))
    return found


def unrestricted_exposures(exposures, services, policies, namespace, without=None):
    """Exposures that would reach pods no DENY policy restricts, were the policy named `without` gone.

    services are the namespace's Service objects (their selectors tell which pods an exposure reaches)."""
    selectors = {s["metadata"]["name"]: (s.get("spec") or {}).get("selector") or {} for s in services}
    remaining = [p for p in policies if p["metadata"]["name"] != without]
    problems = []
    for exposure, names in sorted(exposed_services(exposures, namespace).items()):
        for service in names:
            selector = selectors.get(service)
            if selector and not restricting_policies(remaining, selector):
                problems.append("%s reaches Service %s" % (exposure, service))
    return problems


def unprotected_services(names, services, policies):
    """Problems of exposing the named Services now: one that does not exist yet, or whose pods no DENY
    policy restricts. services and policies are the namespace's objects."""
    selectors = {s["metadata"]["name"]: (s.get("spec") or {}).get("selector") or {} for s in services}
    problems = []
    for name in names:
        if name not in selectors:
            problems.append("Service %s does not exist yet" % name)
        elif not restricting_policies(policies, selectors[name]):
            problems.append("no DENY AuthorizationPolicy restricts the pods of Service %s" % name)
    return problems
