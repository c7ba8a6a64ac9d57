#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: certificate_set
short_description: Issue many certificates, or a whole PKI, in one task
version_added: 0.1.0
description:
  - Issues a fleet of certificates signed by one CA, each with its own subject, subject
    alternative names and files, in a single task. The CA is read and checked once and no
    Ansible task runs per certificate, which makes issuing thousands of client certificates fast.
  - Or a whole PKI in one run, handled in order. Items of O(certificates[].kind=ca) are
    self-signed CAs, and an item with O(certificates[].signed_by) is signed by the CA item of that
    name before it (for example a server CA, a client CA, the server certificate and the clients).
    A CA issued again in the run takes the certificates it signs along.
  - Every certificate behaves exactly as with M(kyma.mtls.certificate) (same checks, renewal,
    key reuse, atomic writes); the options that say how to issue are shared by all items, except
    what an item sets for itself (kind, valid_days, previous, force).
  - Every item is validated before any file is written, so one bad item changes nothing.
  - A re-run does not parse again the certificates it found current last time. It keeps a record
    of them, C(certificate-index.json) beside the files (mode 0600, no key material). The record
    holds each certificate's public facts, a digest of its options and its CA, and its files'
    inode, size, modification time and mode. When all of these are unchanged, the recorded facts
    are returned; only the expiry is compared with O(renew_before_days) again. This makes a
    converged run over 10,000 certificates take a fraction of a second. Any change to a file, an
    option or the CA gets the full check. Deleting the record only costs the next run time.
author:
  - kyma.mtls developers (@kyma-mtls)
extends_documentation_fragment:
  - kyma.mtls.certificate
options:
  kind:
    description:
      - What every certificate of the set is for.
    type: str
    choices: [server, client]
    default: client
  directory:
    description:
      - Directory for items that give a O(certificates[].name) instead of paths; their files are
        C(<directory>/<name>.crt) and C(<directory>/<name>.key). It must exist unless O(directory_mode) is set.
    type: path
  directory_mode:
    description:
      - With O(directory), create it with this mode (an octal string such as C("0700")) when it is missing,
        and set the mode when it differs. Unset, the directory must exist and its mode is left alone.
    type: raw
  ca_path:
    description:
      - The task's CA, for items without O(certificates[].signed_by). Not needed when every item is a CA
        or names its signer.
  ca_private_key_path:
    description:
      - The private key of O(ca_path).
  signed_by:
    description:
      - The O(certificates[].name) of a CA item that signs every item without its own
        O(certificates[].signed_by), except the CAs. Unset, the task's O(ca_path) does.
    type: str
    version_added: 0.5.0
  renew:
    description:
      - Names of items (O(certificates[].name)) to issue again now, with new keys, as if each set
        O(certificates[].force). A name that no item has is an error.
    type: list
    elements: str
    default: []
    version_added: 0.5.0
  results:
    description:
      - What RV(certificates) holds. V(all) is every item's result.
      - V(brief) is the results of the CAs, of the server certificates and of the client certificates
        that changed. With thousands of clients, every later task that passes their results on costs
        Ansible seconds; their files are still C(<directory>/<name>.crt) and C(.key), and O(identities_of)
        returns what an allow-list needs of them.
    type: str
    choices: [all, brief]
    default: all
    version_added: 0.5.0
  identities_of:
    description:
      - Names of items (O(certificates[].name)) to return in RV(identities), in this order, as the
        allow-list of an authorization policy takes them. A name that no item has is an error.
    type: list
    elements: str
    default: []
    version_added: 0.5.0
  certificates:
    description:
      - The certificates to issue.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - A name for the certificate, returned with its result; with O(directory) it also names
            the files.
        type: str
      path:
        description:
          - Where the PEM certificate is written.
          - Required unless O(certificates[].name) and O(directory) are given.
        type: path
      private_key_path:
        description:
          - Where the PEM private key is written, with O(mode).
          - Required unless O(certificates[].name) and O(directory) are given.
        type: path
      subject:
        description:
          - The subject, as for M(kyma.mtls.certificate), for example C(/CN=client2.example.com/O=example).
        type: raw
        required: true
      dns_names:
        description: DNS subject alternative names.
        type: list
        elements: str
        default: []
      ip_addresses:
        description: IP address subject alternative names.
        type: list
        elements: str
        default: []
      uris:
        description: URI subject alternative names.
        type: list
        elements: str
        default: []
      kind:
        description:
          - What this certificate is for; unset, O(kind) applies. V(ca) is a self-signed CA that later items
            can name in O(certificates[].signed_by).
        type: str
        choices: [ca, server, client]
      signed_by:
        description:
          - The O(certificates[].name) of a CA item before this one, which signs it; unset, the task's
            O(ca_path) does.
        type: str
      valid_days:
        description: Days this certificate is valid; unset, O(valid_days) applies.
        type: int
      previous:
        description: What a renewal of this certificate keeps; unset, O(previous) applies.
        type: str
        choices: [ignore, keep, retire]
      force:
        description:
          - Issue this certificate again (with a new key) even if it is current; unset, O(force) applies.
          - With O(previous=keep), the replaced certificate is kept, so renewing one client while its
            fingerprint is pinned leaves no gap.
        type: bool
