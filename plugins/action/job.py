# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kyma.mtls.job: the main job in one task, on the controller; the work is module_utils/job_run.py."""

from __future__ import annotations

import json
import os

from ansible.errors import AnsibleActionFail

from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError
from ansible_collections.kyma.mtls.plugins.module_utils.job_run import JobFailed, run
from ansible_collections.kyma.mtls.plugins.module_utils.kube_client import connect
from ansible_collections.kyma.mtls.plugins.module_utils.state_dir import state_dir
from ansible_collections.kyma.mtls.plugins.plugin_utils.controller_action import ControllerAction

# The job's variables without their mtls_ prefix, as raw values: job_run checks them all at once and
# names each problem by its job variable.
ARGUMENT_SPEC = {
    "state": {"type": "raw", "default": "present"},
    "domain": {"type": "raw", "required": True},
    "namespace": {"type": "raw", "default": "kyma-mtls"},
    "gateway_name": {"type": "raw", "default": "kyma-mtls-gateway"},
    "policy_name": {"type": "raw"},
    "pki_dir": {"type": "raw"},
    "certificates": {"type": "raw", "default": "issue"},
    "server_certificate": {"type": "raw", "default": ""},
    "server_private_key": {"type": "raw", "default": ""},
    "client_cas": {"type": "raw", "default": []},
    "client_crls": {"type": "raw", "default": []},
    "server_ca": {"type": "raw", "default": ""},
    "expose_mode": {"type": "raw", "default": "apirule"},
    "samples": {"type": "raw", "default": []},
    "workloads": {"type": "raw", "default": []},
    "clients": {"type": "raw", "default": []},
    "allowed_clients": {"type": "raw", "default": []},
    "pin_certificates": {"type": "raw", "default": True},
    "revoked_clients": {"type": "raw", "default": []},
    "renew": {"type": "raw", "default": []},
    "retire_previous": {"type": "raw", "default": False},
    "client_ca_rollover": {"type": "raw", "default": "none"},
    "kubeconfig": {"type": "raw"},
    "context": {"type": "str"},
}


class ActionModule(ControllerAction):
    NAME = "kyma.mtls.job"
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def run(self, tmp=None, task_vars=None):
        self._job_variables = task_vars or {}
        return super().run(tmp, task_vars)

    def arguments(self):
        """The options with their defaults, as plain data. An option not given is the job's variable
        mtls_<option> when there is one. Such a variable is templated only when it holds a template:
        Ansible's templating of a list of 10,000 clients costs seconds, as does its validation of task
        arguments (a deep copy), so these raw options are only checked for unknown and missing ones here."""
        given = self._task.args
        unknown = sorted(set(given) - set(ARGUMENT_SPEC))
        if unknown:
            raise AnsibleActionFail("unsupported parameters: %s" % ", ".join(unknown))
        args = {}
        for name, spec in ARGUMENT_SPEC.items():
            if name in given:
                args[name] = given[name]
            elif "mtls_" + name in self._job_variables:
                args[name] = self._variable("mtls_" + name)
            elif spec.get("required"):
                raise AnsibleActionFail("missing required arguments: %s (or the variable mtls_%s)" % (name, name))
            else:
                args[name] = spec.get("default")
        if not isinstance(args["context"], (str, type(None))):
            raise AnsibleActionFail("context must be a string")
        return args

    def _variable(self, name):
        """A job variable as plain data: its value as it is when it holds no template, else templated."""
        value = self._job_variables[name]
        try:
            text = json.dumps(value)
            if not any(start in text for start in ("{{", "{%", "{#")):
                return json.loads(text)
            return json.loads(json.dumps(self._templar.template(value)))
        except (TypeError, ValueError) as exc:
            raise AnsibleActionFail("%s must be plain data (strings, numbers, lists, mappings): %s" % (name, exc))

    def work(self, args):
        values = {"mtls_" + name: value for name, value in args.items()}
        if values["mtls_policy_name"] is None:
            values["mtls_policy_name"] = "%s-allowed-clients" % values["mtls_gateway_name"]
        try:
            if values["mtls_pki_dir"] is None:
                values["mtls_pki_dir"] = os.path.join(state_dir(os.environ, os.path.expanduser("~")), "pki")
            outcome = run(values, connect, check_mode=bool(self._task.check_mode))
        except JobFailed as exc:
            outcome = dict(exc.outcome, failed=True, msg=str(exc))
        except MtlsError as exc:
            outcome = {"failed": True, "msg": str(exc)}
        if not (self._task.diff and outcome.get("diff")):
            outcome.pop("diff", None)
        if not outcome.get("warnings"):
            outcome.pop("warnings", None)
        return outcome
