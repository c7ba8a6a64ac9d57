# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kyma.mtls.apply: the batch runs here, on the controller, with one API client for all its objects
(no module shipped to a host, one discovery); the work is module_utils/batch.py."""

from __future__ import annotations

import json

from ansible_collections.kyma.mtls.plugins.module_utils.batch import Batch, definition_problems
from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError
from ansible_collections.kyma.mtls.plugins.module_utils.kube_client import connect
from ansible_collections.kyma.mtls.plugins.plugin_utils.controller_action import ControllerAction

ARGUMENT_SPEC = {
    "objects": {"type": "list", "elements": "dict", "required": True},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "field_manager": {"type": "str", "default": "kyma-mtls"},
    "force_conflicts": {"type": "bool", "default": False},
    "allow_lists": {"type": "list", "elements": "dict", "default": [], "options": {
        "name": {"type": "str", "required": True},
        "namespace": {"type": "str", "required": True},
        "replaces": {"type": "list", "elements": "str", "default": []},
    }},
    "refuse_existing": {"type": "list", "elements": "dict", "default": [], "options": {
        "api_version": {"type": "str", "default": "v1"},
        "kind": {"type": "str", "required": True},
        "name": {"type": "str", "required": True},
        "namespace": {"type": "str"},
        "reason": {"type": "str", "required": True},
    }},
    "wait": {"type": "bool", "default": False},
    "wait_timeout": {"type": "int", "default": 120},
    "kubeconfig": {"type": "path"},
    "context": {"type": "str"},
}


class ActionModule(ControllerAction):
    NAME = "kyma.mtls.apply"
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def work(self, args):
        # Plain data for the kubernetes library, whatever Ansible's templating wrapped it in.
        objects = json.loads(json.dumps(args["objects"]))
        problems = definition_problems(objects)
        if problems:
            return {"failed": True, "msg": "; ".join(problems) + "; nothing was applied"}
        batch = Batch(None, check_mode=bool(self._task.check_mode))
        try:
            batch.cluster = connect(args["kubeconfig"], args["context"])
            if args["state"] == "present":
                batch.refuse_existing(args["refuse_existing"])
                batch.apply(objects, args["field_manager"], args["force_conflicts"])
                batch.prune_allow_lists(args["allow_lists"], objects)
            else:
                batch.delete(objects, args["wait"], args["wait_timeout"])
                batch.prune_allow_lists(args["allow_lists"], None)
            error = None
        except MtlsError as exc:
            error = str(exc)
        result = {"changed": batch.changed, "results": batch.results}
        if self._task.diff and batch.diffs:
            result["diff"] = batch.diffs
        if error is not None:
            done = [item for item in batch.results if item["action"] not in ("unchanged", "absent")]
            result.update(failed=True, msg="%s (%d of %d objects handled before it, %d of them changed)"
                          % (error, len(batch.results), len(objects), len(done)))
        return result
