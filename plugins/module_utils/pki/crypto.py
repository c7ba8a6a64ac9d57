# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place that imports cryptography, so a missing library is reported, not raised."""

from __future__ import annotations

import traceback

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
except ImportError:
    x509 = InvalidSignature = UnsupportedAlgorithm = hashes = serialization = ec = padding = rsa = None
    ExtendedKeyUsageOID = NameOID = None
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()
else:
    CRYPTOGRAPHY_IMPORT_ERROR = None

__all__ = [
    "CRYPTOGRAPHY_IMPORT_ERROR", "ExtendedKeyUsageOID", "InvalidSignature", "NameOID", "UnsupportedAlgorithm",
    "ec", "hashes", "padding", "rsa", "serialization", "x509",
]
