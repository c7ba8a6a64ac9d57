# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The work behind kyma_mtls.localenv.daemon."""

from __future__ import annotations

import os

from ansible_collections.kyma_mtls.localenv.plugins.module_utils.daemon import (
    fingerprint, recorded_fingerprint, running_pid, start, stop)


def ensure_service(params, check_mode=False):
    pid_file = params["pid_file"]
    log_file = params["log_file"] or pid_file + ".log"
    pid = running_pid(pid_file)
    # A pid file without its process: the service died without being stopped.
    result = {"log_file": log_file, "crashed": pid is None and os.path.exists(pid_file)}
    if params["state"] == "status":
        result.update(changed=False, pid=pid, running=pid is not None,
                      status="running (pid %d)" % pid if pid is not None else "crashed" if result["crashed"] else "stopped")
        if result["crashed"]:
            result["failure"] = "%s has crashed (its pid file is there, its process is not); see %s" % (
                params["name"], log_file)
        return result
    if params["state"] == "stopped":
        changed = pid is not None if check_mode else stop(pid_file, params["stop_timeout"])
        result.update(changed=changed, pid=pid if check_mode else None, running=bool(check_mode and pid))
        return result
    env = {k: str(v) for k, v in params["environment"].items()}
    # Asked to run differently from how it runs (another command or environment): start it again.
    differs = pid is not None and recorded_fingerprint(pid_file) != fingerprint(params["command"], env, params["cwd"])
    if check_mode:
        result.update(changed=pid is None or bool(params.get("restart")) or differs, pid=pid, running=pid is not None)
        return result
    restarted = (params.get("restart") or differs) and pid is not None and stop(pid_file, params["stop_timeout"])
    ready = {"port": params["ready_port"], "url": params["ready_url"], "ca": params["ready_ca"],
             "cert": params["ready_cert"], "key": params["ready_key"]}
    changed, pid = start(params["name"], params["command"], pid_file, log_file, ready, params["timeout"], env=env,
                         cwd=params["cwd"])
    result.update(changed=changed or bool(restarted), pid=pid, running=True)
    return result
