#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: certificate_info
short_description: Read existing certificates as an mTLS gateway and its policies see them
version_added: 0.5.0
description:
  - Reads PEM certificates from files (every certificate of each file, so a chain or a CA bundle gives all of
    them) or from PEM text, and returns for each the subject and issuer exactly as Envoy prints them (the form
    an AuthorizationPolicy and the X-Forwarded-Client-Cert C(Subject) use), the SHA-256 fingerprint (what
    C(kyma.mtls.allowed_identities) pins), serial number, subject alternative names, extended key usages,
    validity and the days left.
  - So certificates issued elsewhere (a corporate PKI, openssl as in Kyma's guide) can be pinned and reported
    on without issuing anything. With O(expiring_within_days) it also lists the certificates that expire
    within that many days (or have expired), soonest first.
  - Other PEM blocks in a file, such as a private key, are skipped and never read or returned.
author:
  - kyma.mtls developers (@kyma-mtls)
extends_documentation_fragment:
  - kyma.mtls.read_only
options:
  paths:
    description: PEM files, each with one or more certificates.
    type: list
    elements: path
    default: []
  content:
    description: PEM text with one or more certificates, read after O(paths).
    type: str
  ca_path:
    description:
      - PEM bundle of CAs. Each certificate then tells in RV(certificates[].issued_by_ca) whether one of them signed it
        directly.
    type: path
  expiring_within_days:
    description:
      - Also return RV(expiring), the certificates whose notAfter is within this many days from now (0 lists the
        expired ones).
    type: int
notes:
  - Give O(paths), O(content), or both.
"""

EXAMPLES = r"""
- name: Read the client certificates the corporate PKI issued
  kyma.mtls.certificate_info:
    paths: [pki/team-a.crt, pki/team-b.crt]
    ca_path: pki/corporate-client-ca.crt
    expiring_within_days: 30
  register: clients

- name: Pin them in the allow-list
  ansible.builtin.include_role:
    name: kyma.mtls.authorization
  vars:
    authorization_allowed_subjects: "{{ clients.certificates | map(attribute='subject') | list }}"
    authorization_allowed_fingerprints: "{{ clients.certificates | map(attribute='fingerprint_sha256') | list }}"

- name: Warn about certificates that expire soon
  ansible.builtin.debug:
    msg: "{{ item.source }} ({{ item.subject }}) expires on {{ item.not_after }}"
  loop: "{{ clients.expiring }}"
"""

RETURN = r"""
certificates:
  description: Each certificate, in the order of O(paths) and then O(content), and within a file in its order.
  returned: always
  type: list
  elements: dict
  contains:
    source:
      description: The file it came from, or C(content).
      type: str
      sample: pki/team-a.crt
    index:
      description: Its position within its source (0 is the first).
      type: int
      sample: 0
    subject:
      description: The subject as Envoy prints it (most specific attribute first).
      type: str
      sample: O=example,CN=client2.example.com
    issuer:
      description: The issuer as Envoy prints it.
      type: str
      sample: O=example Inc.,CN=ClientRootCA
    fingerprint_sha256:
      description: SHA-256 of the DER certificate, lowercase hex.
      type: str
    serial_number:
      description: The serial number.
      type: int
    not_before:
      description: Start of validity (ISO 8601, UTC).
      type: str
    not_after:
      description: End of validity (ISO 8601, UTC).
      type: str
      sample: "2027-11-29T12:00:00Z"
    days_left:
      description: Whole days until notAfter; negative once it has passed.
      type: int
    expired:
      description: Whether notAfter has passed.
      type: bool
    dns_names:
      description: DNS names of the subject alternative name extension.
      type: list
      elements: str
    ip_addresses:
      description: IP addresses of the subject alternative name extension.
      type: list
      elements: str
    uris:
      description: URIs of the subject alternative name extension.
      type: list
      elements: str
    extended_key_usages:
      description: C(serverAuth), C(clientAuth), or the dotted OID of another usage.
      type: list
      elements: str
      sample: [clientAuth]
    kind:
      description: C(ca), C(server) or C(client) when the certificate is exactly that, else null.
      type: str
    issued_by_ca:
      description: Whether a CA of O(ca_path) signed it directly.
      returned: when O(ca_path) is given
      type: bool
expiring:
  description: The certificates that expire within O(expiring_within_days) (or have expired), soonest first.
  returned: when O(expiring_within_days) is given
  type: list
  elements: dict
  contains:
    source:
      description: The file it came from, or C(content).
      type: str
    index:
      description: Its position within its source.
      type: int
    subject:
      description: The subject as Envoy prints it.
      type: str
    not_after:
      description: End of validity (ISO 8601, UTC).
      type: str
    days_left:
      description: Whole days until notAfter; negative once it has passed.
      type: int
    expired:
      description: Whether notAfter has passed.
      type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.kyma.mtls.plugins.module_utils.execute import execute
from ansible_collections.kyma.mtls.plugins.module_utils.pki.info import certificate_info


def main():
    module = AnsibleModule(
        argument_spec={
            "paths": {"type": "list", "elements": "path", "default": []},
            "content": {"type": "str"},
            "ca_path": {"type": "path"},
            "expiring_within_days": {"type": "int"},
        },
        supports_check_mode=True,
    )
    execute(module, certificate_info)


if __name__ == "__main__":
    main()
