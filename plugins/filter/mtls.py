# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters: kyma.mtls.xfcc_parse, kyma.mtls.envoy_subject, kyma.mtls.restricting_policies and
kyma.mtls.unrestricted_exposures (documented in their .yml files)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.kyma.mtls.plugins.module_utils.envoy_name import envoy_name_from_der
from ansible_collections.kyma.mtls.plugins.module_utils import exposure_guard
from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError

# What needs cryptography is imported by the filters that use it. To find any one kyma.mtls filter,
# ansible-core imports every filter file of the collection, in the worker of each task that uses one:
# an import here would cost every such task a fifth of a second.


def _need_cryptography(name):
    from ansible_collections.kyma.mtls.plugins.module_utils.pki.crypto import (  # pylint: disable=import-outside-toplevel
        CRYPTOGRAPHY_PROBLEM)
    if CRYPTOGRAPHY_PROBLEM:
        raise AnsibleFilterError("%s: %s on the controller" % (name, CRYPTOGRAPHY_PROBLEM))


def xfcc_parse(header):
    """X-Forwarded-Client-Cert value -> list of element dicts (no validation)."""
    _need_cryptography("kyma.mtls.xfcc_parse")
    from ansible_collections.kyma.mtls.plugins.module_utils.xfcc import parse_xfcc  # pylint: disable=import-outside-toplevel
    from ansible_collections.kyma.mtls.plugins.module_utils.xfcc_checks import describe  # pylint: disable=import-outside-toplevel
    if not isinstance(header, str):
        raise AnsibleFilterError("kyma.mtls.xfcc_parse expects the header value as a string, got %s" % type(header).__name__)
    try:
        return [describe(element) for element in parse_xfcc(header)]
    except MtlsError as exc:
        raise AnsibleFilterError("kyma.mtls.xfcc_parse: %s" % exc)


def envoy_subject(pem, field="subject"):
    """Certificate PEM -> its subject (or issuer) exactly as Envoy prints it."""
    _need_cryptography("kyma.mtls.envoy_subject")
    from ansible_collections.kyma.mtls.plugins.module_utils.pki.crypto import x509  # pylint: disable=import-outside-toplevel
    if field not in ("subject", "issuer"):
        raise AnsibleFilterError("kyma.mtls.envoy_subject: field must be subject or issuer, got %r" % (field,))
    try:
        certificate = x509.load_pem_x509_certificate(to_bytes(pem))
    except (ValueError, TypeError):
        raise AnsibleFilterError("kyma.mtls.envoy_subject expects a PEM certificate")
    name = certificate.subject if field == "subject" else certificate.issuer
    return envoy_name_from_der(name.public_bytes())


def restricting_policies(policies, pod_labels):
    """AuthorizationPolicy objects -> names of the DENY ones that apply to pods with pod_labels."""
    if not isinstance(pod_labels, dict):
        raise AnsibleFilterError("kyma.mtls.restricting_policies: pod_labels must be a dict of labels")
    return exposure_guard.restricting_policies(policies or [], pod_labels)


def unrestricted_exposures(exposures, services, policies, namespace, without=None):
    """APIRules and VirtualServices -> the ones that would reach pods no DENY policy restricts."""
    return exposure_guard.unrestricted_exposures(exposures or [], services or [], policies or [], namespace, without)


class FilterModule:
    def filters(self):
        return {"xfcc_parse": xfcc_parse, "envoy_subject": envoy_subject, "restricting_policies": restricting_policies,
                "unrestricted_exposures": unrestricted_exposures}
