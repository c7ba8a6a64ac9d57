# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Secret that Istio's ingress gateway reads a MUTUAL TLS credential from (credentialName), built
from the PEM files: the server certificate and key, the client CAs, and their CRLs if any."""

from __future__ import annotations

import base64

from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError

MANAGED_BY = "kyma.mtls"
# In check mode the files may not be issued yet; the Secret then holds this instead.
PLACEHOLDER = b"issued on apply"


def read_credential(certificate, private_key, client_cas, client_crls=(), missing_ok=False):
    """{Secret key: bytes}: several client CAs (a rollover) and their CRLs are concatenated PEM, as
    Envoy trusts and checks them all; ca.crl only when there is a CRL."""
    contents = {"tls.crt": _read([certificate], "certificate", missing_ok),
                "tls.key": _read([private_key], "private_key", missing_ok),
                "ca.crt": _read(client_cas, "client_cas", missing_ok)}
    if client_crls:
        contents["ca.crl"] = _read(client_crls, "client_crls", missing_ok)
    return contents


def credential_secret(name, namespace, contents=None):
    """The kubernetes.io/tls Secret; without contents (to delete it) its identity only."""
    secret = {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
              "metadata": {"name": name, "namespace": namespace, "labels": {"app.kubernetes.io/managed-by": MANAGED_BY}}}
    if contents is not None:
        secret["data"] = {key: base64.b64encode(value).decode("ascii") for key, value in contents.items()}
    return secret


def _read(paths, option, missing_ok):
    parts = []
    for path in paths:
        try:
            with open(path, "rb") as handle:
                parts.append(handle.read())
        except (OSError, TypeError) as exc:
            if not missing_ok:
                raise MtlsError("%s: cannot read %r: %s" % (option, path, getattr(exc, "strerror", None) or exc))
    return b"".join(parts) or PLACEHOLDER
