# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an allow-list holds of the certificates it lets in: their subjects as Envoy prints them and,
to pin them, their SHA-256 fingerprints with those of the certificates their renewals replaced (kept
until retired, so that a client still on its old certificate is not shut out)."""

from __future__ import annotations

from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError


def allowed_identities(results, allowed, pin=True):
    """results: certificate results by name (the certificate modules'); allowed: the names to let in.
    -> {'subjects': [...], 'fingerprints': [...]} in the order of allowed, the replaced ones last."""
    missing = [name for name in allowed if name not in results]
    if missing:
        raise MtlsError("no certificate for %s" % ", ".join(missing))
    chosen = [results[name] for name in allowed]
    fingerprints = []
    if pin:
        fingerprints = [result["fingerprint_sha256"] for result in chosen] + [
            result["previous"]["fingerprint_sha256"] for result in chosen if result.get("previous")]
    return {"subjects": [result["subject"] for result in chosen], "fingerprints": fingerprints}
