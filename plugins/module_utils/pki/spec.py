# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one certificate should be, validated from module parameters."""

from __future__ import annotations

import ipaddress
import re
from collections import namedtuple

from ansible_collections.kyma.mtls.plugins.module_utils.pki.errors import PkiError
from ansible_collections.kyma.mtls.plugins.module_utils.pki.keys import key_spec
from ansible_collections.kyma.mtls.plugins.module_utils.pki.text import validate_dns_name
from ansible_collections.kyma.mtls.plugins.module_utils.pki.subject import parse_subject

KINDS = ("ca", "server", "client")

CertificateSpec = namedtuple("CertificateSpec", [
    "kind", "path", "private_key_path", "subject", "dns_names", "ip_addresses", "uris",
    "key", "valid_days", "renew_before_days", "mode", "force", "previous", "passphrase", "backup",
])

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$")


def validate_ip_address(value):
    try:
        return ipaddress.ip_address(str(value))
    except ValueError:
        raise PkiError("invalid IP address %r" % (value,))


def validate_uri(value):
    text = str(value)
    if not _URI.match(text):
        raise PkiError("invalid URI %r: expected scheme:rest, e.g. spiffe://cluster.local/ns/x/sa/y" % text)
    return text


def parse_mode(value, default=0o600):
    if value is None:
        return default
    if isinstance(value, int):
        mode = value
    else:
        text = str(value).strip()
        if not re.match(r"^0?[0-7]{3,4}$", text):
            raise PkiError("mode must be an octal string such as '0600', got %r" % (value,))
        mode = int(text, 8)
    if mode & ~0o7777:
        raise PkiError("mode %r is out of range" % (value,))
    return mode


def build_spec(params):
    """Validate the module parameters for one certificate and return a CertificateSpec."""
    kind = params["kind"]
    if kind not in KINDS:
        raise PkiError("kind must be one of %s, got %r" % (", ".join(KINDS), kind))
    dns_names = [validate_dns_name(n) for n in params.get("dns_names") or []]
    ip_addresses = [validate_ip_address(a) for a in params.get("ip_addresses") or []]
    uris = [validate_uri(u) for u in params.get("uris") or []]
    if kind == "ca" and (dns_names or ip_addresses or uris):
        raise PkiError("kind=ca takes no dns_names, ip_addresses or uris")
    if kind == "server" and not (dns_names or ip_addresses):
        raise PkiError("kind=server needs dns_names or ip_addresses (clients match the host against them)")
    valid_days = params["valid_days"]
    renew_before_days = params["renew_before_days"]
    if valid_days < 1:
        raise PkiError("valid_days must be at least 1, got %d" % valid_days)
    if renew_before_days < 0 or renew_before_days >= valid_days:
        raise PkiError("renew_before_days must be 0 or more and less than valid_days (%d), got %d"
                       % (valid_days, renew_before_days))
    if params["path"] == params["private_key_path"]:
        raise PkiError("path and private_key_path must be different files")
    return CertificateSpec(
        kind=kind,
        path=params["path"],
        private_key_path=params["private_key_path"],
        subject=parse_subject(params["subject"]),
        dns_names=dns_names,
        ip_addresses=ip_addresses,
        uris=uris,
        key=key_spec(params["key_type"], params["curve"], params["key_size"]),
        valid_days=valid_days,
        renew_before_days=renew_before_days,
        mode=parse_mode(params.get("mode")),
        force=bool(params.get("force")),
        previous=params.get("previous") or "ignore",
        # A CA's key is written encrypted with it; server and client keys stay plain for Istio and clients.
        passphrase=params.get("ca_private_key_passphrase") if kind == "ca" else None,
        backup=bool(params.get("backup")),
    )
