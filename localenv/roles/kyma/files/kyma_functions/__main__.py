"""The local environment's stand-in for Kyma serverless's Function controller:
python -m kyma_functions KUBECONFIG CONTEXT PORT. It keeps, for every Function, the Deployment and
Service that Kyma serverless 1.13 would make (kyma_functions.build), and the Function's status;
http://127.0.0.1:PORT/healthz answers once it watches."""

import datetime
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from kyma_functions import build
from node_agent.kube import ApiError, Kube

FUNCTIONS = "/apis/serverless.kyma-project.io/v1alpha2/functions"
RESYNC_SECONDS = 5


def log(message):
    sys.stdout.write("%s %s\n" % (datetime.datetime.now(datetime.timezone.utc).isoformat(), message))
    sys.stdout.flush()


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Controller:
    def __init__(self, kube):
        self.kube = kube
        self.wake = threading.Event()

    def deployments_of(self, function):
        selector = ",".join("%s=%s" % item for item in build.internal_labels(function).items())
        path = "/apis/apps/v1/namespaces/%s/deployments" % function["metadata"]["namespace"]
        return self.kube.request("GET", path, query={"labelSelector": selector})["items"]

    def ensure_service(self, function):
        wanted = build.service(function)
        path = "/api/v1/namespaces/%s/services/%s" % (function["metadata"]["namespace"], function["metadata"]["name"])
        current = self.kube.get(path)
        if current is None:
            self.kube.create(path.rsplit("/", 1)[0], wanted)
            return "ServiceCreated"
        if current["spec"].get("selector") != wanted["spec"]["selector"] or \
                [(p["port"], p.get("targetPort")) for p in current["spec"]["ports"]] != [(80, build.PORT)]:
            self.kube.merge_patch(path, {"metadata": {"labels": wanted["metadata"]["labels"]},
                                         "spec": {"selector": wanted["spec"]["selector"], "ports": wanted["spec"]["ports"]}})
            return "ServiceUpdated"
        return None

    def ensure_deployment(self, function):
        """(the Deployment, what was done or None)."""
        wanted = build.deployment(function)
        found = self.deployments_of(function)
        namespace = function["metadata"]["namespace"]
        if len(found) > 1:  # as the controller does: start over
            for item in found:
                self.kube.delete("/apis/apps/v1/namespaces/%s/deployments/%s" % (namespace, item["metadata"]["name"]))
            found = []
        if not found:
            return self.kube.create("/apis/apps/v1/namespaces/%s/deployments" % namespace, wanted), "DeploymentCreated"
        current = found[0]
        if build.template_changed(current["spec"]["template"], wanted["spec"]["template"]) or \
                current["spec"].get("replicas") != wanted["spec"]["replicas"]:
            # As Kyma does: the whole template and the replicas replaced (an Update, not a patch that
            # would keep labels, annotations or env entries the Function no longer has).
            path = "/apis/apps/v1/namespaces/%s/deployments/%s" % (namespace, current["metadata"]["name"])
            replaced = dict(current, metadata=dict(current["metadata"], labels=wanted["metadata"]["labels"]),
                            spec=dict(current["spec"], replicas=wanted["spec"]["replicas"],
                                      template=build.updated_template(current["spec"]["template"],
                                                                      wanted["spec"]["template"])))
            return self.kube.request("PUT", path, replaced), "DeploymentUpdated"
        return current, None

    def reconcile(self, function):
        meta = function["metadata"]
        if meta.get("deletionTimestamp"):
            return  # the Deployment and Service go with it (owner references, the garbage collector)
        status, reason, message = build.configuration_condition(function)
        conditions = [("ConfigurationReady", status, reason, message)]
        extra = {}
        if status == "True":
            service_change = self.ensure_service(function)
            deployment, change = self.ensure_deployment(function)
            running = build.running_condition(deployment)
            if change or service_change:
                running = ("Unknown", change or service_change, "%s %s" % (
                    "Deployment" if change else "Service",
                    deployment["metadata"]["name"] if change else meta["name"]))
            conditions.append(("Running",) + running)
            extra = {"runtime": function["spec"]["runtime"],
                     "runtimeImage": deployment["spec"]["template"]["spec"]["containers"][0]["image"],
                     "replicas": (deployment.get("status") or {}).get("replicas", 0),
                     "podSelector": ",".join("%s=%s" % i for i in sorted(build.selector(function).items()))}
        self.write_status(function, conditions, extra)

    def write_status(self, function, conditions, extra):
        current = {c["type"]: c for c in (function.get("status") or {}).get("conditions") or []}
        merged = []
        changed = False
        for kind, status, reason, message in conditions:
            old = current.get(kind, {})
            same = (old.get("status"), old.get("reason"), old.get("message")) == (status, reason, message)
            changed |= not same
            merged.append({"type": kind, "status": status, "reason": reason, "message": message,
                           "lastTransitionTime": old.get("lastTransitionTime") if same else now()})
        wanted = dict(extra, conditions=merged, observedGeneration=function["metadata"].get("generation"))
        old_status = function.get("status") or {}
        if not changed and all(old_status.get(k) == v for k, v in wanted.items() if k != "conditions"):
            return
        meta = function["metadata"]
        path = "%s/%s/status" % (FUNCTIONS.replace("/functions", "/namespaces/%s/functions" % meta["namespace"]),
                                 meta["name"])
        try:
            self.kube.merge_patch(path, {"status": wanted})
        except ApiError as error:
            log("%s/%s: status not written: %s" % (meta["namespace"], meta["name"], error))
        else:
            log("%s/%s: %s" % (meta["namespace"], meta["name"], "; ".join("%s %s %s" % c[:3] for c in conditions)))

    def resync(self):
        for function in self.kube.request("GET", FUNCTIONS)["items"]:
            try:
                self.reconcile(function)
            except ApiError as error:
                meta = function["metadata"]
                log("%s/%s: %s" % (meta["namespace"], meta["name"], error))

    def watch(self, path, query=None):
        """Wake the loop on every change of what path lists."""
        while True:
            try:
                listed = self.kube.request("GET", path, query=query)
                for dummy in self.kube.watch(path, listed["metadata"]["resourceVersion"], query):
                    self.wake.set()
            except (ApiError, OSError, ValueError) as error:
                log("watching %s: %s" % (path, error))
                time.sleep(1)

    def run(self):
        watches = ((FUNCTIONS, None),
                   ("/apis/apps/v1/deployments", {"labelSelector": "serverless.kyma-project.io/managed-by=function-controller"}))
        for path, query in watches:
            threading.Thread(target=self.watch, args=(path, query), daemon=True).start()
        log("watching Functions")
        while True:
            try:
                self.resync()
            except (ApiError, OSError) as error:
                log("resync: %s" % error)
            self.wake.wait(RESYNC_SECONDS)
            self.wake.clear()
            time.sleep(0.1)  # gather a burst of events


class Health(BaseHTTPRequestHandler):
    def do_GET(self):  # pylint: disable=invalid-name  # the name http.server calls
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *args):  # quiet
        pass


def main(argv):
    controller = Controller(Kube(argv[1], argv[2]))
    controller.kube.request("GET", FUNCTIONS)  # the CRD is there and the apiserver answers
    server = ThreadingHTTPServer(("127.0.0.1", int(argv[3])), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    controller.run()


if __name__ == "__main__":
    main(sys.argv)
