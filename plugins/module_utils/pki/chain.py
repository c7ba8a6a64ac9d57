# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Does a client certificate chain to a trusted CA, and is every link valid at a given time?

cryptography's client verifier insists on a subjectAltName, which the tutorial's client
certificates (like many real ones) do not have, so the path is built and checked here.
"""

from __future__ import annotations

from ansible_collections.kyma.mtls.plugins.module_utils.pki.examine import iso8601, is_issued_by
from ansible_collections.kyma.mtls.plugins.module_utils.pki.signer import is_ca

MAX_DEPTH = 8


def _validity_problem(certificate, at, what):
    if at < certificate.not_valid_before_utc:
        return "%s is not valid before %s" % (what, iso8601(certificate.not_valid_before_utc))
    if at > certificate.not_valid_after_utc:
        return "%s expired on %s" % (what, iso8601(certificate.not_valid_after_utc))
    return None


def chain_problems(leaf, intermediates, anchors, at):
    """Every reason the leaf does not chain to one of anchors at time at; empty when it does.

    Certificates in intermediates are only ever links, never trust anchors, so a Chain that
    carries its own root proves nothing unless that root is in anchors.
    """
    problems = []
    current, what = leaf, "the certificate"
    candidates = [c for c in intermediates if c != leaf]
    for dummy in range(MAX_DEPTH):
        problem = _validity_problem(current, at, what)
        if problem:
            problems.append(problem)
        anchor = next((a for a in anchors if is_issued_by(current, a)), None)
        if anchor is not None:
            problem = _validity_problem(anchor, at, "the CA " + anchor.subject.rfc4514_string())
            return problems + ([problem] if problem else [])
        link = next((c for c in candidates if is_ca(c) and is_issued_by(current, c)), None)
        if link is None:
            return problems + ["%s (issuer %s) does not chain to the trusted CA" % (what, current.issuer.rfc4514_string())]
        candidates.remove(link)
        current, what = link, "the intermediate " + link.subject.rfc4514_string()
    return problems + ["the chain is longer than %d certificates" % MAX_DEPTH]
