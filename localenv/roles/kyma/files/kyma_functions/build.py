"""What Kyma serverless 1.13 (its buildless Function controller) makes of a Function: a Deployment
and a Service, and the Function's status. Kyma's controller is not available here; this writes the
same objects, as read from its source (components/buildless-serverless, release 1.13.0), so that the
Function runs in Kyma's own runtime image, behind a real sidecar, as on a cluster."""

import json

from node_agent.env import quantity

RUNTIMES = ("nodejs20", "nodejs22", "nodejs24", "python312")
DEPRECATED = ("nodejs20",)
IMAGE = "europe-docker.pkg.dev/kyma-project/prod/function-runtime-%s:1.13.0"
PORT = 8080
TRACE_COLLECTOR = "http://telemetry-otlp-traces.kyma-system.svc.cluster.local:4318/v1/traces"
PUBLISHER_PROXY = "http://eventing-publisher-proxy.kyma-system.svc.cluster.local/publish"
# Resource presets (values.yaml); L is the default.
PRESETS = {
    "XS": ({"cpu": "50m", "memory": "64Mi"}, {"cpu": "150m", "memory": "256Mi"}),
    "S": ({"cpu": "100m", "memory": "128Mi"}, {"cpu": "200m", "memory": "256Mi"}),
    "M": ({"cpu": "200m", "memory": "256Mi"}, {"cpu": "400m", "memory": "512Mi"}),
    "L": ({"cpu": "400m", "memory": "512Mi"}, {"cpu": "800m", "memory": "1024Mi"}),
    "XL": ({"cpu": "800m", "memory": "1Gi"}, {"cpu": "1600m", "memory": "2Gi"}),
}


def internal_labels(function):
    meta = function["metadata"]
    return {"serverless.kyma-project.io/function-name": meta["name"],
            "serverless.kyma-project.io/managed-by": "function-controller",
            "serverless.kyma-project.io/uuid": meta["uid"]}


def selector(function):
    return dict(internal_labels(function), **{"serverless.kyma-project.io/resource": "deployment"})


def object_labels(function):
    return dict(function["metadata"].get("labels") or {}, **internal_labels(function))


def invalid(function):
    """Why the Function cannot be configured, or None (the controller's validator, for what matters here)."""
    spec = function.get("spec") or {}
    runtime = spec.get("runtime")
    if runtime not in RUNTIMES:
        return "runtime %s is not supported (%s)" % (runtime, ", ".join(RUNTIMES))
    inline = (spec.get("source") or {}).get("inline")
    if not inline or not inline.get("source"):
        return "only inline sources are supported here"
    dependencies = (inline.get("dependencies") or "").strip()
    if runtime.startswith("nodejs") and dependencies and not (dependencies.startswith("{") and dependencies.endswith("}")):
        return "dependencies of a nodejs Function must be a package.json object"
    return None


def script(runtime, has_dependencies):
    """The container's shell script for an inline source (the controller's, line by line)."""
    if runtime.startswith("nodejs"):
        lines = ['set -e;', 'echo "{}" > package.json;', 'echo "${FUNC_HANDLER_SOURCE}" > handler.js;']
        if has_dependencies:
            lines.append('echo "${FUNC_HANDLER_DEPENDENCIES}" > package.json;')
        lines += ['NPM_CONFIG_USERCONFIG=package-registry-config/.npmrc npm install --prefer-offline --no-audit '
                  '--progress=false;', 'cd ..;', 'npm start;']
        return "\n".join(lines)
    lines = ['set -e;', 'echo "" > requirements.txt;', 'echo "${FUNC_HANDLER_SOURCE}" > handler.py;']
    if has_dependencies:
        lines.append('echo "${FUNC_HANDLER_DEPENDENCIES}" > requirements.txt;')
    lines += ['export PYTHONPATH="/kubeless/.local:${PYTHONPATH}"',
              'PIP_CONFIG_FILE=package-registry-config/pip.conf pip install --target=/kubeless/.local '
              '--no-cache-dir -r requirements.txt;', 'cd ..;', 'if [ -f "./kubeless.py" ]; then',
              '  # old file location support', '  python kubeless.py;', 'else', '  python server.py;', 'fi']
    return "\n".join(lines)


