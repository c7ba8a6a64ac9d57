# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # How certificates are issued; shared by kyma.mtls.certificate and kyma.mtls.certificate_set.
    DOCUMENTATION = r"""
attributes:
  check_mode:
    support: full
    description: Reports which certificates would be issued and why, without writing files.
  diff_mode:
    support: full
    description:
      - Shows subject, issuer, subject alternative names, expiry and fingerprint of each certificate
        that changes; never key material.
  idempotent:
    support: full
    description: A second run with the same options reports no change and rewrites nothing.
options:
  ca_path:
    description:
      - PEM file of the CA certificate that signs the certificate.
      - It must be a CA (basicConstraints CA:TRUE) that has not expired.
      - Not used with O(kind=ca), which is self-signed.
    type: path
  ca_private_key_path:
    description:
      - PEM file of the private key of O(ca_path). It must match O(ca_path). When it is encrypted, give its
        passphrase in O(ca_private_key_passphrase).
    type: path
  ca_private_key_passphrase:
    description:
      - The passphrase that protects CA private keys.
      - The key of O(ca_path) is decrypted with it when it is encrypted. An unencrypted key is read as it is.
      - A CA this task issues (O(kind=ca)) has its key written encrypted with it (PKCS#8, the best encryption
        the Python library C(cryptography) offers). An existing unencrypted CA key is written again,
        encrypted, and the certificate is kept.
      - An encrypted CA key whose passphrase is missing or wrong is an error. It is never replaced.
      - Server and client keys are never encrypted, because Istio and the clients read them as they are.
    type: str
    version_added: 0.5.0
  key_type:
    description:
      - Type of the private key. A key of another type on disk is replaced by a new one.
    type: str
    choices: [ec, rsa]
    default: ec
  curve:
    description:
      - Curve of an C(ec) key.
    type: str
    choices: [P-256, P-384]
    default: P-256
  key_size:
    description:
      - Size in bits of an C(rsa) key.
    type: int
    choices: [2048, 3072, 4096]
    default: 2048
  valid_days:
    description:
      - Days the certificate is valid from now. A signed certificate never outlives its CA.
    type: int
    default: 365
  renew_before_days:
    description:
      - Issue the certificate again when it expires within this many days.
      - Must be less than O(valid_days).
    type: int
    default: 30
  mode:
    description:
      - Permissions of the private key file, as an octal string.
      - The key is written to a temporary file with this mode first and then moved into place,
        so it is never readable by others, not even for a moment.
      - The certificate file is always written with mode C(0644).
    type: raw
    default: "0600"
  force:
    description:
      - Issue a new certificate with a new private key even if the current ones are fine.
      - This reports a change on every run; use it once, not in a converged playbook.
    type: bool
    default: false
  previous:
    description:
      - What to do with the certificate a renewal replaces.
      - V(keep) writes it to C(<path>.previous) (the certificate only, mode C(0644); the key is not kept) and
        returns its facts as RV(ignore:previous) on every run, so that a policy can pin the replaced and the new
        certificate until every client has switched (a later renewal replaces the kept one).
      - V(retire) deletes C(<path>.previous); V(ignore) leaves it alone and keeps nothing.
    type: str
    choices: [ignore, keep, retire]
    default: ignore
requirements:
  - cryptography >= 42.0 on the host that runs the module
notes:
  - The module regenerates the certificate when it is missing or unreadable, when the key does not
    match it, when the subject, subject alternative names, kind or key type changed, when it no
    longer verifies against the CA, or when it expires within O(renew_before_days). The private key
    is kept across renewals unless its type changes or O(force) is set.
  - Returned subjects and issuers are formatted exactly as Envoy prints them in
    C(%DOWNSTREAM_PEER_SUBJECT%) and the X-Forwarded-Client-Cert C(Subject), so they can be used
    verbatim in Istio AuthorizationPolicy header conditions.
"""
