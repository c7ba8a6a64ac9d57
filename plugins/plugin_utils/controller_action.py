# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The frame of the collection's action plugins that do their work on the controller: no module is
shipped to the host and no connection is made; the arguments are validated first."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase


class ControllerAction(ActionBase):
    """Subclasses set NAME and ARGUMENT_SPEC, and return their result from work(args)."""

    TRANSFERS_FILES = False
    _requires_connection = False
    NAME = ""
    ARGUMENT_SPEC = {}

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        try:
            args = self.arguments()
        except AnsibleActionFail as exc:
            # The message only: the arguments may hold a Secret's data.
            return dict(result, failed=True, msg="%s: %s" % (self.NAME, exc.message))
        result.update(self.work(args))
        return result

    def arguments(self):
        """The task's arguments, validated; AnsibleActionFail names what is wrong."""
        return self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC)[1]

    def work(self, args):
        raise NotImplementedError
