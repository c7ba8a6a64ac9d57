# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place that imports cryptography, so a missing or too old library is reported, not raised."""

from __future__ import annotations

import re
import traceback

# not_valid_after_utc and not_valid_before_utc came with 42.0; an older library would fail only after
# files were written, so every module and filter checks CRYPTOGRAPHY_PROBLEM before any work.
CRYPTOGRAPHY_MINIMUM = "42.0"

try:
    import cryptography
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
except ImportError:
    x509 = InvalidSignature = UnsupportedAlgorithm = hashes = serialization = ec = padding = rsa = None
    ExtendedKeyUsageOID = NameOID = None
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()
    CRYPTOGRAPHY_VERSION = None
else:
    CRYPTOGRAPHY_IMPORT_ERROR = None
    CRYPTOGRAPHY_VERSION = cryptography.__version__


def _release(version):
    """'42.0.5', '43.0.0rc1' or '42' -> (42, 0, 5), (43, 0, 0) or (42, 0, 0): the leading number of each part."""
    numbers = [int(re.match(r"\d*", part).group() or 0) for part in version.split(".")]
    return tuple(numbers + [0] * (3 - len(numbers)))


def cryptography_problem(version, import_error):
    """None when the library can be used, else why not, naming the minimum version."""
    if import_error:
        return "the Python library cryptography >= %s is required and could not be imported" % CRYPTOGRAPHY_MINIMUM
    if _release(version) < _release(CRYPTOGRAPHY_MINIMUM):
        return "the Python library cryptography >= %s is required, found %s" % (CRYPTOGRAPHY_MINIMUM, version)
    return None


CRYPTOGRAPHY_PROBLEM = cryptography_problem(CRYPTOGRAPHY_VERSION, CRYPTOGRAPHY_IMPORT_ERROR)

__all__ = [
    "CRYPTOGRAPHY_IMPORT_ERROR", "CRYPTOGRAPHY_MINIMUM", "CRYPTOGRAPHY_PROBLEM", "CRYPTOGRAPHY_VERSION",
    "ExtendedKeyUsageOID", "InvalidSignature", "NameOID", "UnsupportedAlgorithm",
    "cryptography_problem", "ec", "hashes", "padding", "rsa", "serialization", "x509",
]
