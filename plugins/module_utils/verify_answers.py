# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The verify role's judgement of each answer: what kind of client asked, what it should have got, and
one line that says whether it did (kyma.mtls.verify_answers)."""

from __future__ import annotations

import re

from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError

EXPECTED = {"allowed": 200, "denied": 403, "forged": 403, "refused": -1, "anonymous": -1}
RBAC_DENIED = "RBAC: access denied"


def _kind(request, allowed, denied):
    """request is the loop item of the role's requests: [target, client] or [target, client, forged headers]."""
    client = request[1]
    if "name" not in client:
        return "anonymous"
    if len(request) > 2:
        return "forged"
    return "allowed" if client in allowed else "denied" if client in denied else "refused"


def _seen_subject(response, header):
    headers = (response.get("json") or {}).get("headers") if isinstance(response.get("json"), dict) else None
    for key, value in (headers or {}).items():
        if key.lower() == header.lower():
            return value
    return ""


def _xfcc_problems(response, xfcc_results):
    """What the XFCC validation of this response found wrong; [] when it held."""
    for checked in xfcc_results:
        if isinstance(checked, dict) and (checked.get("item") or {}).get("item") == response["item"]:
            return checked["problems"] if "problems" in checked else [checked.get("msg") or "not checked"]
    return ["not checked"]


class Judge:
    def __init__(self, allowed, denied, subject_header, forged_header, refusal, xfcc_results, xfcc_checked):
        self.allowed, self.denied = allowed, denied
        self.subject_header, self.forged_header = subject_header, forged_header
        try:
            self.refusal = re.compile(refusal)
        except re.error as exc:
            raise MtlsError("refusal is not a regular expression: %s" % exc)
        self.xfcc_results, self.xfcc_checked = xfcc_results, xfcc_checked

    def answer(self, response):
        """One loop result of the role's uri task -> {request, kind, expected, status, subject, ok, line}."""
        request = response["item"]
        target, client = request[0], request[1]
        kind = _kind(request, self.allowed, self.denied)
        expected, status = EXPECTED[kind], response.get("status")
        message, content = response.get("msg") or "", response.get("content") or ""
        refused = status == -1 and bool(self.refusal.search(message))
        subject = _seen_subject(response, self.subject_header) if kind == "allowed" else ""
        problems = _xfcc_problems(response, self.xfcc_results) if kind == "allowed" and self.xfcc_checked else []
        ok = (status == expected
              and (kind != "allowed" or (subject == client.get("subject") and not problems))
              and (kind not in ("denied", "forged") or RBAC_DENIED in content)
              and (expected != -1 or refused))
        name = "%s%s as %s" % (target["host"], target["path"], client.get("name", "no certificate"))
        if kind == "forged":
            name += " + forged " + self.forged_header
        line = "%s %s: %s" % ("ok  " if ok else "FAIL", name, self._seen(kind, status, refused, message, subject, problems, content))
        if not ok:
            line += " (expected %s)" % self._wanted(kind, expected, status, client)
        return {"request": name, "kind": kind, "expected": expected, "status": status, "subject": subject, "ok": ok,
                "line": line}

    def _seen(self, kind, status, refused, message, subject, problems, content):
        seen = "refused at the handshake" if refused else "no answer: " + message if status == -1 else str(status)
        if kind == "allowed":
            seen += ", %s: %s" % (self.subject_header, subject)
            if self.xfcc_checked:
                seen += ", XFCC " + ("NOT valid: " + "; ".join(problems) if problems else "valid")
        if kind in ("denied", "forged") and status == 403:
            seen += ", " + content.strip()
        return seen

    @staticmethod
    def _wanted(kind, expected, status, client):
        if expected == -1:
            return "refusal at the handshake"
        if status != expected:
            return str(expected)
        return "%s and a valid XFCC" % client.get("subject") if kind == "allowed" else RBAC_DENIED


def verify_answers(responses, xfcc_results, allowed, denied, subject_header, forged_header, refusal, xfcc_checked):
    """The role's uri results (and the XFCC checks of the 200s) -> one judgement per request, in order."""
    judge = Judge(allowed, denied, subject_header, forged_header, refusal, xfcc_results or [], xfcc_checked)
    return [judge.answer(response) for response in responses]
