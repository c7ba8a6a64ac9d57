# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The common frame of the collection's modules: run the work, report errors as messages."""

from __future__ import annotations

import sys

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError
from ansible_collections.kyma.mtls.plugins.module_utils.pki.crypto import (
    CRYPTOGRAPHY_IMPORT_ERROR, CRYPTOGRAPHY_MINIMUM, CRYPTOGRAPHY_PROBLEM)


def execute(module, work, needs_cryptography=True):
    """Exit the module with work(params, check_mode); an MtlsError becomes fail_json(msg=...).

    The work may return ``failure`` (a message) to fail with the rest of its result attached,
    and ``diff`` which is shown only with --diff. fail_json is called outside the except block on
    purpose: inside it, ansible-core attaches the active exception to the result.
    """
    if needs_cryptography and CRYPTOGRAPHY_IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib("cryptography >= %s" % CRYPTOGRAPHY_MINIMUM),
                         exception=CRYPTOGRAPHY_IMPORT_ERROR)
    if needs_cryptography and CRYPTOGRAPHY_PROBLEM:
        module.fail_json(msg="%s in %s, the Python that runs this module; nothing was changed"
                         % (CRYPTOGRAPHY_PROBLEM, sys.executable))
    try:
        result = work(module.params, module.check_mode)
        error = None
    except MtlsError as exc:
        error = str(exc)
    if error is not None:
        module.fail_json(msg=error)
    diff = result.pop("diff", None)
    if diff and module._diff:
        result["diff"] = diff
    failure = result.pop("failure", None)
    if failure:
        module.fail_json(msg=failure, **result)
    module.exit_json(**result)
