# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where kyma.mtls keeps its state (certificates and keys) unless told otherwise: never inside a source
or collection tree, which the next `ansible-galaxy collection install --force` would delete."""

from __future__ import annotations

import os

from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError

# In order: the collection's own setting, the folder of this repository's local environment (so that
# make demo and the tests keep the certificates beside their cluster), then the XDG state folder.
VARIABLES = ("KYMA_MTLS_STATE_DIR", "KYMA_MTLS_LOCAL_DIR")


def state_dir(environ, home):
    """The state folder (absolute) from the environment variables and the home folder."""
    for name in VARIABLES:
        if environ.get(name):
            chosen, where = environ[name], name
            break
    else:
        chosen = os.path.join(environ.get("XDG_STATE_HOME") or os.path.join(home, ".local", "state"), "kyma-mtls")
        where = "XDG_STATE_HOME" if environ.get("XDG_STATE_HOME") else "the home folder"
    if chosen == "~" or chosen.startswith("~/"):
        chosen = home + chosen[1:]
    path = os.path.abspath(chosen)
    if "ansible_collections" in path.split(os.sep):
        raise MtlsError("the state folder %s (from %s) is inside a collection tree, which the next "
                        "ansible-galaxy collection install --force deletes with its keys; set KYMA_MTLS_STATE_DIR "
                        "to a folder of its own" % (path, where))
    return path
