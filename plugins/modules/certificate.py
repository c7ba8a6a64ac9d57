#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: certificate
short_description: Issue a CA, server or client certificate and its private key for an mTLS gateway
version_added: 0.1.0
description:
  - Issues one X.509 certificate and its private key as files on the host that runs the module,
    for the Istio mutual-TLS gateway in front of a Kyma or Istio workload.
  - O(kind=ca) makes a self-signed CA (basicConstraints CA:TRUE, pathlen 0; keyUsage keyCertSign
    and cRLSign). O(kind=server) makes a gateway certificate (extended key usage serverAuth only).
    O(kind=client) makes a client certificate (extended key usage clientAuth only, as Kyma
    requires). Server and client certificates carry subject and authority key identifiers and are
    signed by O(ca_path) and O(ca_private_key_path).
  - To issue many certificates from one CA in one task, use M(kyma.mtls.certificate_set).
author:
  - kyma.mtls developers (@kyma-mtls)
extends_documentation_fragment:
  - kyma.mtls.certificate
options:
  state:
    description:
      - V(present) issues, renews or keeps the certificate and its key.
      - V(absent) removes the certificate, its private key and a kept previous certificate (C(<path>.previous)).
        Only O(path), O(private_key_path) and O(backup) matter then.
    type: str
    choices: [present, absent]
    default: present
    version_added: 0.5.0
  kind:
    description:
      - What the certificate is for. Required with O(state=present).
    type: str
    choices: [ca, server, client]
  path:
    description:
      - Where the PEM certificate is written. Its directory must exist.
    type: path
    required: true
  private_key_path:
    description:
      - Where the PEM private key (PKCS#8, unencrypted) is written, with O(mode).
    type: path
    required: true
  subject:
    description:
      - The subject, RDN by RDN, in the order C(openssl req -subj) would encode them.
      - >-
        Either a list of mappings such as C([{CN: client2.example.com}, {O: example}]) (a mapping
        with several keys is one multi-valued RDN), or the openssl string C(/CN=client2.example.com/O=example)
        (C(+) joins a multi-valued RDN, C(\\) escapes C(/), C(+) and C(\\)).
      - Attribute names are CN, O, OU, C, L, ST, street, postalCode, serialNumber, title, description,
        GN, SN, initials, generationQualifier, dnQualifier, pseudonym, UID, DC, emailAddress
        (also their long forms, any case), or a dotted OID.
      - Required with O(state=present).
    type: raw
  dns_names:
    description:
      - DNS subject alternative names, for example C(*.example.com). A wildcard may only be the
        whole leftmost label. O(kind=server) needs at least one DNS name or IP address.
    type: list
    elements: str
    default: []
  ip_addresses:
    description:
      - IPv4 or IPv6 subject alternative names.
    type: list
    elements: str
    default: []
  uris:
    description:
      - URI subject alternative names, for example SPIFFE IDs.
    type: list
    elements: str
    default: []
  owner:
    description:
      - Name or number of the user that owns the certificate and the private key. The files are changed when it
        differs. Unset, the files belong to whoever runs the module.
    type: str
    version_added: 0.5.0
  group:
    description:
      - Name or number of the group of the certificate and the private key. The files are changed when it differs.
    type: str
    version_added: 0.5.0
  backup:
    description:
      - Before the certificate or the private key is replaced or removed, keep a copy of it beside it, named
        C(<file>.<pid>.<time>~) as Ansible's O(backup) options name them. A key's copy has the key's mode.
    type: bool
    default: false
    version_added: 0.5.0
seealso:
  - module: kyma.mtls.certificate_set
  - name: Kyma tutorial, expose and secure a workload with a certificate
    description: The manual steps this collection automates.
    link: https://kyma-project.io/
"""

EXAMPLES = r"""
- name: Client root CA, as in the Kyma tutorial
  kyma.mtls.certificate:
    kind: ca
    subject: /O=example Inc./CN=ClientRootCA
    path: /etc/mtls/client-ca.crt
    private_key_path: /etc/mtls/client-ca.key
    valid_days: 3650

- name: Gateway certificate for every host of the domain
  kyma.mtls.certificate:
    kind: server
    subject: [{CN: "*.example.com"}]
    dns_names: ["*.example.com"]
    ca_path: /etc/mtls/client-ca.crt
    ca_private_key_path: /etc/mtls/client-ca.key
    path: /etc/mtls/gateway.crt
    private_key_path: /etc/mtls/gateway.key

- name: Client certificate whose subject the authorization policy lets in
  kyma.mtls.certificate:
    kind: client
    subject:
      - CN: client2.example.com
      - O: example
    uris: [spiffe://example.com/client2]
    ca_path: /etc/mtls/client-ca.crt
    ca_private_key_path: /etc/mtls/client-ca.key
    path: /etc/mtls/client2.crt
    private_key_path: /etc/mtls/client2.key
  register: client2

- name: Use the subject exactly as Envoy will forward it
  ansible.builtin.debug:
    msg: "Allow {{ client2.subject }}"  # O=example,CN=client2.example.com
"""

RETURN = r"""
subject:
  description:
    - The certificate's subject exactly as Envoy prints it in C(%DOWNSTREAM_PEER_SUBJECT%) and the
      XFCC C(Subject) (RFC 2253 order, BoringSSL's escaping).
    - In check mode, when the certificate would be issued, the subject it would have.
  returned: with O(state=present)
  type: str
  sample: O=example,CN=client2.example.com
issuer:
  description: The issuer, formatted like RV(subject).
  returned: with O(state=present)
  type: str
  sample: CN=ClientRootCA,O=example Inc.
fingerprint_sha256:
  description:
    - Lowercase hex SHA-256 of the DER certificate; the XFCC C(Hash) of a request made with it.
    - In check mode, when the certificate would be issued, the text C((known after apply)).
  returned: with O(state=present)
  type: str
  sample: 269d8c80411226e3d867699542b860d030da826aa5172a402572b486d04e31e8
serial_number:
  description: Serial number of the certificate.
  returned: when the certificate is kept or was issued (not in check mode when it would be issued)
  type: int
not_before:
  description: Start of validity, ISO 8601 UTC.
  returned: when the certificate is kept or was issued (not in check mode when it would be issued)
  type: str
  sample: "2026-11-27T22:35:00Z"
not_after:
  description: End of validity, ISO 8601 UTC.
  returned: with O(state=present)
  type: str
  sample: "2027-11-27T22:40:00Z"
dns_names:
  description: DNS subject alternative names.
  returned: with O(state=present)
  type: list
  elements: str
ip_addresses:
  description: IP address subject alternative names.
  returned: with O(state=present)
  type: list
  elements: str
uris:
  description: URI subject alternative names.
  returned: with O(state=present)
  type: list
  elements: str
kind:
  description: C(ca), C(server) or C(client), read back from the certificate's extensions.
  returned: with O(state=present)
  type: str
reasons:
  description: Why the certificate was (or in check mode would be) issued; empty when it was kept.
  returned: always
  type: list
  elements: str
  sample: ["it expires within renew_before_days (30)"]
key_regenerated:
  description: Whether a new private key was (or would be) generated.
  returned: with O(state=present)
  type: bool
path:
  description: Path of the certificate.
  returned: always
  type: str
private_key_path:
  description: Path of the private key.
  returned: always
  type: str
previous:
  description:
    - With O(previous=keep), the certificate the last renewal replaced (C(<path>.previous)), with the same facts as
      the current certificate (subject, issuer, fingerprint_sha256, serial_number, not_after, ...) and its C(path).
  returned: with O(previous=keep), once a renewal has replaced a certificate, until it is retired
  type: dict
  sample:
    path: /etc/mtls/client2.crt.previous
    fingerprint_sha256: 0b7f5f6c1f2e4d9a3c8b7a6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f
    not_after: "2027-11-27T22:40:00Z"
removed:
  description: With O(state=absent), the files removed (or, in check mode, to be removed).
  returned: with O(state=absent)
  type: list
  elements: str
  sample: [/etc/mtls/client2.crt, /etc/mtls/client2.key]
backup_file:
  description: With O(backup=true), the copy of the certificate made before it was replaced or removed.
  returned: when a backup of the certificate was made
  type: str
  sample: /etc/mtls/client2.crt.4242.2026-11-29@20:30:00~
backup_private_key_file:
  description: With O(backup=true), the copy of the private key made before it was replaced or removed (same mode).
  returned: when a backup of the private key was made
  type: str
  sample: /etc/mtls/client2.key.4242.2026-11-29@20:30:00~
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.kyma.mtls.plugins.module_utils.pki.arguments import (
    CERTIFICATE_PRESENT_NEEDS, SIGNED_KINDS_NEED_CA, certificate_argument_spec)
from ansible_collections.kyma.mtls.plugins.module_utils.execute import execute
from ansible_collections.kyma.mtls.plugins.module_utils.pki.runner import issue_one


def main():
    module = AnsibleModule(argument_spec=certificate_argument_spec(), required_if=CERTIFICATE_PRESENT_NEEDS + SIGNED_KINDS_NEED_CA,
                           supports_check_mode=True)
    execute(module, issue_one)


if __name__ == "__main__":
    main()
