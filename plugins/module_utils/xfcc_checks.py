# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an XFCC element says about its certificate, and whether it is what was expected."""

from __future__ import annotations

from ansible_collections.kyma.mtls.plugins.module_utils.pki.chain import chain_problems
from ansible_collections.kyma.mtls.plugins.module_utils.pki.examine import certificate_facts
from ansible_collections.kyma.mtls.plugins.module_utils.xfcc import public_view

CERTIFICATE_FIELDS = ("fingerprint_sha256", "subject", "issuer", "serial_number", "not_before", "not_after",
                      "dns_names", "uris")


def describe(element):
    """The element as returned to users: parsed fields, plus facts of its Cert when it has one."""
    view = public_view(element)
    certificate = element["_certificate"]
    if certificate is None:
        view.update(certificate=None, hash_matches=None)
        return view
    facts = certificate_facts(certificate)
    view["certificate"] = {k: facts[k] for k in CERTIFICATE_FIELDS}
    view["hash_matches"] = None if element["hash"] is None else element["hash"].lower() == facts["fingerprint_sha256"]
    return view


def _missing(expected, actual, key):
    return ["%s %r is missing (the element has %s)" % (key, value, actual or "none")
            for value in expected or [] if value not in actual]


def element_problems(element, view, anchors=None, valid_at=None, expected_subject=None, expected_uri=None,
                     expected_dns=None, expected_by=None):
    """Every check that does not hold for one parsed element; empty when all hold."""
    problems = []
    certificate = element["_certificate"]
    if view["hash_matches"] is False:
        problems.append("Hash %s does not match the SHA-256 of Cert (%s)"
                        % (element["hash"], view["certificate"]["fingerprint_sha256"]))
    if certificate is not None and element["subject"] not in (None, view["certificate"]["subject"]):
        problems.append("Subject %r is not the subject of Cert (%r)" % (element["subject"], view["certificate"]["subject"]))
    if anchors is not None:
        if certificate is None:
            problems.append("the element has no Cert to check against the CA")
        else:
            problems.extend(chain_problems(certificate, element["_chain"], anchors, valid_at))
    if expected_subject is not None:
        actual = element["subject"] if element["subject"] is not None else (view["certificate"] or {}).get("subject")
        if actual != expected_subject:
            problems.append("Subject is %r, expected %r" % (actual, expected_subject))
    problems.extend(_missing(expected_uri, element["uri"], "URI"))
    problems.extend(_missing(expected_dns, element["dns"], "DNS"))
    problems.extend(_missing(expected_by, element["by"], "By"))
    return problems
