"""The status a kubelet reports for a pod, from what runs."""

import datetime


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Container:
    """What is known about one container of a running pod."""

    def __init__(self, spec, init=False):
        self.name = spec["name"]
        self.image = spec["image"]
        self.init = init
        # An init container with restartPolicy Always is a sidecar (Kubernetes' native sidecars).
        self.sidecar = init and spec.get("restartPolicy") == "Always"
        self.spec = spec
        self.started_at = None   # while it runs
        self.finished_at = None
        self.exit_code = None    # once it has exited (init containers: 0 means done)
        self.restarts = 0
        self.ready = False
        self.waiting = ("ContainerCreating", "")  # (reason, message) while it does not run
        self.pid = None

    def state(self):
        if self.started_at and self.exit_code is None:
            return {"running": {"startedAt": self.started_at}}
        if self.exit_code is not None and self.waiting is None:
            return {"terminated": {"exitCode": self.exit_code, "reason": "Completed" if self.exit_code == 0 else "Error",
                                   "startedAt": self.started_at, "finishedAt": self.finished_at}}
        reason, message = self.waiting or ("ContainerCreating", "")
        waiting = {"reason": reason}
        if message:
            waiting["message"] = message
        return {"waiting": waiting}

    def status(self):
        running = "running" in self.state()
        return {"name": self.name, "image": self.image, "imageID": "", "containerID": "localenv://%s" % (self.pid or ""),
                "ready": self.ready and running, "restartCount": self.restarts, "started": running,
                "state": self.state()}


def _condition(kind, true, since):
    return {"type": kind, "status": "True" if true else "False", "lastProbeTime": None, "lastTransitionTime": since}


def pod_status(containers, host_ip, pod_ip, started, failure=None):
    """The pod's status: phase, conditions, addresses and container statuses."""
    inits = [c for c in containers if c.init]
    mains = [c for c in containers if not c.init]
    initialized = all(c.exit_code == 0 or (c.sidecar and c.started_at) for c in inits)
    ready = initialized and all(c.ready and c.started_at and c.exit_code is None for c in mains + [
        c for c in inits if c.sidecar])
    phase = "Running" if initialized and any(c.started_at and c.exit_code is None for c in mains) else "Pending"
    since = started or now()
    status = {
        "phase": phase,
        "hostIP": host_ip, "hostIPs": [{"ip": host_ip}],
        "startTime": since,
        "conditions": [
            _condition("PodReadyToStartContainers", bool(pod_ip), since),
            _condition("Initialized", initialized, since),
            _condition("ContainersReady", ready, since),
            _condition("Ready", ready, since),
        ],
        "initContainerStatuses": [c.status() for c in inits],
        "containerStatuses": [c.status() for c in mains],
    }
    if pod_ip:
        status.update(podIP=pod_ip, podIPs=[{"ip": pod_ip}])
    if failure:
        status["message"] = failure
        status["reason"] = "LocalNodeCannotRun"
    return status


def comparable(status):
    """The status without the timestamps of conditions, to tell whether anything changed."""
    copy = dict(status)
    copy["conditions"] = [{k: v for k, v in c.items() if k != "lastTransitionTime"} for c in status["conditions"]]
    return copy
