"""The node: registers itself, keeps its lease, runs the pods the scheduler binds to it, and plays
the cloud's load balancer for LoadBalancer Services it is told to publish on the host."""

import datetime
import os
import platform
import sys
import threading
import time

from node_agent import netns
from node_agent.cleanup import clean
from node_agent.forward import Forwarder
from node_agent.images import ImageTable
from node_agent.kube import ApiError, Kube
from node_agent.pod import PodRunner

LEASE_SECONDS = 40


def _micro_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Node:
    def __init__(self, config):
        self.config = config
        self.name = config["node_name"]
        self.kube = Kube(config["kubeconfig"], config["context"])
        self.network = netns.PodNetwork(config["netns_prefix"], config["pod_cidr"])
        self.host_ip = self.network.gateway
        self.images = ImageTable(config["images"], config["binaries"])
        self.host_links = config.get("host_links", [])
        self.max_grace = config.get("max_grace_seconds", 10)
        self.pods_dir = os.path.join(config["state_dir"], "pods")
        self.allocatable = {"cpu": str(os.cpu_count() or 1), "memory": "%dKi" % _memory_kib(), "pods": "110"}
        self.forwarder = None
        self.pods = {}           # uid -> PodRunner
        self.lock = threading.RLock()
        self.done = threading.Event()
        self.endpoints = {}      # (namespace, service, port) -> (expiry, [(ip, port)])
        self.errors = []         # recent problems, for the status page

    def log(self, message):
        sys.stdout.write("%s %s\n" % (_micro_now(), message))
        sys.stdout.flush()

    # ---- the Node object and its lease --------------------------------------------------------

    def node_object(self):
        info = {"kubeletVersion": self.config.get("kubelet_version", "v0.0.0"), "kubeProxyVersion": "",
                "containerRuntimeVersion": "kyma-mtls-localenv://1", "operatingSystem": "linux",
                "architecture": {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine()),
                "osImage": "kyma.mtls local environment", "kernelVersion": platform.release(),
                "machineID": "", "systemUUID": "", "bootID": ""}
        since = _micro_now()[:19] + "Z"
        conditions = [{"type": kind, "status": status, "reason": reason, "message": message,
                       "lastHeartbeatTime": since, "lastTransitionTime": since}
                      for kind, status, reason, message in (
                          ("Ready", "True", "KubeletReady", "the local node runs pods as processes"),
                          ("MemoryPressure", "False", "KubeletHasSufficientMemory", ""),
                          ("DiskPressure", "False", "KubeletHasNoDiskPressure", ""),
                          ("PIDPressure", "False", "KubeletHasSufficientPID", ""))]
        return {"capacity": self.allocatable, "allocatable": self.allocatable, "conditions": conditions,
                "addresses": [{"type": "InternalIP", "address": self.host_ip}, {"type": "Hostname", "address": self.name}],
                "nodeInfo": info, "daemonEndpoints": {"kubeletEndpoint": {"Port": 0}}}

    def register(self):
        path = "/api/v1/nodes/" + self.name
        if self.kube.get(path) is None:
            labels = {"kubernetes.io/hostname": self.name, "kubernetes.io/os": "linux",
                      "kubernetes.io/arch": self.node_object()["nodeInfo"]["architecture"],
                      "node.kubernetes.io/instance-type": "localenv"}
            self.kube.create("/api/v1/nodes", {"apiVersion": "v1", "kind": "Node",
                                               "metadata": {"name": self.name, "labels": labels}})
        self.kube.strategic_patch(path + "/status", {"status": self.node_object()})
        self.renew_lease()

    def renew_lease(self):
        path = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/" + self.name
        spec = {"holderIdentity": self.name, "leaseDurationSeconds": LEASE_SECONDS, "renewTime": _micro_now()}
        if self.kube.get(path) is None:
            self.kube.create("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
                             {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                              "metadata": {"name": self.name, "namespace": "kube-node-lease"}, "spec": spec})
        else:
            self.kube.merge_patch(path, {"spec": spec})

    def _heartbeat(self):
        beats = 0
        while not self.done.wait(10):
            try:
                self.renew_lease()
                beats += 1
                if beats % 6 == 0:
                    self.kube.strategic_patch("/api/v1/nodes/%s/status" % self.name, {"status": self.node_object()})
            except (ApiError, OSError) as error:
                self.problem("heartbeat: %s" % error)

    def problem(self, message):
        self.log(message)
        self.errors = (self.errors + [message])[-20:]

    # ---- pods -------------------------------------------------------------------------------

    def _watch_pods(self):
        path = "/api/v1/pods"
        query = {"fieldSelector": "spec.nodeName=" + self.name}
        while not self.done.is_set():
            try:
                listed = self.kube.request("GET", path, query=query)
                self.reconcile({p["metadata"]["uid"]: p for p in listed["items"]})
                version = listed["metadata"]["resourceVersion"]
                for kind, pod in self.kube.watch(path, version, query):
                    if self.done.is_set():
                        return
                    if kind == "BOOKMARK":
                        continue
                    if kind == "ERROR":
                        break
                    self.pod_event(kind, pod)
            except (ApiError, OSError, ValueError) as error:
                if not self.done.is_set():
                    self.problem("watching pods: %s" % error)
                    self.done.wait(1)

    def reconcile(self, listed):
        with self.lock:
            for uid in list(self.pods):
                if uid not in listed:
                    self._finish(uid, delete=False)
        for pod in listed.values():
            self.pod_event("MODIFIED", pod)

    def pod_event(self, kind, pod):
        uid = pod["metadata"]["uid"]
        with self.lock:
            runner = self.pods.get(uid)
            if kind == "DELETED":
                if runner is not None:
                    self._finish(uid, delete=False)
                return
            if pod["metadata"].get("deletionTimestamp"):
                if runner is None:
                    threading.Thread(target=self._delete_pod_object, args=(pod,), daemon=True).start()
                elif not runner.stopping:
                    self._finish(uid, delete=True, grace=pod["metadata"].get("deletionGracePeriodSeconds"))
                return
            if runner is None and (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
                runner = PodRunner(self, pod)
                self.pods[uid] = runner
                runner.start()

    def _finish(self, uid, delete, grace=None):
        runner = self.pods[uid]

        def finish():
            runner.stop(grace)
            runner.remove_files()
            with self.lock:
                self.pods.pop(uid, None)
            if delete:
                self._delete_pod_object(runner.pod)
        runner.stopping = True
        threading.Thread(target=finish, name="stop " + runner.key, daemon=True).start()

    def _delete_pod_object(self, pod):
        """What the kubelet does last: remove the object once nothing of the pod runs."""
        meta = pod["metadata"]
        self.kube.delete("/api/v1/namespaces/%s/pods/%s" % (meta["namespace"], meta["name"]),
                         {"gracePeriodSeconds": 0, "preconditions": {"uid": meta["uid"]}})

    def _supervise(self):
        refreshed = time.monotonic()
        while not self.done.wait(0.25):
            with self.lock:
                runners = list(self.pods.values())
            for runner in runners:
                try:
                    runner.tick()
                except Exception as error:  # pylint: disable=broad-except  # one pod must not stop the node
                    self.problem("%s: %s" % (runner.key, error))
            if time.monotonic() - refreshed > 60:
                refreshed = time.monotonic()
                for runner in runners:
                    if runner.ip and not runner.stopping and not runner.failure:
                        try:
                            runner.refresh_volumes()
                        except Exception as error:  # pylint: disable=broad-except
                            self.problem("%s: volumes: %s" % (runner.key, error))

    # ---- load balancers -----------------------------------------------------------------------

    def service_endpoints(self, namespace, service, port):
        """Ready (address, port) pairs of a Service port, from its EndpointSlices (cached for 1 s)."""
        key = (namespace, service, port)
        expiry, found = self.endpoints.get(key, (0, []))
        if time.monotonic() < expiry:
            return found
        svc = self.kube.get("/api/v1/namespaces/%s/services/%s" % (namespace, service))
        if svc is None:
            raise LookupError("Service %s/%s does not exist" % (namespace, service))
        port_name = next((p.get("name", "") for p in svc["spec"]["ports"] if p["port"] == port), None)
        slices = self.kube.request("GET", "/apis/discovery.k8s.io/v1/namespaces/%s/endpointslices" % namespace,
                                   query={"labelSelector": "kubernetes.io/service-name=" + service})["items"]
        found = []
        for item in slices:
            target = next((p["port"] for p in item.get("ports") or [] if p.get("name", "") == port_name), None)
            for endpoint in item.get("endpoints") or []:
                if target and (endpoint.get("conditions") or {}).get("ready", True):
                    found += [(address, target) for address in endpoint["addresses"]]
        self.endpoints[key] = (time.monotonic() + 1, found)
        return found

    def _balancer_target(self, balancer):
        counter = [0]

        def target():
            found = self.service_endpoints(balancer["namespace"], balancer["service"], balancer["port"])
            if not found:
                raise LookupError("no ready endpoint")
            counter[0] += 1
            return self.network.namespace, found[counter[0] % len(found)]
        return target

    def publish_balancers(self):
        for balancer in self.config.get("load_balancers", []):
            for listen in balancer["listen"]:
                self.forwarder.listen("lb", listen, self._balancer_target(balancer))

    def _mark_balancers(self):
        """Give each published Service the load balancer's address, as a cloud would."""
        done = set()
        for balancer in self.config.get("load_balancers", []):
            key = (balancer["namespace"], balancer["service"])
            if key in done:
                continue
            done.add(key)
            service = self.kube.get("/api/v1/namespaces/%s/services/%s" % key)
            if service is None or service["spec"].get("type") != "LoadBalancer":
                continue  # a port forward to a Service of another type: nothing to say in its status
            ingress = [{"ip": "127.0.0.1", "ipMode": "VIP"}]
            if (service.get("status") or {}).get("loadBalancer", {}).get("ingress") != ingress:
                self.kube.merge_patch("/api/v1/namespaces/%s/services/%s/status" % key,
                                      {"status": {"loadBalancer": {"ingress": ingress}}})

    # ---- running and stopping ---------------------------------------------------------------

    def run(self):
        # What an earlier run left behind (it was killed, say): its pods' processes go, then their namespaces.
        clean(self.network.prefix, say=lambda text: self.log("cleaning up: " + text))
        self.network.create()
        self.forwarder = Forwarder()
        self.publish_balancers()
        self.register()
        threads = [threading.Thread(target=t, name=t.__name__, daemon=True)
                   for t in (self._heartbeat, self._watch_pods, self._supervise, self._balancer_marks)]
        for thread in threads:
            thread.start()

    def _balancer_marks(self):
        while not self.done.is_set():
            try:
                self._mark_balancers()
            except (ApiError, OSError) as error:
                self.problem("load balancer status: %s" % error)
            self.done.wait(10)

    def stop(self):
        """Stop every pod (in parallel), then the pod network and the forwarder."""
        self.done.set()
        with self.lock:
            runners = list(self.pods.values())
        threads = [threading.Thread(target=r.stop, daemon=True) for r in runners if not r.stopped.is_set()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(self.max_grace + 10)
        if self.forwarder:
            self.forwarder.stop()
        self.network.destroy()

    def balancers(self):
        """Each published Service port, where it listens and the ready endpoints it forwards to."""
        found = []
        for balancer in self.config.get("load_balancers", []):
            entry = dict(balancer)
            try:
                entry["endpoints"] = ["%s:%d" % e for e in self.service_endpoints(
                    balancer["namespace"], balancer["service"], balancer["port"])]
            except (LookupError, ApiError, OSError) as error:
                entry["endpoints"], entry["error"] = [], str(error)
            found.append(entry)
        return found

    def summary(self):
        with self.lock:
            runners = list(self.pods.values())
        return {"node": self.name, "network": str(self.network.network), "pods": [r.summary() for r in runners],
                "load_balancers": self.balancers(), "problems": self.errors}


def _memory_kib():
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                return int(line.split()[1])
    return 1024 * 1024
