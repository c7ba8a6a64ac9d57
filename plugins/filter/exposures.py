# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters: kyma.mtls.exposure_objects, kyma.mtls.unprotected_services and kyma.mtls.workload_services
(documented in their .yml files)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.kyma.mtls.plugins.module_utils import exposure_guard, exposures
from ansible_collections.kyma.mtls.plugins.module_utils.inputs import role_problems


def exposure_objects(services, mode, namespace, gateway, rules, headers, timeout=180):
    """[{name, port, host, exposure}] -> one APIRule or VirtualService per Service, in the same order."""
    problems = role_problems("expose", {"expose_mode": mode, "expose_namespace": namespace, "expose_gateway": gateway,
                                        "expose_rules": rules, "expose_services": services})
    if not isinstance(services, list) or not services:
        problems.append("services: must be a non-empty list of {name, port, host}")
    if problems:
        raise AnsibleFilterError("kyma.mtls.exposure_objects: %s" % "; ".join(problems))
    services = [dict(s, exposure=s.get("exposure") or "%s-mtls" % s["name"]) for s in services]
    return exposures.exposure_objects(services, mode, namespace, gateway, rules, dict(headers or {}), timeout)


def workload_services(workloads, domain):
    """The main job's mtls_workloads -> the expose role's expose_services (host names in the domain)."""
    return [{"name": w["name"], "port": w["port"], "host": "%s.%s" % (w["host"], domain)} for w in workloads or []]


def unprotected_services(names, services, policies):
    """Service names -> the problems of exposing them now (missing, or no DENY policy restricts their pods)."""
    return exposure_guard.unprotected_services(list(names or []), services or [], policies or [])


class FilterModule:
    def filters(self):
        return {"exposure_objects": exposure_objects, "unprotected_services": unprotected_services,
                "workload_services": workload_services}
