#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: apply
short_description: Apply or delete an ordered batch of Kubernetes objects with one API client
version_added: 0.5.0
description:
  - Server-side applies O(objects) one after the other in the order given, or deletes them in that
    order, and stops at the first error. The order is what keeps the job fail-closed. The main job
    (C(kyma.mtls.expose_mtls)) lists the policies before the exposures they restrict on the way in,
    and deletes them last on the way out.
  - One API client and one discovery serve the whole batch, on the controller, where each
    C(kubernetes.core.k8s) task costs a module run and a discovery. Objects that come eight or more of a
    kind to a namespace are read with one LIST instead of a GET each. Applying the main job's batch again
    takes about what C(kubectl apply --server-side) of the same objects takes (0.2 s for 7 objects, 0.5 s
    for 12 objects with 5,000 allowed clients, on 2 cores).
  - Cleans up allow-lists (O(allow_lists)) the way C(kyma.mtls.allow_list_policies) cuts them. After
    an apply it deletes the bucket policies the new cut no longer has, and with O(state=absent) all of them.
  - Secret data is never shown. Results name the objects only, and C(--diff) shows each Secret value
    as C((hidden)), or C((hidden, changed)) where it changes.
  - Uses the Python library C(kubernetes), as C(kubernetes.core) does, and the same kubeconfig
    (O(kubeconfig), E(K8S_AUTH_KUBECONFIG), E(KUBECONFIG), C(~/.kube/config), then the in-cluster
    service account).
author:
  - kyma.mtls developers (@kyma-mtls)
requirements:
  - kubernetes >= 24.2.0 (Python library) on the controller
attributes:
  check_mode:
    support: full
    description:
      - Server-side dry run of every object, compared with what the cluster holds. An object in a
        namespace that the batch itself would create is reported as created without a dry run.
  diff_mode:
    support: full
    description: Each object that changes, before and after, without the fields the server adds.
  idempotent:
    support: full
    description: Applying the same objects again reports no change (the server keeps their resourceVersion).
  action:
    support: full
    description: Runs on the controller; the play's host is not contacted.
  platform:
    platforms: all
    support: full
    description: Talks to the Kubernetes API from the controller.
options:
  objects:
    description:
      - Kubernetes objects as dictionaries, each with C(apiVersion), C(kind) and C(metadata.name)
        (and C(metadata.namespace) for namespaced kinds), in the order to apply or delete them.
    type: list
    elements: dict
    required: true
  state:
    description: V(present) applies the objects, V(absent) deletes them (those already gone are skipped).
    type: str
    choices: [present, absent]
    default: present
  field_manager:
    description: The field manager of the server-side apply.
    type: str
    default: kyma-mtls
  force_conflicts:
    description: Take over fields that another field manager owns instead of failing on the conflict.
    type: bool
    default: false
  allow_lists:
    description:
      - Allow-lists (C(kyma.mtls.allow_list_policies)) whose policies this batch owns. After the apply,
        the policies of each (label C(kyma.mtls/allow-list=<name>)) that O(objects) does not hold are
        deleted, so that none is ever missing while the new cut is applied. With O(state=absent), after
        the objects, all of them, the main policy last.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The allow-list's main policy.
        type: str
        required: true
      namespace:
        description: Its namespace.
        type: str
        required: true
      replaces:
        description: Names of other kyma.mtls policies of the namespace that it replaces, deleted as well.
        type: list
        elements: str
        default: []
  refuse_existing:
    description:
      - Objects whose existence makes the batch unsafe to apply. With O(state=present), each is looked up
        before anything is applied. If any of them exists, the task fails, names each one found and its
        O(refuse_existing[].reason), and applies nothing.
      - The main job refuses a leftover C(<credential>-cacert) Secret. Istio takes the gateway's client CAs
        and CRL from that Secret when it exists, so the job's own CAs and revocations would not take effect.
    type: list
    elements: dict
    default: []
    version_added: 0.5.0
    suboptions:
      api_version:
        description: The object's C(apiVersion).
        type: str
        default: v1
      kind:
        description: The object's C(kind).
        type: str
        required: true
      name:
        description: The object's name.
        type: str
        required: true
      namespace:
        description: The object's namespace, for namespaced kinds.
        type: str
      reason:
        description: Why the object must not exist, for the error message.
        type: str
        required: true
  wait:
    description:
      - With O(state=absent), wait until each object is gone (its finalizers ran) before deleting the next.
    type: bool
    default: false
  wait_timeout:
    description: How many seconds O(wait) waits for each object.
    type: int
    default: 120
  kubeconfig:
    description:
      - The kubeconfig file. Defaults to E(K8S_AUTH_KUBECONFIG), then as C(kubectl) (E(KUBECONFIG), C(~/.kube/config)).
    type: path
  context:
    description: The kubeconfig's context. Defaults to E(K8S_AUTH_CONTEXT), then the current context.
    type: str
seealso:
  - module: kubernetes.core.k8s
    description: Applies objects one task at a time, on any host, with waits and templates.
notes:
  - The roles (C(kyma.mtls.gateway), C(kyma.mtls.expose), C(kyma.mtls.authorization), C(kyma.mtls.workload))
    apply through C(kubernetes.core.k8s) when used alone; with C(<role>_apply=false) they leave their
    objects to a batch such as this one.
"""

EXAMPLES = r"""
- name: Apply the policy before the exposure it restricts
  kyma.mtls.apply:
    objects: "{{ authorization_rendered + expose_rendered }}"
    allow_lists:
      - name: kyma-mtls-gateway-allowed-clients
        namespace: kyma-mtls

- name: Delete the exposure, then its policy, each once it is gone
  kyma.mtls.apply:
    state: absent
    objects: "{{ (authorization_rendered + expose_rendered) | reverse | list }}"
    wait: true
"""

RETURN = r"""
results:
  description: What happened to each object, in order (also when the batch stopped at an error).
  returned: always
  type: list
  elements: dict
  contains:
    object:
      description: The object, as C(Kind namespace/name).
      type: str
      sample: AuthorizationPolicy kyma-mtls/kyma-mtls-gateway-allowed-clients
    action:
      description: created, updated, unchanged, deleted, or absent (already gone).
      type: str
      sample: unchanged
"""
