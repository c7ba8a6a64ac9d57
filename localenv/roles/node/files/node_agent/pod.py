"""One pod on the node: its network namespace, volumes, init containers, containers (processes),
probes, restarts and status; and its end when the pod is deleted."""

import hashlib
import http.client
import os
import shutil
import signal
import subprocess
import threading
import time

from node_agent import netns
from node_agent.env import EnvError, command_line, container_env
from node_agent.images import NotRunnable
from node_agent.kube import ApiError
from node_agent.status import Container, comparable, now, pod_status
from node_agent.volumes import VolumeError, decode_secret, link_files, link_mounts, materialize, volume_files

BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
BACKOFF_MAX = 30.0        # seconds between restarts of a crashing container, at most
UNREADY_PROBE_PERIOD = 0.5  # until a container is ready for the first time, probe this often


class PodFailure(Exception):
    """The pod cannot run here; the message says why (it goes into the pod's status)."""


class _Fetch:
    """Reads what volumes and env refer to, for one pod; tokens are cached until 80% of their life."""

    def __init__(self, kube, pod, tokens):
        self.kube, self.pod, self.tokens = kube, pod, tokens
        self.namespace = pod["metadata"]["namespace"]

    def _object(self, kind, name, optional):
        found = self.kube.get("/api/v1/namespaces/%s/%s/%s" % (self.namespace, kind, name))
        if found is None and not optional:
            raise PodFailure("%s %s/%s does not exist" % (kind[:-1], self.namespace, name))
        return found

    def config_map(self, name, optional):
        found = self._object("configmaps", name, optional)
        return None if found is None else dict(found.get("data") or {})

    def secret(self, name, optional):
        found = self._object("secrets", name, optional)
        return None if found is None else decode_secret(found.get("data"))

    def token(self, service_account, audience, seconds):
        key = (service_account, audience, seconds)
        token, renew_at = self.tokens.get(key, (None, 0))
        if token is None or time.time() > renew_at:
            token = self.kube.token(self.namespace, service_account, audience, max(int(seconds), 600), self.pod)
            self.tokens[key] = (token, time.time() + 0.8 * max(int(seconds), 600))
        return token

    def lookup(self, kind, name, key, optional):
        data = self.config_map(name, optional) if kind == "configMap" else self.secret(name, optional)
        if data is None:
            return None
        if key is None:  # envFrom: every key, as text
            return {k: v.decode("utf-8", "replace") if isinstance(v, bytes) else v for k, v in data.items()}
        if key not in data:
            if optional:
                return None
            raise PodFailure("%s %s/%s has no key %s" % (kind, self.namespace, name, key))
        value = data[key]
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


