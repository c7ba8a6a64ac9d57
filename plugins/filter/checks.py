# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters: kyma.mtls.job_input_problems, kyma.mtls.job_inputs, kyma.mtls.role_input_problems and kyma.mtls.credential_problems
(documented in their .yml files)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.kyma.mtls.plugins.module_utils.inputs import ROLE_CHECKS, main_job_inputs, main_job_problems, role_problems


def job_input_problems(variables):
    """The main job's variables (a dict) -> a list of problems, each naming its variable; empty when fine."""
    if not isinstance(variables, dict):
        raise AnsibleFilterError("kyma.mtls.job_input_problems expects a dict of the job's variables")
    return main_job_problems(variables)


def job_inputs(variables):
    """The main job's variables (a dict) -> {problems, clients, client_names}: the problems as
    job_input_problems finds them, and when there are none the clients as plain data."""
    if not isinstance(variables, dict):
        raise AnsibleFilterError("kyma.mtls.job_inputs expects a dict of the job's variables")
    return main_job_inputs(variables)


def role_input_problems(options, role):
    """A role's options (a dict) -> a list of problems, each naming its option; empty when fine."""
    if role not in ROLE_CHECKS or not isinstance(options, dict):
        raise AnsibleFilterError("kyma.mtls.role_input_problems expects a dict of options and one of the roles %s"
                                 % ", ".join(sorted(ROLE_CHECKS)))
    return role_problems(role, options)


def credential_problems(server_certificate, server_private_key, client_ca, extra_client_cas=None, crl=None,
                        extra_crls=None):
    """The gateway credential's PEM files -> a list of problems, each naming its option; empty when fine."""
    # Imported here: the other checks need no cryptography, and each task's worker imports anew.
    from ansible_collections.kyma.mtls.plugins.module_utils.pki.crypto import (  # pylint: disable=import-outside-toplevel
        CRYPTOGRAPHY_PROBLEM)
    if CRYPTOGRAPHY_PROBLEM:
        raise AnsibleFilterError("kyma.mtls.credential_problems: %s on the controller" % CRYPTOGRAPHY_PROBLEM)
    # Imported here: the module needs cryptography, which the check above reports clearly.
    from ansible_collections.kyma.mtls.plugins.module_utils.pki.credential_check import (  # pylint: disable=import-outside-toplevel
        credential_problems as check)
    return check(server_certificate, server_private_key, client_ca, extra_client_cas or [], crl or None, extra_crls or [])


class FilterModule:
    def filters(self):
        return {"job_input_problems": job_input_problems, "job_inputs": job_inputs, "role_input_problems": role_input_problems,
                "credential_problems": credential_problems}
