#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: job
short_description: The main job, exposing workloads behind the mutual-TLS gateway, in one task
version_added: 0.5.0
description:
  - Does what the playbook C(kyma.mtls.expose_mtls) (C(playbooks/expose_mtls.yml)) does, in one task on the
    controller. That playbook runs it. Its options are the job's variables without their C(mtls_) prefix.
  - An option that the task does not give is the variable C(mtls_<option>) when the play defines one, else the
    option's default. The playbook gives none. Such a variable is read as it is, and templated only when it
    holds a template. So 10,000 clients from a vars file are not copied, where Ansible's templating of a task
    option would copy each item (a second or more at 10,000 clients).
  - First it checks every option, and reports every problem at once by the job's variable
    (C(mtls_<option>)). Nothing is issued or applied while there is a problem.
  - With O(certificates=issue), it issues the certificates as the role C(kyma.mtls.certificates) does, with the
    same files and index in O(pki_dir), renewals, the client CA rollover and the CRLs.
  - It renders the objects that the roles C(kyma.mtls.workload), C(kyma.mtls.gateway), C(kyma.mtls.expose)
    and C(kyma.mtls.authorization) render for a batch, from the same code and the same role defaults.
  - It applies them as M(kyma.mtls.apply) does, in one batch. The allow-list's policies come first and
    the exposures last, so that a run stopped half-way never leaves an exposure without its policy. With
    O(state=absent), it deletes them in reverse and waits for each exposure to be gone. It then deletes
    the allow-list's policies, and last the certificates in O(pki_dir).
  - The roles, in a playbook of their own (C(playbooks/expose_mtls_roles.yml)), pass thousands of clients
    from task to task, which costs seconds per task at 10,000 clients. This module reads them once.
author:
  - kyma.mtls developers (@kyma-mtls)
requirements:
  - kubernetes >= 24.2.0 (Python library) on the controller
  - cryptography >= 42.0 (Python library) on the controller
attributes:
  check_mode:
    support: full
    description:
      - Nothing is written. Certificates are checked as they would be issued, and every object gets a
        server-side dry run, compared with what the cluster holds.
  diff_mode:
    support: full
    description:
      - The certificates' and CRLs' public facts, and each object that changes, before and after. Secret
        values are shown as C((hidden)), or C((hidden, changed)).
  idempotent:
    support: full
    description: A second run with the same options changes nothing.
  action:
    support: full
    description: Runs on the controller and writes the certificates there. The play's host is not contacted.
  platform:
    platforms: all
    support: full
    description: Talks to the Kubernetes API from the controller.
options:
  state:
    description: V(present) sets everything up; V(absent) removes what V(present) created, except the namespace.
    type: raw
    default: present
  domain:
    description:
      - The domain of the exposed hosts. The Gateway serves C(*.<domain>). Required, as this option or as the
        variable C(mtls_domain).
    type: raw
  namespace:
    description: The namespace of the workloads, the Gateway, the exposures and the policies.
    type: raw
    default: kyma-mtls
  gateway_name:
    description: The name of the mTLS Gateway.
    type: raw
    default: kyma-mtls-gateway
  policy_name:
    description:
      - The AuthorizationPolicy that lets in only O(allowed_clients), for every pod of O(namespace). A long
        allow-list also gets bucket policies named C(<policy_name>-<digest>). Defaults to
        C(<gateway_name>-allowed-clients).
    type: raw
  pki_dir:
    description:
      - Where the certificates and keys are issued. Defaults to the C(pki) folder of the state folder
        (C(kyma.mtls.state_dir)).
    type: raw
  certificates:
    description:
      - V(issue) issues the CAs and certificates in O(pki_dir). V(provided) issues nothing and takes your
        files (O(server_certificate), O(server_private_key), O(client_cas), O(client_crls), O(server_ca)).
        Then each item of O(clients) is C({name, certificate[, private_key]}).
    type: raw
    default: issue
  server_certificate:
    description: With O(certificates=provided), the gateway's certificate followed by its chain.
    type: raw
    default: ""
  server_private_key:
    description: With O(certificates=provided), its private key.
    type: raw
    default: ""
  client_cas:
    description: With O(certificates=provided), the client CA files that the gateway trusts.
    type: raw
    default: []
  client_crls:
    description: With O(certificates=provided), their CRLs, if any.
    type: raw
    default: []
  server_ca:
    description: With O(certificates=provided), the CA that signed the server certificate, for clients.
    type: raw
    default: ""
  expose_mode:
    description: V(apirule) (Kyma APIRule v2), V(apirule_v1beta1) (legacy), or V(virtualservice) (plain Istio).
    type: raw
    default: apirule
  samples:
    description: Sample workloads to deploy first, from V(httpbin) and V(function).
    type: raw
    default: []
  workloads:
    description:
      - What to expose, each C({name, port, host, labels[, echo_path]}). C(name) is the Service, C(port) its port,
        and C(host) the host name in O(domain). C(labels) are the pods' labels. Required with O(state=present).
    type: raw
    default: []
  clients:
    description: The client certificates, each C({name, subject}).
    type: raw
    default: []
  allowed_clients:
    description: Names from O(clients) whose certificates are let in. Every other certificate gets 403.
    type: raw
    default: []
  pin_certificates:
    description:
      - Also pin the allowed clients' very certificates (the X-Forwarded-Client-Cert Hash), so that no route
        that fails to set the subject header lets a forged one through.
    type: raw
    default: true
  revoked_clients:
    description: Names from O(clients) whose certificates the gateway refuses at the handshake (a CRL).
    type: raw
    default: []
  renew:
    description: Names from O(clients), or V(server), to issue again now with new keys.
    type: raw
    default: []
  retire_previous:
    description: V(true) once every client uses its renewed certificate. The replaced ones are then no longer pinned.
    type: raw
    default: false
  client_ca_rollover:
    description: V(none), V(start) or V(finish). Replaces the client CA, with both trusted in between.
    type: raw
    default: none
  kubeconfig:
    description:
      - The kubeconfig file. Defaults to E(K8S_AUTH_KUBECONFIG), then as C(kubectl) (E(KUBECONFIG), C(~/.kube/config)).
    type: raw
  context:
    description: The kubeconfig's context. Defaults to E(K8S_AUTH_CONTEXT), then the current context.
    type: str
