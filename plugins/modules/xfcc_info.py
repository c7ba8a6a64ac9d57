#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: xfcc_info
short_description: Parse and validate the X-Forwarded-Client-Cert header an Envoy or Istio gateway forwards
version_added: 0.1.0
description:
  - >-
    Parses an C(X-Forwarded-Client-Cert) (XFCC) header exactly as Envoy writes it - one element per
    proxy hop, C(key=value) pairs, quoted values with backslash escapes, URL-encoded PEM in C(Cert)
    and C(Chain). Unknown keys are kept.
  - Describes every element, including the certificate in its C(Cert) (subject as Envoy prints it,
    issuer, SHA-256 fingerprint, validity) and whether the C(Hash) matches it.
  - Optionally validates one element (by default the last, which the nearest proxy added) -
    chain to a CA bundle at a given time, expected subject, URIs, DNS names and C(By) - and
    fails with a message that names every check that did not hold.
  - Malformed headers fail with a message that says what is wrong and at which character.
author:
  - kyma.mtls developers (@kyma-mtls)
extends_documentation_fragment:
  - kyma.mtls.read_only
options:
  header:
    description:
      - The raw header value. Exactly one of O(header) and O(headers) is required.
    type: str
  headers:
    description:
      - A mapping of request headers, for example the C(headers) of httpbin's C(/headers) response;
        the C(X-Forwarded-Client-Cert) key is found case-insensitively.
    type: dict
  element:
    description:
      - Which element to validate and return as RV(element). C(0) is the first (the oldest hop),
        C(-1) the last (the one the nearest proxy added).
    type: int
    default: -1
  ca_path:
    description:
      - PEM bundle of the client CA(s). The element's C(Cert), with intermediates from its C(Chain),
        must chain to one of them and every certificate on the way must be valid at O(valid_at).
      - Certificates in C(Chain) are never trusted as roots.
    type: path
  ca_content:
    description:
      - The same as O(ca_path), given as PEM text.
    type: str
  valid_at:
    description:
      - The time at which the chain must be valid, ISO 8601 (for example C(2026-11-27T12:00:00Z));
        a time without zone is UTC. Default is now.
    type: str
  expected_subject:
    description:
      - The subject the element must carry, as Envoy prints it (the RV(kyma.mtls.certificate#module:subject)
        that M(kyma.mtls.certificate) returns, for example C(O=example,CN=client2.example.com)).
      - Compared with the element's C(Subject), or the C(Cert)'s subject when there is no C(Subject).
    type: str
  expected_uri:
    description: URIs that must all be among the element's C(URI) values.
    type: list
    elements: str
  expected_dns:
    description: DNS names that must all be among the element's C(DNS) values.
    type: list
    elements: str
  expected_by:
    description: Values that must all be among the element's C(By) values.
    type: list
    elements: str
notes:
  - The element's C(Hash) is always checked against its C(Cert) when both are present, and its
    C(Subject) against the C(Cert)'s subject.
  - Envoy does not quote C(URI) values, so a URI SAN that contains C(,), C(;) or C(=) produces a header
    that no parser can read unambiguously; this module reports such a header as malformed.
seealso:
  - module: kyma.mtls.certificate
  - plugin: kyma.mtls.xfcc_parse
    plugin_type: filter
  - name: Envoy X-Forwarded-Client-Cert
    description: The header's format.
    link: https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#x-forwarded-client-cert
"""

EXAMPLES = r"""
- name: Call the workload through the mTLS gateway with the allowed client certificate
  ansible.builtin.uri:
    url: https://httpbin.example.com/headers
    client_cert: /etc/mtls/client2.crt
    client_key: /etc/mtls/client2.key
    ca_path: /etc/mtls/gateway-ca.crt
  register: echoed

- name: Check what the gateway forwarded
  kyma.mtls.xfcc_info:
    headers: "{{ echoed.json.headers }}"
    ca_path: /etc/mtls/client-ca.crt
    expected_subject: O=example,CN=client2.example.com
  register: xfcc

- name: Use the parsed certificate
  ansible.builtin.debug:
    msg: "{{ xfcc.element.certificate.subject }} valid until {{ xfcc.element.certificate.not_after }}"

- name: Parse a raw header without validating
  kyma.mtls.xfcc_info:
    header: 'Hash=269d...;Subject="O=example,CN=client2.example.com";URI='
"""

RETURN = r"""
elements:
  description: Every element of the header, oldest hop first.
  returned: always
  type: list
  elements: dict
  contains:
    by:
      description: C(By) values (the URI SANs of the proxy that added the element).
      type: list
      elements: str
    hash:
      description: C(Hash), as written.
      type: str
    cert:
      description: C(Cert), decoded to PEM.
      type: str
    chain:
      description: C(Chain), decoded to a list of PEM certificates.
      type: list
      elements: str
    subject:
      description: C(Subject) exactly as written between its quotes (the same string as C(%DOWNSTREAM_PEER_SUBJECT%)).
      type: str
    uri:
      description: C(URI) values; empty when Envoy wrote C(URI=).
      type: list
      elements: str
    dns:
      description: C(DNS) values.
      type: list
      elements: str
    extra:
      description: Keys the format does not define, with their values, as written.
      type: dict
    certificate:
      description:
        - Facts of the certificate in C(Cert), or null - C(fingerprint_sha256), C(subject) and C(issuer) as Envoy
          prints them, C(serial_number), C(not_before), C(not_after), C(dns_names), C(uris).
      type: dict
    hash_matches:
      description: Whether C(Hash) is the SHA-256 of C(Cert); null when either is missing.
      type: bool
  sample:
    - by: []
      hash: 269d8c80411226e3d867699542b860d030da826aa5172a402572b486d04e31e8
      subject: O=example,CN=client2.example.com
      uri: []
      dns: []
      hash_matches: true
element:
  description: The element selected by O(element), as in RV(elements).
  returned: always
  type: dict
element_index:
  description: The index of RV(element) in RV(elements).
  returned: always
  type: int
problems:
  description: The checks that did not hold for RV(element); the module fails when there are any.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.kyma.mtls.plugins.module_utils.execute import execute
from ansible_collections.kyma.mtls.plugins.module_utils.xfcc_info import inspect_header


def main():
    module = AnsibleModule(
        argument_spec={
            "header": {"type": "str"},
            "headers": {"type": "dict"},
            "element": {"type": "int", "default": -1},
            "ca_path": {"type": "path"},
            "ca_content": {"type": "str"},
            "valid_at": {"type": "str"},
            "expected_subject": {"type": "str"},
            "expected_uri": {"type": "list", "elements": "str"},
            "expected_dns": {"type": "list", "elements": "str"},
            "expected_by": {"type": "list", "elements": "str"},
        },
        required_one_of=[("header", "headers")],
        mutually_exclusive=[("header", "headers"), ("ca_path", "ca_content")],
        supports_check_mode=True,
    )
    execute(module, inspect_header)


if __name__ == "__main__":
    main()
