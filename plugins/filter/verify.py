# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter kyma.mtls.verify_answers (documented in its .yml file)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError
from ansible_collections.kyma.mtls.plugins.module_utils.verify_answers import verify_answers as judge


def verify_answers(responses, xfcc_results, allowed, denied, subject_header, forged_header, refusal, xfcc_checked):
    if not isinstance(responses, list) or not all(isinstance(r, dict) and isinstance(r.get("item"), (list, tuple))
                                                  and len(r["item"]) >= 2 for r in responses):
        raise AnsibleFilterError("kyma.mtls.verify_answers: expects the results of a uri loop over [target, client]"
                                 " (or [target, client, headers]) items")
    try:
        return judge(responses, xfcc_results, list(allowed), list(denied), subject_header, forged_header, refusal,
                     bool(xfcc_checked))
    except MtlsError as exc:
        raise AnsibleFilterError("kyma.mtls.verify_answers: %s" % exc)


class FilterModule:
    def filters(self):
        return {"verify_answers": verify_answers}
