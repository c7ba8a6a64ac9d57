#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: daemon
short_description: Run a local server process (etcd, kube-apiserver, istiod) in the background
version_added: 0.3.0
description:
  - Starts a command as a background process that outlives the task, records it in a pid file
    with its command line, and waits until it is ready (a TCP port accepts connections, or an
    HTTP(S) URL answers 200). Starting a service that runs as asked is a no-op; one that runs with
    another command or environment than asked is restarted.
  - Stops it (SIGTERM to its process group, then SIGKILL) and removes the pid file; stopping a
    service that does not run is a no-op. A pid file whose process is gone or belongs to another
    command is treated as not running and never signalled.
  - Used by the roles of the local environment (C(kyma_mtls.localenv.cluster), C(kyma_mtls.localenv.istio),
    C(kyma_mtls.localenv.node)); servers are expected to listen on 127.0.0.1.
author:
  - kyma.mtls developers (@kyma-mtls)
attributes:
  check_mode:
    support: full
    description: Reports whether the service would be started or stopped.
  diff_mode:
    support: none
    description: Nothing to compare.
  idempotent:
    support: full
    description: A running service is left alone; a stopped one stays stopped.
options:
  name:
    description: A name for messages.
    type: str
    required: true
  state:
    description:
      - C(started) starts the service if needed and waits until ready; C(stopped) stops it.
      - C(status) changes nothing; it reports whether the service runs and fails when it has crashed (its pid
        file is there, its process is not), naming its log.
    type: str
    choices: [started, stopped, status]
    default: started
  command:
    description: The program (absolute path) and its arguments. Required with O(state=started).
    type: list
    elements: str
  pid_file:
    description: Where the service's pid and command line are kept.
    type: path
    required: true
  log_file:
    description: Where the service's output goes (appended). Default is O(pid_file) with C(.log).
    type: path
  environment:
    description: Extra environment variables for the service.
    type: dict
    default: {}
  cwd:
    description: The service's working directory (default the module's).
    type: path
  ready_port:
    description: The service is ready when 127.0.0.1 accepts connections on this port. Also checked to be free before starting.
    type: int
  ready_url:
    description: The service is ready when this URL answers 200 (HTTPS with O(ready_ca), O(ready_cert), O(ready_key)).
    type: str
  ready_ca:
    description: CA bundle to verify O(ready_url).
    type: path
  ready_cert:
    description: Client certificate to present to O(ready_url).
    type: path
  ready_key:
    description: Key of O(ready_cert).
    type: path
  restart:
    description:
      - With O(state=started), stop the service first if it runs, for example because its configuration changed.
    type: bool
    default: false
  stop_timeout:
    description: Seconds a stopping service gets after SIGTERM before SIGKILL.
    type: int
    default: 15
  timeout:
    description: Seconds to wait for readiness.
    type: int
    default: 60
"""

EXAMPLES = r"""
- name: Run etcd on 127.0.0.1
  kyma_mtls.localenv.daemon:
    name: etcd
    command: [/opt/etcd/etcd, --data-dir, /var/tmp/etcd, --listen-client-urls, "http://127.0.0.1:23790",
              --advertise-client-urls, "http://127.0.0.1:23790"]
    pid_file: /var/tmp/etcd.pid
    ready_port: 23790

- name: Stop it
  kyma_mtls.localenv.daemon:
    name: etcd
    state: stopped
    pid_file: /var/tmp/etcd.pid

- name: Fail if it has crashed
  kyma_mtls.localenv.daemon:
    name: etcd
    state: status
    pid_file: /var/tmp/etcd.pid
"""

RETURN = r"""
pid:
  description: The service's process id, or null when it does not run.
  returned: always
  type: int
running:
  description: Whether the service runs after the task.
  returned: always
  type: bool
crashed:
  description: Whether, before the task, a pid file was there but its process was gone (the service died).
  returned: always
  type: bool
log_file:
  description: The service's log.
  returned: always
  type: str
status:
  description: With O(state=status), C(running (pid N)), C(stopped) or C(crashed).
  returned: when state is status
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.kyma.mtls.plugins.module_utils.execute import execute
from ansible_collections.kyma_mtls.localenv.plugins.module_utils.daemon_runner import ensure_service


def main():
    module = AnsibleModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "state": {"type": "str", "choices": ["started", "stopped", "status"], "default": "started"},
            "command": {"type": "list", "elements": "str"},
            "pid_file": {"type": "path", "required": True},
            "log_file": {"type": "path"},
            "environment": {"type": "dict", "default": {}},
            "cwd": {"type": "path"},
            "ready_port": {"type": "int"},
            "ready_url": {"type": "str"},
            "ready_ca": {"type": "path"},
            "ready_cert": {"type": "path"},
            "ready_key": {"type": "path"},
            "timeout": {"type": "int", "default": 60},
            "restart": {"type": "bool", "default": False},
            "stop_timeout": {"type": "int", "default": 15},
        },
        required_if=[("state", "started", ["command"]), ("state", "started", ["ready_port", "ready_url"], True)],
        supports_check_mode=True,
    )
    execute(module, ensure_service, needs_cryptography=False)


if __name__ == "__main__":
    main()
