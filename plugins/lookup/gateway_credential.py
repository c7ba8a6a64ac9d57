# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: gateway_credential
short_description: The credential Secret of an Istio MUTUAL TLS gateway, from PEM files
version_added: 0.5.0
description:
  - Reads the gateway's server certificate and private key, the client CAs it trusts and their CRLs on the
    controller, and returns the C(kubernetes.io/tls) Secret that a Gateway server names in C(credentialName)
    (keys C(tls.crt), C(tls.key), C(ca.crt) and, when there are CRLs, C(ca.crl)). Several client CAs (a rollover)
    and CRLs are concatenated, as Envoy trusts and checks them all.
  - The Secret holds the private key. Apply it with M(kyma.mtls.apply), which never shows Secret data, or in a task
    with C(no_log).
  - The role C(kyma.mtls.gateway) uses it; it reads the files without copying the play's variables, which is what
    the C(ansible.builtin.template) lookup does and what costs seconds when the play holds thousands of clients.
author:
  - kyma.mtls developers (@kyma-mtls)
options:
  _terms:
    description: The Secret's name.
    type: str
    required: true
  namespace:
    description: The Secret's namespace, the ingress gateway's (C(istio-system) in Kyma).
    type: str
    required: true
  certificate:
    description: PEM file of the gateway's server certificate (and its chain).
    type: path
  private_key:
    description: PEM file of its private key.
    type: path
  client_cas:
    description: PEM files of the client CAs the gateway trusts.
    type: list
    elements: path
    default: []
  client_crls:
    description: PEM CRLs of those CAs; none leaves C(ca.crl) out.
    type: list
    elements: path
    default: []
  data:
    description:
      - V(false) returns the Secret without data, enough to delete it, and reads no file.
    type: bool
    default: true
  missing_ok:
    description:
      - Put C(issued on apply) in place of files that cannot be read, instead of failing (for check mode, before the
        files are issued).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Apply the gateway's credential
  kyma.mtls.apply:
    objects:
      - "{{ lookup('kyma.mtls.gateway_credential', 'kyma-mtls-credential', namespace='istio-system',
          certificate='pki/gateway.crt', private_key='pki/gateway.key', client_cas=['pki/client-ca.crt']) }}"
"""

RETURN = r"""
_value:
  description: The Secret, one object (C(apiVersion), C(kind), C(type), C(metadata), C(data) with base64 values).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.kyma.mtls.plugins.module_utils.credential_secret import credential_secret, read_credential
from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        if len(terms) != 1 or not isinstance(terms[0], str) or not terms[0]:
            raise AnsibleLookupError("kyma.mtls.gateway_credential takes one term, the Secret's name")
        contents = None
        if self.get_option("data"):
            try:
                contents = read_credential(self.get_option("certificate"), self.get_option("private_key"),
                                           self.get_option("client_cas"), self.get_option("client_crls"),
                                           self.get_option("missing_ok"))
            except MtlsError as exc:
                raise AnsibleLookupError("kyma.mtls.gateway_credential: %s" % exc)
        return [credential_secret(terms[0], self.get_option("namespace"), contents)]