def _env(function):
    spec, meta = function["spec"], function["metadata"]
    runtime = spec["runtime"]
    inline = spec["source"]["inline"]
    env = [{"name": "FUNC_NAME", "value": meta["name"]}, {"name": "FUNC_RUNTIME", "value": runtime},
           {"name": "SERVICE_NAMESPACE", "value": meta["namespace"]},
           {"name": "TRACE_COLLECTOR_ENDPOINT", "value": TRACE_COLLECTOR},
           {"name": "PUBLISHER_PROXY_ADDRESS", "value": PUBLISHER_PROXY}]
    if runtime.startswith("python"):
        env += [{"name": "PYTHONUNBUFFERED", "value": "TRUE"}, {"name": "MOD_NAME", "value": "handler"},
                {"name": "FUNC_HANDLER", "value": "main"}]
    env += list(spec.get("env") or [])
    env += [{"name": "FUNC_HANDLER_SOURCE", "value": inline["source"]},
            {"name": "FUNC_HANDLER_DEPENDENCIES", "value": inline.get("dependencies") or ""}]
    env.append({"name": "HANDLER_PATH", "value": "./function/handler.js"} if runtime.startswith("nodejs")
               else {"name": "FUNCTION_PATH", "value": "/kubeless"})
    return env


def _resources(spec):
    function = (spec.get("resourceConfiguration") or {}).get("function") or {}
    if function.get("resources"):
        return function["resources"]
    requests, limits = PRESETS.get(function.get("profile") or "L", PRESETS["L"])
    return {"requests": dict(requests), "limits": dict(limits)}


def pod_template(function):
    spec = function["spec"]
    runtime = spec["runtime"]
    nodejs = runtime.startswith("nodejs")
    work = "/usr/src/app/function" if nodejs else "/kubeless"
    dependencies = bool((spec["source"]["inline"].get("dependencies") or "").strip())
    registry = {"name": "package-registry-config",
                "mountPath": work + "/package-registry-config/" + (".npmrc" if nodejs else "pip.conf"),
                "subPath": ".npmrc" if nodejs else "pip.conf"}
    mounts = [{"name": "sources", "mountPath": work}, {"name": "tmp", "mountPath": "/tmp"}, registry]
    volumes = [{"name": "sources", "emptyDir": {}}, {"name": "tmp", "emptyDir": {}},
               {"name": "package-registry-config",
                "secret": {"secretName": "serverless-package-registry-config", "optional": True}}]
    if not nodejs:
        mounts.append({"name": "local", "mountPath": "/.local"})
        volumes.append({"name": "local", "emptyDir": {}})
    probe = {"httpGet": {"path": "/healthz", "port": PORT}}
    # Kyma's own annotations win over spec.annotations (labels.Merge(spec.annotations, defaults)).
    annotations = dict(spec.get("annotations") or {})
    annotations.update({"proxy.istio.io/config": '{ "holdApplicationUntilProxyStarts": true }',
                        "rt-cfg.kyma-project.io/alter-img-registry": "true",
                        "rt-cfg.kyma-project.io/add-img-pull-secret": "true",
                        "sidecar.istio.io/nativeSidecar": "true"})
    labels = dict(selector(function), **(spec.get("labels") or {}))
    labels["app.kubernetes.io/name"] = function["metadata"]["name"]
    container = {
        "name": "function",
        "image": spec.get("runtimeImageOverride") or IMAGE % runtime,
        "workingDir": work,
        "command": ["sh", "-c", script(runtime, dependencies)],
        "env": _env(function),
        "ports": [{"containerPort": PORT, "protocol": "TCP"}],
        "resources": _resources(spec),
        "volumeMounts": mounts,
        "startupProbe": dict(probe, initialDelaySeconds=0, periodSeconds=5, successThreshold=1, failureThreshold=30),
        "readinessProbe": dict(probe, initialDelaySeconds=0, periodSeconds=5, failureThreshold=1, timeoutSeconds=2),
        "livenessProbe": dict(probe, periodSeconds=5, failureThreshold=3, timeoutSeconds=4),
        "securityContext": dict({"privileged": False, "capabilities": {"drop": ["ALL"]},
                                 "readOnlyRootFilesystem": True, "allowPrivilegeEscalation": False,
                                 "runAsNonRoot": True}, **(spec.get("containerSecurityContext") or {})),
    }
    pod_security = dict({"runAsUser": 1000, "runAsGroup": 1000, "fsGroup": 1000, "supplementalGroups": [1000],
                         "seccompProfile": {"type": "RuntimeDefault"}}, **(spec.get("podSecurityContext") or {}))
    return {"metadata": {"labels": labels, "annotations": annotations},
            "spec": {"containers": [container], "volumes": volumes, "securityContext": pod_security}}