seealso:
  - module: kyma.mtls.apply
    description: The batch that this module applies its objects with.
  - module: kyma.mtls.certificate_set
    description: The certificates, as the role kyma.mtls.certificates issues them.
notes:
  - The options are the variables of C(playbooks/expose_mtls.yml), where each is documented with its
    default. The roles' README files explain the design (C(roles/authorization/README.md) for the
    allow-list, C(roles/certificates/README.md) for rotation).
  - The options take raw values, so that every problem is reported at once, by the job's variable name.
  - A task with no options at all runs the job of the play's C(mtls_*) variables, as the playbook does.
"""

EXAMPLES = r"""
- name: The job of the play's variables mtls_* (as playbooks/expose_mtls.yml runs it)
  kyma.mtls.job: {}
  register: mtls_run

- name: Expose httpbin to client2 only
  kyma.mtls.job:
    domain: example.com
    samples: [httpbin]
    workloads:
      - {name: httpbin, port: 8000, host: httpbin, labels: {app: httpbin}}
    clients:
      - {name: client1, subject: /CN=client1.example.com/O=example}
      - {name: client2, subject: /CN=client2.example.com/O=example}
    allowed_clients: [client2]
  register: exposed

- name: Remove what the job set up, and the certificates of the clients given
  kyma.mtls.job:
    state: absent
    domain: example.com
    samples: [httpbin]
    workloads: "{{ my_workloads }}"
    clients: "{{ my_clients }}"
"""

RETURN = r"""
results:
  description:
    - What happened to each object, in order (also when the batch stopped at an error), as M(kyma.mtls.apply)
      returns it, C({object, action}).
  returned: always
  type: list
  elements: dict
  sample:
    - {object: AuthorizationPolicy kyma-mtls/kyma-mtls-gateway-allowed-clients, action: unchanged}
mtls_result:
  description:
    - What the job set up, for the role C(kyma.mtls.verify) (through the filter C(kyma.mtls.job_clients)) and
      other plays. The playbook publishes it as the fact C(mtls_result).
  returned: with O(state=present), on success
  type: dict
  contains:
    domain:
      description: O(domain).
      type: str
    gateway:
      description: The Gateway, as C(namespace/name).
      type: str
    targets:
      description: Each exposed host, with a path that echoes the request headers (C(echo_path), C(/headers) by default).
      type: list
      elements: dict
    server_ca:
      description: The CA file that clients trust the gateway through.
      type: str
    client_ca:
      description: The client CA file that signs the client certificates.
      type: str
    pki_dir:
      description: O(pki_dir).
      type: str
    client_names:
      description: Every client's name. Its files are C(<pki_dir>/<name>.crt) and C(.key).
      type: list
      elements: str
    client_files:
      description: With O(certificates=provided), each client's files by name.
      type: dict
    allowed:
      description: O(allowed_clients).
      type: list
      elements: str
    allowed_subjects:
      description: The allowed clients' subjects as Envoy prints them, in the order of RV(mtls_result.allowed).
      type: list
      elements: str
    revoked:
      description: O(revoked_clients).
      type: list
      elements: str
summary:
  description: What the job set up (or removed), in a few lines for the play's output.
  returned: on success
  type: list
  elements: str
"""