class PodRunner:
    def __init__(self, node, pod):
        self.node = node
        self.pod = pod
        meta = pod["metadata"]
        self.key = "%s/%s" % (meta["namespace"], meta["name"])
        self.uid = meta["uid"]
        self.dir = os.path.join(node.pods_dir, "%s_%s_%s" % (meta["namespace"], meta["name"], self.uid[:8]))
        self.namespace = "%s-%s" % (node.network.prefix, hashlib.sha256(self.uid.encode()).hexdigest()[:8])
        self.ip = None
        self.failure = None
        self.started = None
        self.lock = threading.RLock()
        self.stopping = False
        self.stopped = threading.Event()
        self.tokens = {}
        spec, status = pod["spec"], pod.get("status") or {}
        self.containers = [Container(c, init=True) for c in spec.get("initContainers") or []] + [
            Container(c) for c in spec["containers"]]
        # A pod that ran before (the node restarted): its containers start again, and that counts.
        before = {s["name"]: s.get("restartCount", 0) + 1 for s in status.get("containerStatuses", [])
                  + status.get("initContainerStatuses", [])} if status.get("podIP") else {}
        for container in self.containers:
            container.restarts = before.get(container.name, 0)
        self.processes = {}      # container name -> Popen
        self.plans = {}          # container name -> image plan
        self.restart_at = {}     # container name -> monotonic time
        self.probe_at = {}       # container name -> monotonic time of the next readiness probe
        self.probe_failures = {}
        self.published = None
        self.retry_publish_at = 0.0
        self.fetch = _Fetch(node.kube, pod, self.tokens)

    # ---- setting up -------------------------------------------------------------------------

    def start(self):
        threading.Thread(target=self._run, name="pod " + self.key, daemon=True).start()

    def _run(self):
        """Set the pod up and start it; what may resolve itself (a ConfigMap or Secret that does not
        exist yet, an apiserver error) is tried again, as the kubelet does; an image this node
        cannot run is not."""
        attempt = 0
        while not self.stopping:
            try:
                self._setup()
                self._run_init_containers()
                for container in self.containers:
                    if not container.init and not self.stopping:
                        self._start_container(container)
                self.failure = None
                break
            except (PodFailure, NotRunnable, VolumeError, EnvError, netns.NetworkError, ApiError, OSError) as failure:
                with self.lock:
                    self.failure = str(failure)
                    for container in self.containers:
                        if container.started_at is None:
                            container.waiting = (_reason(failure), str(failure))
                self.node.log("%s cannot run: %s" % (self.key, failure))
                self.publish()
                if isinstance(failure, (NotRunnable, EnvError)) or self.pod["spec"].get("hostNetwork"):
                    return
                self._undo_setup()
                attempt += 1
                time.sleep(min(BACKOFF_MAX, 2 ** attempt))
        self.publish()

    def _undo_setup(self):
        """Take away what a failed set-up created, before the next attempt."""
        for container in self.containers:
            self._signal(container, signal.SIGKILL)
        for process in self.processes.values():
            process.wait()
        self.processes.clear()
        for index in range(len(self.node.host_links)):
            self.node.forwarder.close(self._link_key(index))
        self.node.network.remove_pod(self.namespace)
        self.ip = None

    def _setup(self):
        spec = self.pod["spec"]
        if spec.get("hostNetwork"):
            raise PodFailure("pods on the host's network (hostNetwork) do not run on the local node")
        for container in self.containers:
            self.plans[container.name] = self.node.images.plan(container.spec)
        self.started = now()
        self.ip = self.node.network.add_pod(self.namespace)
        status = dict(self.pod.get("status") or {}, podIP=self.ip, podIPs=[{"ip": self.ip}], hostIP=self.node.host_ip)
        self.pod = dict(self.pod, status=status)
        self.fetch.pod = self.pod
        for sysctl in (spec.get("securityContext") or {}).get("sysctls") or []:
            netns.sysctl(self.namespace, sysctl["name"], sysctl["value"])
        for index, link in enumerate(self.node.host_links):
            self.node.forwarder.listen(
                self._link_key(index), "127.0.0.1:%d" % int(link["port"]),
                None if link.get("proxy_ports") else _fixed_target(("127.0.0.1", int(link["target_port"]))),
                namespace=self.namespace, proxy_ports=[int(p) for p in link.get("proxy_ports") or []])
        self.refresh_volumes()
        self.publish()

    def _link_key(self, index):
        return "link %s %d" % (self.uid, index)

    def volume_dirs(self):
        return {v["name"]: os.path.join(self.dir, "volumes", v["name"]) for v in self.pod["spec"].get("volumes") or []}

    def refresh_volumes(self):
        """Write every volume's files (again: tokens expire, ConfigMaps change)."""
        for volume in self.pod["spec"].get("volumes") or []:
            folder = os.path.join(self.dir, "volumes", volume["name"])
            files = volume_files(volume, self.pod, self.fetch, self.node.allocatable)
            materialize(folder, files)

    def _run_init_containers(self):
        for container in [c for c in self.containers if c.init]:
            while not self.stopping:
                self._start_container(container)
                if container.sidecar:
                    self._wait_started(container)
                    break
                code = self.processes[container.name].wait()
                with self.lock:
                    self._exited(container, code)
                if code == 0:
                    break
                self.publish()
                time.sleep(self._backoff(container))

    def _wait_started(self, container):
        """A sidecar init container lets the next one start once its startup probe passes (or it runs)."""
        probe = container.spec.get("startupProbe")
        deadline = time.monotonic() + 600
        while probe and not self.stopping and time.monotonic() < deadline:
            if self._probe(container, probe):
                return
            time.sleep(UNREADY_PROBE_PERIOD)

    # ---- containers -----------------------------------------------------------------------

    def _root(self, container):
        return os.path.join(self.dir, "rootfs", container.name)

    def _start_container(self, container):
        plan = self.plans[container.name]
        spec = plan["container"]
        root = self._root(container)
        os.makedirs(root, exist_ok=True)
        link_files(root, plan["files"], plan["copies"])
        link_mounts(root, spec, self.volume_dirs())
        variables = container_env(self.pod, spec, self.fetch.lookup, self.node.allocatable)
        argv = command_line(plan["entrypoint"], plan["default_args"], spec, variables)
        cwd = os.path.join(root, (spec.get("workingDir") or "").lstrip("/"))
        os.makedirs(cwd, exist_ok=True)
        env = {"PATH": BASE_PATH, "HOME": "/root", "HOSTNAME": self.pod["metadata"]["name"],
               # The working directory as the container sees it, through the volume links (for `cd ..`).
               "PWD": cwd}
        env.update({name: value.replace("{root}", root) for name, value in plan["env"].items()})
        env.update(variables)
        group = _run_as_group(self.pod["spec"], spec)
        wrapped = ["nsenter", "--net=" + netns.path(self.namespace)] + (["-G", str(group)] if group is not None else [])
        log_dir = os.path.join(self.dir, "logs")
        os.makedirs(log_dir, exist_ok=True)
        with open(os.path.join(log_dir, container.name + ".log"), "ab") as log:
            process = subprocess.Popen(  # pylint: disable=consider-using-with  # supervised by tick()
                wrapped + ["--"] + argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True, close_fds=True)
        with self.lock:
            self.processes[container.name] = process
            container.pid = process.pid
            container.started_at = now()
            container.exit_code = None
            container.waiting = None
            container.ready = _probe_spec(container) is None
            self.probe_at[container.name] = time.monotonic() + (_probe_spec(container) or {}).get("initialDelaySeconds", 0)
            self.probe_failures[container.name] = 0
        self.node.log("%s: started %s (pid %d): %s" % (self.key, container.name, process.pid, " ".join(argv)))
        self._post_start(container, spec)

    def _post_start(self, container, spec):
        hook = ((spec.get("lifecycle") or {}).get("postStart") or {}).get("exec")
        if not hook:
            return
        command = self.node.images.plan(dict(spec, command=hook["command"], args=None))["container"]["command"]
        done = subprocess.run(["nsenter", "--net=" + netns.path(self.namespace), "--"] + command,
                              cwd=self._root(container), capture_output=True, timeout=600, check=False)
        if done.returncode != 0:
            self.node.log("%s: postStart of %s failed: %s" % (self.key, container.name, done.stdout[-500:]))
            self._signal(container, signal.SIGKILL)

    def _exited(self, container, code):
        container.exit_code = code
        container.finished_at = now()
        container.ready = False
        container.pid = None
        self.processes.pop(container.name, None)

    def _backoff(self, container):
        return min(BACKOFF_MAX, 0.5 * 2 ** min(container.restarts, 8))

    def _signal(self, container, sig):
        process = self.processes.get(container.name)
        if process and process.poll() is None:
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                pass

    # ---- probes ---------------------------------------------------------------------------

    def _probe(self, container, probe):
        """One probe from the node (the pod network's bridge), as the kubelet makes it."""
        timeout = probe.get("timeoutSeconds", 1)
        try:
            if "httpGet" in probe:
                get = probe["httpGet"]
                sock = netns.socket_in(self.node.network.namespace)
                sock.settimeout(timeout)
                sock.connect((self.ip, _port(container.spec, get["port"])))
                connection = http.client.HTTPConnection(self.ip, timeout=timeout)
                connection.sock = sock
                headers = {h["name"]: h["value"] for h in get.get("httpHeaders") or []}
                connection.request("GET", get.get("path", "/"), headers=headers)
                status = connection.getresponse().status
                connection.close()
                return 200 <= status < 400
            if "tcpSocket" in probe:
                with netns.socket_in(self.node.network.namespace) as sock:
                    sock.settimeout(timeout)
                    sock.connect((self.ip, _port(container.spec, probe["tcpSocket"]["port"])))
                return True
            if "exec" in probe:
                command = self.node.images.plan(dict(container.spec, command=probe["exec"]["command"], args=None))
                done = subprocess.run(["nsenter", "--net=" + netns.path(self.namespace), "--"]
                                      + command["container"]["command"], cwd=self._root(container),
                                      capture_output=True, timeout=max(timeout, 1), check=False)
                return done.returncode == 0
        except (OSError, http.client.HTTPException, subprocess.TimeoutExpired, NotRunnable):
            return False
        return True  # a probe kind this node does not make (grpc) counts as passing

    def _run_probes(self, container, moment):
        probe = _probe_spec(container)
        if probe is None or container.name not in self.processes or moment < self.probe_at.get(container.name, 0):
            return
        ok = self._probe(container, probe)
        if ok:
            self.probe_failures[container.name] = 0
            container.ready = True
        else:
            self.probe_failures[container.name] += 1
            if self.probe_failures[container.name] >= probe.get("failureThreshold", 3) or not container.ready:
                container.ready = False
        period = probe.get("periodSeconds", 10) if container.ready else UNREADY_PROBE_PERIOD
        self.probe_at[container.name] = moment + period

    # ---- supervision ----------------------------------------------------------------------

    def tick(self):
        """Called often by the node: notice exits, restart, probe, publish what changed."""
        if self.stopping or self.failure or self.ip is None:
            return
        moment = time.monotonic()
        restart = []
        with self.lock:
            for container in self.containers:
                if container.init and not container.sidecar:
                    continue
                process = self.processes.get(container.name)
                if process is not None and process.poll() is not None:
                    self.node.log("%s: %s exited with %s" % (self.key, container.name, process.returncode))
                    self._exited(container, process.returncode)
                    container.restarts += 1
                    container.waiting = ("CrashLoopBackOff" if container.restarts > 1 else "Error",
                                         "exited with %s; see %s" % (container.exit_code, self.log_path(container)))
                    self.restart_at[container.name] = moment + self._backoff(container)
                if process is None and container.name in self.restart_at and moment >= self.restart_at[container.name]:
                    del self.restart_at[container.name]
                    restart.append(container)
        for container in restart:
            try:
                self._start_container(container)
            except (NotRunnable, VolumeError, EnvError, PodFailure, OSError, ApiError) as failure:
                container.waiting = (_reason(failure), str(failure))
                self.restart_at[container.name] = moment + self._backoff(container)
        for container in self.containers:
            self._run_probes(container, moment)
        self.publish()

    def log_path(self, container):
        return os.path.join(self.dir, "logs", container.name + ".log")

    def status(self):
        with self.lock:
            return pod_status(self.containers, self.node.host_ip, self.ip, self.started, self.failure)

    def publish(self):
        """Send the pod's status to the apiserver when it changed."""
        status = self.status()
        if self.published is not None and comparable(status) == comparable(self.published):
            return
        if time.monotonic() < self.retry_publish_at:
            return
        meta = self.pod["metadata"]
        try:
            # A merge patch replaces the lists: a pod this node runs again (it restarted) has a new address.
            self.node.kube.merge_patch("/api/v1/namespaces/%s/pods/%s/status" % (meta["namespace"], meta["name"]),
                                       {"metadata": {"uid": self.uid}, "status": status})
            self.published = status
        except (ApiError, OSError) as error:
            self.node.log("%s: status not sent: %s" % (self.key, error))
            self.retry_publish_at = time.monotonic() + 2

    # ---- the end ----------------------------------------------------------------------------

    def stop(self, grace=None):
        """Stop the containers (SIGTERM, then SIGKILL after the grace period) and take the pod's
        network and files away. Main containers first, then sidecars, as the kubelet does."""
        self.stopping = True
        if grace is None:
            grace = self.pod["spec"].get("terminationGracePeriodSeconds", 30)
        grace = min(grace, self.node.max_grace)
        order = [c for c in self.containers if not c.init] + [c for c in reversed(self.containers) if c.sidecar]
        for group in (order[:len([c for c in self.containers if not c.init])], [c for c in order if c.sidecar]):
            for container in group:
                self._signal(container, signal.SIGTERM)
            deadline = time.monotonic() + grace
            for container in group:
                process = self.processes.get(container.name)
                if process is None:
                    continue
                try:
                    process.wait(max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    self._signal(container, signal.SIGKILL)
                    process.wait()
                with self.lock:
                    self._exited(container, process.returncode)
        for index in range(len(self.node.host_links)):
            self.node.forwarder.close(self._link_key(index))
        self.node.network.remove_pod(self.namespace)
        self.stopped.set()

    def remove_files(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def summary(self):
        """What the node's status page shows about this pod."""
        with self.lock:
            return {"pod": self.key, "ip": self.ip, "netns": self.namespace, "failure": self.failure,
                    "containers": [{"name": c.name, "image": c.image, "local": self.plans.get(c.name, {}).get("image"),
                                    "pid": c.pid, "ready": c.ready, "restarts": c.restarts, "state": c.state(),
                                    "log": self.log_path(c)} for c in self.containers]}


def _reason(failure):
    if isinstance(failure, NotRunnable):
        return "ImageNotRunnableLocally"
    if isinstance(failure, (VolumeError, PodFailure)):
        return "CreateContainerConfigError"
    return "CreateContainerError"


def _probe_spec(container):
    return container.spec.get("readinessProbe")


def _port(spec, port):
    if isinstance(port, int) or str(port).isdigit():
        return int(port)
    for candidate in spec.get("ports") or []:
        if candidate.get("name") == port:
            return candidate["containerPort"]
    raise OSError("container %s has no port named %s" % (spec["name"], port))


def _run_as_group(pod_spec, spec):
    for context in (spec.get("securityContext") or {}, pod_spec.get("securityContext") or {}):
        if context.get("runAsGroup") is not None:
            return context["runAsGroup"]
    return None


def _fixed_target(address):
    return lambda: (None, address)
