# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the input checks share with the PKI without needing cryptography: DNS names, and the
fingerprint that check mode shows for a certificate not issued yet. The checks run in a new Ansible
worker for each task, where importing cryptography would cost every one of them."""

from __future__ import annotations

import re

from ansible_collections.kyma.mtls.plugins.module_utils.pki.errors import PkiError

PENDING = "(known after apply)"

_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def validate_dns_name(name):
    """A DNS SAN: LDH labels, a wildcard only as the whole leftmost label."""
    text = str(name)
    labels = text.rstrip(".").split(".")
    if len(text) > 253 or not text or labels == [""]:
        raise PkiError("invalid DNS name %r: must be 1 to 253 characters" % text)
    if labels[0] == "*":
        if len(labels) < 3:
            raise PkiError("invalid DNS name %r: a wildcard needs at least two labels after '*.'" % text)
        labels = labels[1:]
    for label in labels:
        if not _LABEL.match(label):
            raise PkiError("invalid DNS name %r: label %r is not letters, digits and inner hyphens "
                           "(a wildcard may only be the whole leftmost label)" % (text, label))
    return text