def owner(function):
    meta = function["metadata"]
    return [{"apiVersion": function["apiVersion"], "kind": "Function", "name": meta["name"], "uid": meta["uid"],
             "controller": True, "blockOwnerDeletion": True}]


def deployment(function):
    meta = function["metadata"]
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"generateName": meta["name"] + "-", "namespace": meta["namespace"],
                         "labels": object_labels(function), "ownerReferences": owner(function)},
            "spec": {"replicas": function["spec"].get("replicas", 1), "selector": {"matchLabels": selector(function)},
                     "template": pod_template(function)}}


def service(function):
    meta = function["metadata"]
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": meta["name"], "namespace": meta["namespace"], "labels": object_labels(function),
                         "ownerReferences": owner(function)},
            "spec": {"selector": selector(function),
                     "ports": [{"name": "http", "port": 80, "targetPort": PORT, "protocol": "TCP"}]}}


def _quantities(resources):
    """Resources by value: the apiserver writes 1024Mi back as 1Gi."""
    return {kind: {name: quantity(value, name == "cpu") for name, value in (values or {}).items()}
            for kind, values in (resources or {}).items()}


# Annotations others put on a Deployment's template (kubectl rollout restart), which the controller keeps.
KEPT_ANNOTATIONS = ("kubectl.kubernetes.io/restartedAt",)


def _comparable_template(template):
    """The parts of a pod template the controller compares (others are defaulted by the apiserver)."""
    spec = template["spec"]
    container = spec["containers"][0]
    keep = ("image", "workingDir", "command", "volumeMounts", "ports", "securityContext")
    # The apiserver drops an empty value: {name, value: ""} comes back as {name}.
    env = [dict(e, value=e.get("value") or "") if "valueFrom" not in e else e for e in container.get("env") or []]
    annotations = {k: v for k, v in (template["metadata"].get("annotations") or {}).items() if k not in KEPT_ANNOTATIONS}
    return json.dumps([template["metadata"].get("labels"), annotations,
                       {k: container.get(k) for k in keep}, env, _quantities(container.get("resources")),
                       spec.get("securityContext")], sort_keys=True)


def template_changed(current, desired):
    return _comparable_template(current) != _comparable_template(desired)


def updated_template(current, desired):
    """The template to write: the desired one, with the annotations others keep on it."""
    kept = {k: v for k, v in (current["metadata"].get("annotations") or {}).items() if k in KEPT_ANNOTATIONS}
    annotations = dict(desired["metadata"].get("annotations") or {}, **kept)
    return dict(desired, metadata=dict(desired["metadata"], annotations=annotations))


def running_condition(deployment_object):
    """(status, reason, message) of the Function's Running condition from its Deployment."""
    if deployment_object is None:
        return "Unknown", "DeploymentWaiting", "Deployment is not created yet"
    name = deployment_object["metadata"]["name"]
    conditions = {c["type"]: c for c in (deployment_object.get("status") or {}).get("conditions") or []}
    available, progressing = conditions.get("Available", {}), conditions.get("Progressing", {})
    if available.get("status") == "True" and available.get("reason") == "MinimumReplicasAvailable" \
            and progressing.get("status") == "True" and progressing.get("reason") == "NewReplicaSetAvailable":
        return "True", "DeploymentReady", "Deployment %s is ready" % name
    if progressing.get("status") == "False":
        return "False", "DeploymentFailed", "Deployment %s failed: %s" % (name, progressing.get("message", ""))
    return "Unknown", "DeploymentWaiting", "Deployment %s is not ready yet" % name


def configuration_condition(function):
    problem = invalid(function)
    if problem:
        return "False", "InvalidFunctionSpec", problem
    runtime = function["spec"]["runtime"]
    if runtime in DEPRECATED:
        return ("True", "FunctionSpecValidated",
                "Warning: function configured, runtime %s is deprecated and will be removed in the future" % runtime)
    return "True", "FunctionSpecValidated", "Function configured"
