# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters: kyma.mtls.allow_list_policies, kyma.mtls.stale_policies and kyma.mtls.allowed_identities
(documented in their .yml files)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.kyma.mtls.plugins.module_utils import allow_policies, identities
from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError


def _strings(name, value):
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise AnsibleFilterError("kyma.mtls.allow_list_policies: %s must be a list of strings" % name)
    return list(value)


def allow_list_policies(subjects, name, namespace, labels, principals, subject_header, fingerprints=None, hosts=None):
    """Allowed subjects -> the DENY AuthorizationPolicies that let in only them, in the order to apply."""
    if not isinstance(labels, dict):
        raise AnsibleFilterError("kyma.mtls.allow_list_policies: labels must be a dict ({} for the whole namespace)")
    return allow_policies.allow_list_policies(
        name, namespace, labels, _strings("principals", principals), subject_header, _strings("subjects", subjects),
        _strings("fingerprints", fingerprints or []), _strings("hosts", hosts or []))


def stale_policies(found, name, namespace, rendered=None, replaces=None):
    """Policies found in the cluster -> references to those of allow-list `name` (or in replaces) not
    rendered now; all of them, the main policy last, without rendered (to delete the allow-list)."""
    return allow_policies.stale_policies(found or [], name, namespace, rendered, replaces or [])


def allowed_identities(clients, allowed, pin=True):
    """certificates_issued.clients and the allowed names -> {'subjects': [...], 'fingerprints': [...]}: each
    allowed client's subject, and (pin) its certificate's fingerprint and the one a renewal replaced."""
    if not isinstance(clients, dict):
        raise AnsibleFilterError("kyma.mtls.allowed_identities: expects certificates_issued.clients (name -> result)")
    try:
        return identities.allowed_identities(clients, list(allowed or []), pin)
    except MtlsError as exc:
        raise AnsibleFilterError("kyma.mtls.allowed_identities: %s" % exc)


class FilterModule:
    def filters(self):
        return {"allow_list_policies": allow_list_policies, "stale_policies": stale_policies,
                "allowed_identities": allowed_identities}