seealso:
  - module: kyma.mtls.certificate
"""

EXAMPLES = r"""
- name: A whole PKI in one task - two CAs, the gateway's certificate and the clients
  kyma.mtls.certificate_set:
    directory: /etc/mtls
    previous: keep
    certificates:
      - {name: server-ca, kind: ca, subject: /O=example Inc./CN=ServerRootCA, valid_days: 3650}
      - {name: client-ca, kind: ca, subject: /O=example Inc./CN=ClientRootCA, valid_days: 3650}
      - {name: gateway, kind: server, signed_by: server-ca, subject: /CN=*.example.com, dns_names: ["*.example.com"]}
      - {name: client1, signed_by: client-ca, subject: /CN=client1.example.com/O=example}

- name: Client certificates named after their clients, in one directory
  kyma.mtls.certificate_set:
    ca_path: /etc/mtls/client-ca.crt
    ca_private_key_path: /etc/mtls/client-ca.key
    directory: /etc/mtls/clients
    valid_days: 90
    renew_before_days: 14
    certificates: "{{ clients }}"  # e.g. [{name: client1, subject: /CN=client1.example.com/O=example}, ...]

- name: Client certificates with explicit paths
  kyma.mtls.certificate_set:
    ca_path: /etc/mtls/client-ca.crt
    ca_private_key_path: /etc/mtls/client-ca.key
    certificates:
      - subject: /CN=client1.example.com/O=example
        path: /etc/mtls/client1.crt
        private_key_path: /etc/mtls/client1.key
      - subject: /CN=client2.example.com/O=example
        uris: [spiffe://example.com/client2]
        path: /etc/mtls/client2.crt
        private_key_path: /etc/mtls/client2.key
  register: clients

- name: Subjects as Envoy forwards them, for an authorization policy
  ansible.builtin.set_fact:
    allowed_subjects: "{{ clients.certificates | map(attribute='subject') | list }}"
"""

RETURN = r"""
certificates:
  description:
    - One result per item of O(certificates), in the same order, with the same keys that
      M(kyma.mtls.certificate) returns (subject as Envoy prints it, issuer, fingerprint_sha256,
      serial_number, not_before, not_after, SANs, reasons, key_regenerated, paths, and C(previous)
      with O(previous=keep)) plus C(changed) and C(name).
  returned: always
  type: list
  elements: dict
  sample:
    - changed: true
      name: client1
      subject: O=example,CN=client1.example.com
      issuer: CN=ClientRootCA,O=example Inc.
      fingerprint_sha256: 0b7f5f6c1f2e4d9a3c8b7a6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f
      reasons: ["the certificate is missing or unreadable"]
identities:
  description:
    - The items of O(identities_of) as an allow-list pins them, as the filter
      P(kyma.mtls.allowed_identities#filter) returns them from full results.
  returned: when O(identities_of) is not empty
  type: dict
  contains:
    subjects:
      description: Each item's subject as Envoy prints it, in the order of O(identities_of).
      type: list
      elements: str
      sample: ["O=example,CN=client2.example.com"]
    fingerprints:
      description:
        - The SHA-256 fingerprint of each item's certificate, in the order of O(identities_of), then
          those of the certificates their renewals replaced and O(previous=keep) keeps.
      type: list
      elements: str
  sample:
    subjects: ["O=example,CN=client2.example.com"]
    fingerprints: ["0b7f5f6c1f2e4d9a3c8b7a6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.kyma.mtls.plugins.module_utils.pki.arguments import certificate_set_argument_spec
from ansible_collections.kyma.mtls.plugins.module_utils.execute import execute
from ansible_collections.kyma.mtls.plugins.module_utils.pki.runner import issue_many


def main():
    module = AnsibleModule(argument_spec=certificate_set_argument_spec(), supports_check_mode=True)
    execute(module, issue_many)


if __name__ == "__main__":
    main()
