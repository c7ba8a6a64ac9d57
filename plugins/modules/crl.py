#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: crl
short_description: Revoke client certificates with a CRL the mTLS gateway checks
version_added: 0.2.0
description:
  - Writes a PEM certificate revocation list signed by a CA, listing the certificates given in
    O(revoked). Put it into the gateway's credential Secret as C(ca.crl) (the role
    C(kyma.mtls.gateway) does this with C(gateway_client_crl)) and Istio's gateway refuses those
    client certificates at the TLS handshake.
  - The CRL is written again only when the revoked set changes, when it is not signed by the CA,
    or when its nextUpdate is within O(renew_before_days); each new CRL gets the next CRL number
    and keeps the revocation dates of certificates revoked before.
  - A CRL past its nextUpdate makes Envoy refuse every certificate of that CA, so run the task
    again before then (for example whenever the playbook runs).
author:
  - kyma.mtls developers (@kyma-mtls)
requirements:
  - cryptography >= 42.0 on the host that runs the module
attributes:
  check_mode:
    support: full
    description: Reports whether the CRL would be written and why, without writing it.
  diff_mode:
    support: full
    description: Shows the revoked serial numbers, the CRL number and nextUpdate before and after.
  idempotent:
    support: full
    description: A second run with the same options reports no change and rewrites nothing.
options:
  path:
    description: Where the PEM CRL is written. Its directory must exist.
    type: path
    required: true
  ca_path:
    description: PEM file of the CA certificate that issued the revoked certificates and signs the CRL.
    type: path
    required: true
  ca_private_key_path:
    description: PEM file of the CA's private key. When it is encrypted, give its passphrase in O(ca_private_key_passphrase).
    type: path
    required: true
  ca_private_key_passphrase:
    description: The passphrase of an encrypted O(ca_private_key_path). A missing or wrong one is an error.
    type: str
    version_added: 0.5.0
  revoked:
    description:
      - The certificates to revoke, each by O(revoked[].path) (a PEM certificate issued by the CA) or
        O(revoked[].serial_number). An empty list writes a CRL that revokes nothing.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: PEM file of the certificate to revoke.
        type: path
      serial_number:
        description: Serial number of the certificate to revoke.
        type: int
  revoked_paths:
    description:
      - PEM files of certificates to revoke, issued by the CA; the same as O(revoked) entries with only
        O(revoked[].path), and revoked together with them.
    type: list
    elements: path
    default: []
    version_added: 0.5.0
  valid_days:
    description: Days from now until the CRL's nextUpdate.
    type: int
    default: 30
  renew_before_days:
    description: Write a new CRL when its nextUpdate is this many days away or less.
    type: int
    default: 7
  mode:
    description: File mode of the CRL (it holds no secret).
    type: raw
    default: "0644"
"""

EXAMPLES = r"""
- name: Revoke client1's certificate at the gateway
  kyma.mtls.crl:
    path: pki/client-ca.crl
    ca_path: pki/client-ca.crt
    ca_private_key_path: pki/client-ca.key
    revoked:
      - path: pki/client1.crt
  register: crl

- name: Put the CRL into the gateway's credential Secret
  ansible.builtin.include_role:
    name: kyma.mtls.gateway
  vars:
    gateway_client_crl: "{{ crl.path }}"
"""

RETURN = r"""
path:
  description: Path of the CRL.
  returned: always
  type: str
revoked:
  description: The revoked certificates, by serial number and where they came from.
  returned: always
  type: list
  elements: dict
  sample: [{"serial_number": 1234, "certificate": "pki/client1.crt"}]
crl_number:
  description: The CRL number (it grows by one with each CRL written).
  returned: when the CRL exists or is written
  type: int
next_update:
  description: When the CRL runs out (ISO 8601, UTC).
  returned: when the CRL exists or is written
  type: str
  sample: "2026-12-28T16:00:00Z"
reasons:
  description: Why the CRL was (or in check mode would be) written; empty when it was kept.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.kyma.mtls.plugins.module_utils.execute import execute
from ansible_collections.kyma.mtls.plugins.module_utils.pki.crl import ensure_crl


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "ca_path": {"type": "path", "required": True},
            "ca_private_key_path": {"type": "path", "required": True},
            "ca_private_key_passphrase": {"type": "str", "no_log": True},
            "revoked": {"type": "list", "elements": "dict", "default": [], "options": {
                "path": {"type": "path"},
                "serial_number": {"type": "int"},
            }},
            "revoked_paths": {"type": "list", "elements": "path", "default": []},
            "valid_days": {"type": "int", "default": 30},
            "renew_before_days": {"type": "int", "default": 7},
            "mode": {"type": "raw", "default": "0644"},
        },
        supports_check_mode=True,
    )
    execute(module, ensure_crl)


if __name__ == "__main__":
    main()
