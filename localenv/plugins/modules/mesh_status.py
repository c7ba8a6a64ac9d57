#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: mesh_status
short_description: Check that every proxy of the local mesh serves istiod's configuration
version_added: 0.3.0
description:
  - Reads istiod's C(/debug/syncz) and the local node's status page and fails, naming the proxy
    and Envoy's message, when any proxy has rejected (NACKed) a configuration; names pods the node
    cannot run; and names objects that would need Envoy extensions only Istio's own proxy build has
    (a C(Telemetry) with metrics providers, a C(WasmPlugin), metrics providers in the mesh config),
    which the upstream Envoy of the local node rejects while it goes on serving its last good configuration.
  - With O(wait), waits until every proxy has acknowledged what istiod sent it, and still has after
    O(settle) seconds, so that a change applied before is in force.
author:
  - kyma.mtls developers (@kyma-mtls)
attributes:
  check_mode:
    support: full
    description: It only reads.
  diff_mode:
    support: none
    description: Nothing to compare.
  idempotent:
    support: full
    description: It only reads.
options:
  istiod_url:
    description: istiod's debug HTTP address.
    type: str
    required: true
  node_url:
    description: The local node's status address.
    type: str
    required: true
  telemetries:
    description: The cluster's C(Telemetry) objects (as M(kubernetes.core.k8s_info) returns them).
    type: list
    elements: dict
    default: []
  wasm_plugins:
    description: The cluster's C(WasmPlugin) objects.
    type: list
    elements: dict
    default: []
  mesh:
    description: The mesh config (the C(mesh) key of ConfigMap C(istio-system/istio), parsed).
    type: dict
    default: {}
  wait:
    description: Seconds to wait for every proxy to be in sync; C(0) looks once.
    type: int
    default: 0
  settle:
    description: With O(wait), seconds every proxy must stay in sync (covers istiod's debounce).
    type: float
    default: 0.5
"""

EXAMPLES = r"""
- name: Fail when a proxy rejected its configuration
  kyma_mtls.localenv.mesh_status:
    istiod_url: http://127.0.0.1:18010
    node_url: http://127.0.0.1:18001
"""

RETURN = r"""
proxies:
  description: Each proxy istiod serves, with C(synced), C(pending) (types sent but not acknowledged) and C(errors) (Envoy's messages).
  returned: always
  type: list
  elements: dict
problems:
  description: Every rejection, pod that cannot run, and object that needs an Istio-only extension.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.kyma.mtls.plugins.module_utils.execute import execute
from ansible_collections.kyma_mtls.localenv.plugins.module_utils.mesh_status import mesh_status


def main():
    module = AnsibleModule(
        argument_spec={
            "istiod_url": {"type": "str", "required": True},
            "node_url": {"type": "str", "required": True},
            "telemetries": {"type": "list", "elements": "dict", "default": []},
            "wasm_plugins": {"type": "list", "elements": "dict", "default": []},
            "mesh": {"type": "dict", "default": {}},
            "wait": {"type": "int", "default": 0},
            "settle": {"type": "float", "default": 0.5},
        },
        supports_check_mode=True,
    )
    execute(module, mesh_status, needs_cryptography=False)


if __name__ == "__main__":
    main()
