# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: state_dir
short_description: The folder where kyma.mtls keeps certificates and keys unless told otherwise
version_added: 0.5.0
description:
  - Returns the one default place of the collection's state, on the controller. The certificates role
    (C(certificates_dir)) and the playbooks C(kyma.mtls.expose_mtls) and C(kyma.mtls.tutorial_certificates)
    (C(mtls_pki_dir)) default to its C(pki) subfolder.
  - In order, the first that is set - E(KYMA_MTLS_STATE_DIR); E(KYMA_MTLS_LOCAL_DIR), the folder of the
    repository's local environment (C(make demo) and the tests set it); C($XDG_STATE_HOME/kyma-mtls);
    C(~/.local/state/kyma-mtls).
  - Never a folder inside a collection tree (a path with an C(ansible_collections) component), which the next
    C(ansible-galaxy collection install --force) or upgrade would delete with the keys in it; the lookup fails
    instead, naming the variable to set.
author:
  - kyma.mtls developers (@kyma-mtls)
options: {}
"""

EXAMPLES = r"""
- name: Issue the certificates where the main job keeps them
  ansible.builtin.include_role:
    name: kyma.mtls.certificates
  vars:
    certificates_dir: "{{ lookup('kyma.mtls.state_dir') }}/pki"
"""

RETURN = r"""
_value:
  description: The absolute path of the state folder (it may not exist yet).
  type: list
  elements: path
"""

import os

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError
from ansible_collections.kyma.mtls.plugins.module_utils.state_dir import state_dir


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        if terms or kwargs:
            raise AnsibleLookupError("kyma.mtls.state_dir takes no terms and no options")
        try:
            return [state_dir(os.environ, os.path.expanduser("~"))]
        except MtlsError as exc:
            raise AnsibleLookupError("kyma.mtls.state_dir: %s" % exc)
