# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters: kyma.mtls.sample_objects, kyma.mtls.gateway_objects and kyma.mtls.gateway_refusals
(documented in their .yml files). The roles render with them, and kyma.mtls.job with the same code."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.kyma.mtls.plugins.module_utils.gateway_objects import gateway_object, refused_objects
from ansible_collections.kyma.mtls.plugins.module_utils.samples import sample_objects as samples_of


def sample_objects(samples, namespace, httpbin_image, function_runtime):
    """Sample names -> their objects (httpbin's ServiceAccount, Service, Deployment and Sidecar; the Function)."""
    if not isinstance(samples, (list, tuple)):
        raise AnsibleFilterError("kyma.mtls.sample_objects expects a list of sample names")
    try:
        return samples_of(list(samples), namespace, httpbin_image, function_runtime)
    except ValueError as exc:
        raise AnsibleFilterError("kyma.mtls.sample_objects: %s" % exc)


def gateway_objects(name, namespace, hosts, selector, port, credential_name, min_protocol_version):
    """The Gateway's name -> [the mTLS Gateway]."""
    return [gateway_object(name, namespace, hosts, selector, port, credential_name, min_protocol_version)]


def gateway_refusals(credential_name, ingress_namespace):
    """The credential's name -> what must not exist beside it (kyma.mtls.apply's refuse_existing)."""
    return refused_objects(credential_name, ingress_namespace)


class FilterModule:
    def filters(self):
        return {"sample_objects": sample_objects, "gateway_objects": gateway_objects, "gateway_refusals": gateway_refusals}
