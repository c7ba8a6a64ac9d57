"""The Deployment, Service and status conditions Kyma serverless 1.13's buildless Function controller
makes for a Function (components/buildless-serverless at 1.13.0), as the local stand-in builds them."""

import copy
import json

import pytest

from kyma_functions import build

UID = "0c9a5e3e-7f7b-4e0a-9d8e-5b1f2a3c4d5e"
SOURCE = "module.exports = { main: function (event, context) { return 'hi'; } }\n"
PYTHON_SOURCE = "def main(event, context):\n    return 'hi'\n"

FUNCTION = {
    "apiVersion": "serverless.kyma-project.io/v1alpha2",
    "kind": "Function",
    "metadata": {"name": "function", "namespace": "kyma-mtls", "uid": UID, "generation": 1,
                 "labels": {"app.kubernetes.io/managed-by": "kyma.mtls"}},
    "spec": {"runtime": "nodejs22", "source": {"inline": {"source": SOURCE}}},
}

INTERNAL = {"serverless.kyma-project.io/function-name": "function",
            "serverless.kyma-project.io/managed-by": "function-controller",
            "serverless.kyma-project.io/uuid": UID}
SELECTOR = dict(INTERNAL, **{"serverless.kyma-project.io/resource": "deployment"})

NODEJS_SCRIPT = "\n".join([
    'set -e;',
    'echo "{}" > package.json;',
    'echo "${FUNC_HANDLER_SOURCE}" > handler.js;',
    'NPM_CONFIG_USERCONFIG=package-registry-config/.npmrc npm install --prefer-offline --no-audit --progress=false;',
    'cd ..;',
    'npm start;',
])

# Kyma's own test (resources/deployment_test.go, "use container command dir based on function").
PYTHON_SCRIPT = """set -e;
echo "" > requirements.txt;
echo "${FUNC_HANDLER_SOURCE}" > handler.py;
export PYTHONPATH="/kubeless/.local:${PYTHONPATH}"
PIP_CONFIG_FILE=package-registry-config/pip.conf pip install --target=/kubeless/.local --no-cache-dir -r requirements.txt;
cd ..;
if [ -f "./kubeless.py" ]; then
  # old file location support
  python kubeless.py;
else
  python server.py;
fi"""


def function(runtime="nodejs22", source=None, dependencies=None, **spec):
    """The tutorial's Function, with the given spec fields."""
    result = copy.deepcopy(FUNCTION)
    result["spec"]["runtime"] = runtime
    inline = result["spec"]["source"]["inline"]
    inline["source"] = source if source is not None else (PYTHON_SOURCE if runtime.startswith("python") else SOURCE)
    if dependencies is not None:
        inline["dependencies"] = dependencies
    result["spec"].update(spec)
    return result


def container(fn):
    containers = build.deployment(fn)["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def env(fn):
    return [(e["name"], e.get("value")) for e in container(fn)["env"]]


def by_name(items):
    return {item["name"]: item for item in items}


def stored(template):
    """The pod template as the apiserver writes it back: defaults added, quantities in canonical form,
    empty env values dropped."""
    template = copy.deepcopy(template)
    spec = template["spec"]
    spec.update(restartPolicy="Always", dnsPolicy="ClusterFirst", schedulerName="default-scheduler",
                terminationGracePeriodSeconds=30)
    for volume in spec["volumes"]:
        if "secret" in volume:
            volume["secret"]["defaultMode"] = 420
    for c in spec["containers"]:
        c.update(imagePullPolicy="IfNotPresent", terminationMessagePath="/dev/termination-log",
                 terminationMessagePolicy="File")
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            c[probe]["httpGet"]["scheme"] = "HTTP"
            c[probe].setdefault("timeoutSeconds", 1)
            c[probe].setdefault("successThreshold", 1)
        canonical = {"1024Mi": "1Gi", "2048Mi": "2Gi", "0.8": "800m", "0.4": "400m", "0.5": "500m"}
        for kind in c["resources"].values():
            for name, value in kind.items():
                kind[name] = canonical.get(value, value)
        c["env"] = [{"name": e["name"]} if e.get("value") == "" else e for e in c["env"]]
    return template


def deployment_status(name="function-x7k2p", **conditions):
    """A Deployment as the cluster has it, with conditions given as Type=(status, reason)."""
    return {"metadata": {"name": name},
            "status": {"conditions": [{"type": kind, "status": status, "reason": reason,
                                       "message": "%s %s" % (kind, reason)}
                                      for kind, (status, reason) in conditions.items()]}}


# ---- labels, selector, owner ------------------------------------------------------------------

def test_the_internal_labels_name_the_function_its_controller_and_its_uid():
    assert build.internal_labels(FUNCTION) == INTERNAL


def test_the_selector_is_the_internal_labels_and_the_deployment_resource_label():
    assert build.selector(FUNCTION) == SELECTOR


def test_the_deployment_is_generated_from_the_function_name_in_its_namespace():
    deployment = build.deployment(FUNCTION)
    assert deployment["apiVersion"] == "apps/v1"
    assert deployment["kind"] == "Deployment"
    assert deployment["metadata"]["generateName"] == "function-"
    assert "name" not in deployment["metadata"]
    assert deployment["metadata"]["namespace"] == "kyma-mtls"


def test_the_deployment_has_the_function_labels_and_the_internal_labels():
    assert build.deployment(FUNCTION)["metadata"]["labels"] == dict(
        INTERNAL, **{"app.kubernetes.io/managed-by": "kyma.mtls"})


def test_internal_labels_win_over_function_labels_with_the_same_key():
    fn = function()
    fn["metadata"]["labels"]["serverless.kyma-project.io/uuid"] = "forged"
    assert build.deployment(fn)["metadata"]["labels"]["serverless.kyma-project.io/uuid"] == UID


def test_a_function_without_labels_gets_only_the_internal_labels():
    fn = function()
    del fn["metadata"]["labels"]
    assert build.deployment(fn)["metadata"]["labels"] == INTERNAL


def test_the_deployment_selects_by_the_selector_labels():
    assert build.deployment(FUNCTION)["spec"]["selector"] == {"matchLabels": SELECTOR}


def test_pod_labels_are_the_selector_the_spec_labels_and_the_app_name():
    labels = build.deployment(function(labels={"team": "mesh"}))["spec"]["template"]["metadata"]["labels"]
    assert labels == dict(SELECTOR, team="mesh", **{"app.kubernetes.io/name": "function"})


def test_the_function_metadata_labels_are_not_put_on_the_pods():
    labels = build.deployment(FUNCTION)["spec"]["template"]["metadata"]["labels"]
    assert "app.kubernetes.io/managed-by" not in labels


def test_the_pod_template_matches_its_own_selector():
    deployment = build.deployment(function(labels={"team": "mesh"}))
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()


def test_the_deployment_and_service_are_controlled_by_the_function():
    expected = [{"apiVersion": "serverless.kyma-project.io/v1alpha2", "kind": "Function", "name": "function",
                 "uid": UID, "controller": True, "blockOwnerDeletion": True}]
    assert build.deployment(FUNCTION)["metadata"]["ownerReferences"] == expected
    assert build.service(FUNCTION)["metadata"]["ownerReferences"] == expected


# ---- replicas and annotations -----------------------------------------------------------------

def test_one_replica_by_default():
    assert build.deployment(FUNCTION)["spec"]["replicas"] == 1


@pytest.mark.parametrize("replicas", [0, 3])
def test_the_replicas_of_the_function_are_kept_even_zero(replicas):
    assert build.deployment(function(replicas=replicas))["spec"]["replicas"] == replicas


def test_pods_wait_for_the_proxy_and_ask_for_a_native_sidecar():
    assert build.deployment(FUNCTION)["spec"]["template"]["metadata"]["annotations"] == {
        "proxy.istio.io/config": '{ "holdApplicationUntilProxyStarts": true }',
        "rt-cfg.kyma-project.io/alter-img-registry": "true",
        "rt-cfg.kyma-project.io/add-img-pull-secret": "true",
        "sidecar.istio.io/nativeSidecar": "true",
    }


def test_spec_annotations_are_added_to_the_pod_annotations():
    annotations = build.deployment(function(annotations={"example.com/owner": "mesh"}))[
        "spec"]["template"]["metadata"]["annotations"]
    assert annotations["example.com/owner"] == "mesh"
    assert annotations["sidecar.istio.io/nativeSidecar"] == "true"
    assert annotations["proxy.istio.io/config"] == '{ "holdApplicationUntilProxyStarts": true }'


def test_spec_annotations_do_not_override_the_annotations_kyma_sets():
    # Kyma merges with labels.Merge(spec.annotations, defaults) and then the native sidecar one: its own win.
    annotations = build.deployment(function(annotations={
        "sidecar.istio.io/nativeSidecar": "false", "rt-cfg.kyma-project.io/alter-img-registry": "false"}))[
        "spec"]["template"]["metadata"]["annotations"]
    assert annotations["sidecar.istio.io/nativeSidecar"] == "true"
    assert annotations["rt-cfg.kyma-project.io/alter-img-registry"] == "true"


# ---- the container ----------------------------------------------------------------------------

def test_the_single_container_is_named_function():
    assert container(FUNCTION)["name"] == "function"


@pytest.mark.parametrize("runtime", ["nodejs20", "nodejs22", "nodejs24", "python312"])
def test_the_image_is_kymas_runtime_image_of_release_1_13_0(runtime):
    assert container(function(runtime))["image"] == \
        "europe-docker.pkg.dev/kyma-project/prod/function-runtime-%s:1.13.0" % runtime


def test_the_runtime_image_override_replaces_the_image():
    fn = function(runtimeImageOverride="registry.example.com/my-runtime:1")
    assert container(fn)["image"] == "registry.example.com/my-runtime:1"


@pytest.mark.parametrize("runtime, directory", [
    ("nodejs20", "/usr/src/app/function"), ("nodejs22", "/usr/src/app/function"),
    ("nodejs24", "/usr/src/app/function"), ("python312", "/kubeless"),
])
def test_the_working_directory_depends_on_the_runtime(runtime, directory):
    assert container(function(runtime))["workingDir"] == directory


def test_the_container_runs_the_nodejs_script_with_sh():
    assert container(FUNCTION)["command"] == ["sh", "-c", NODEJS_SCRIPT]


def test_the_container_runs_the_python_script_with_sh():
    assert container(function("python312"))["command"] == ["sh", "-c", PYTHON_SCRIPT]


def test_the_container_listens_on_8080_without_a_port_name():
    assert container(FUNCTION)["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]


def test_the_probes_ask_healthz_on_8080_with_kymas_timings():
    c = container(FUNCTION)
    get = {"path": "/healthz", "port": 8080}
    assert c["startupProbe"] == {"httpGet": get, "initialDelaySeconds": 0, "periodSeconds": 5,
                                 "successThreshold": 1, "failureThreshold": 30}
    assert c["readinessProbe"] == {"httpGet": get, "initialDelaySeconds": 0, "periodSeconds": 5,
                                   "failureThreshold": 1, "timeoutSeconds": 2}
    assert c["livenessProbe"] == {"httpGet": get, "periodSeconds": 5, "failureThreshold": 3, "timeoutSeconds": 4}


# ---- script -----------------------------------------------------------------------------------

def test_the_nodejs_script_without_dependencies_keeps_the_empty_package_json():
    assert build.script("nodejs22", False) == NODEJS_SCRIPT


def test_the_nodejs_script_writes_the_dependencies_over_package_json_after_the_handler():
    lines = build.script("nodejs22", True).split("\n")
    assert lines[:4] == ['set -e;', 'echo "{}" > package.json;', 'echo "${FUNC_HANDLER_SOURCE}" > handler.js;',
                         'echo "${FUNC_HANDLER_DEPENDENCIES}" > package.json;']
    assert lines[4:] == NODEJS_SCRIPT.split("\n")[3:]


def test_the_python_script_without_dependencies_matches_kymas():
    assert build.script("python312", False) == PYTHON_SCRIPT


def test_the_python_script_writes_the_dependencies_to_requirements_txt_after_the_handler():
    lines = build.script("python312", True).split("\n")
    assert lines[:4] == ['set -e;', 'echo "" > requirements.txt;', 'echo "${FUNC_HANDLER_SOURCE}" > handler.py;',
                         'echo "${FUNC_HANDLER_DEPENDENCIES}" > requirements.txt;']
    assert lines[4:] == PYTHON_SCRIPT.split("\n")[3:]


def test_the_command_writes_dependencies_only_when_the_function_has_some():
    with_dependencies = container(function(dependencies='{"dependencies": {"lodash": "^4"}}'))["command"][2]
    assert 'echo "${FUNC_HANDLER_DEPENDENCIES}" > package.json;' in with_dependencies
    assert 'FUNC_HANDLER_DEPENDENCIES' not in container(function(dependencies=""))["command"][2]
    assert 'FUNC_HANDLER_DEPENDENCIES' not in container(FUNCTION)["command"][2]


# ---- env --------------------------------------------------------------------------------------

def test_the_nodejs_environment_in_kymas_order():
    assert env(FUNCTION) == [
        ("FUNC_NAME", "function"),
        ("FUNC_RUNTIME", "nodejs22"),
        ("SERVICE_NAMESPACE", "kyma-mtls"),
        ("TRACE_COLLECTOR_ENDPOINT", "http://telemetry-otlp-traces.kyma-system.svc.cluster.local:4318/v1/traces"),
        ("PUBLISHER_PROXY_ADDRESS", "http://eventing-publisher-proxy.kyma-system.svc.cluster.local/publish"),
        ("FUNC_HANDLER_SOURCE", SOURCE),
        ("FUNC_HANDLER_DEPENDENCIES", ""),
        ("HANDLER_PATH", "./function/handler.js"),
    ]


def test_the_python_environment_in_kymas_order():
    assert env(function("python312", dependencies="requests==2.32.3")) == [
        ("FUNC_NAME", "function"),
        ("FUNC_RUNTIME", "python312"),
        ("SERVICE_NAMESPACE", "kyma-mtls"),
        ("TRACE_COLLECTOR_ENDPOINT", "http://telemetry-otlp-traces.kyma-system.svc.cluster.local:4318/v1/traces"),
        ("PUBLISHER_PROXY_ADDRESS", "http://eventing-publisher-proxy.kyma-system.svc.cluster.local/publish"),
        ("PYTHONUNBUFFERED", "TRUE"),
        ("MOD_NAME", "handler"),
        ("FUNC_HANDLER", "main"),
        ("FUNC_HANDLER_SOURCE", PYTHON_SOURCE),
        ("FUNC_HANDLER_DEPENDENCIES", "requests==2.32.3"),
        ("FUNCTION_PATH", "/kubeless"),
    ]


def test_the_function_env_comes_after_the_general_env_and_before_the_sources():
    extra = [{"name": "GREETING", "value": "hi"},
             {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]
    entries = container(function(env=extra))["env"]
    names = [e["name"] for e in entries]
    assert names.index("PUBLISHER_PROXY_ADDRESS") < names.index("GREETING") < names.index("POD") < \
        names.index("FUNC_HANDLER_SOURCE")
    assert entries[names.index("POD")] == extra[1]


def test_the_dependencies_variable_carries_the_dependencies_text_as_given():
    dependencies = '{\n  "dependencies": {"lodash": "^4.17.21"}\n}\n'
    assert dict(env(function(dependencies=dependencies)))["FUNC_HANDLER_DEPENDENCIES"] == dependencies


# ---- volumes ----------------------------------------------------------------------------------

def test_nodejs_volumes_are_sources_tmp_and_the_optional_npm_registry_config():
    spec = build.deployment(FUNCTION)["spec"]["template"]["spec"]
    assert by_name(spec["volumes"]) == {
        "sources": {"name": "sources", "emptyDir": {}},
        "tmp": {"name": "tmp", "emptyDir": {}},
        "package-registry-config": {"name": "package-registry-config", "secret": {
            "secretName": "serverless-package-registry-config", "optional": True}},
    }
    mounts = by_name(container(FUNCTION)["volumeMounts"])
    assert set(mounts) == {"sources", "tmp", "package-registry-config"}
    assert mounts["sources"]["mountPath"] == "/usr/src/app/function"
    assert mounts["tmp"]["mountPath"] == "/tmp"
    assert mounts["package-registry-config"]["mountPath"] == "/usr/src/app/function/package-registry-config/.npmrc"
    assert mounts["package-registry-config"]["subPath"] == ".npmrc"


def test_python_volumes_add_a_writable_local_directory_and_use_pip_conf():
    fn = function("python312")
    spec = build.deployment(fn)["spec"]["template"]["spec"]
    assert by_name(spec["volumes"])["local"] == {"name": "local", "emptyDir": {}}
    assert set(by_name(spec["volumes"])) == {"sources", "tmp", "package-registry-config", "local"}
    mounts = by_name(container(fn)["volumeMounts"])
    assert mounts["sources"]["mountPath"] == "/kubeless"
    assert mounts["local"]["mountPath"] == "/.local"
    assert mounts["package-registry-config"]["mountPath"] == "/kubeless/package-registry-config/pip.conf"
    assert mounts["package-registry-config"]["subPath"] == "pip.conf"


def test_every_mount_has_a_volume():
    for fn in (FUNCTION, function("python312")):
        spec = build.deployment(fn)["spec"]["template"]["spec"]
        assert {m["name"] for m in container(fn)["volumeMounts"]} == {v["name"] for v in spec["volumes"]}


# ---- resources --------------------------------------------------------------------------------

def test_the_default_resources_are_the_l_preset():
    assert container(FUNCTION)["resources"] == {"requests": {"cpu": "400m", "memory": "512Mi"},
                                                "limits": {"cpu": "800m", "memory": "1024Mi"}}


@pytest.mark.parametrize("profile, requests, limits", [
    ("XS", {"cpu": "50m", "memory": "64Mi"}, {"cpu": "150m", "memory": "256Mi"}),
    ("S", {"cpu": "100m", "memory": "128Mi"}, {"cpu": "200m", "memory": "256Mi"}),
    ("M", {"cpu": "200m", "memory": "256Mi"}, {"cpu": "400m", "memory": "512Mi"}),
    ("L", {"cpu": "400m", "memory": "512Mi"}, {"cpu": "800m", "memory": "1024Mi"}),
    ("XL", {"cpu": "800m", "memory": "1Gi"}, {"cpu": "1600m", "memory": "2Gi"}),
])
def test_a_profile_selects_its_preset(profile, requests, limits):
    fn = function(resourceConfiguration={"function": {"profile": profile}})
    assert container(fn)["resources"] == {"requests": requests, "limits": limits}


def test_an_unknown_profile_falls_back_to_the_default_preset():
    fn = function(resourceConfiguration={"function": {"profile": "XXL"}})
    assert container(fn)["resources"] == {"requests": {"cpu": "400m", "memory": "512Mi"},
                                          "limits": {"cpu": "800m", "memory": "1024Mi"}}


def test_custom_resources_are_used_as_given():
    resources = {"requests": {"cpu": "345m", "memory": "234Mi"}, "limits": {"cpu": "789m", "memory": "678Mi"}}
    fn = function(resourceConfiguration={"function": {"resources": resources}})
    assert container(fn)["resources"] == resources


def test_changing_one_deployments_resources_does_not_change_the_presets():
    container(FUNCTION)["resources"]["limits"]["memory"] = "1Mi"
    assert container(FUNCTION)["resources"]["limits"]["memory"] == "1024Mi"


# ---- security context -------------------------------------------------------------------------

def test_the_pod_runs_as_1000_with_the_runtime_default_seccomp_profile():
    assert build.deployment(FUNCTION)["spec"]["template"]["spec"]["securityContext"] == {
        "runAsUser": 1000, "runAsGroup": 1000, "fsGroup": 1000, "supplementalGroups": [1000],
        "seccompProfile": {"type": "RuntimeDefault"}}


def test_the_container_is_locked_down():
    assert container(FUNCTION)["securityContext"] == {
        "privileged": False, "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": True,
        "allowPrivilegeEscalation": False, "runAsNonRoot": True}


def test_the_function_overrides_security_context_fields_and_keeps_the_others():
    fn = function(podSecurityContext={"runAsUser": 2000},
                  containerSecurityContext={"readOnlyRootFilesystem": False})
    pod = build.deployment(fn)["spec"]["template"]["spec"]["securityContext"]
    assert pod["runAsUser"] == 2000
    assert pod["runAsGroup"] == 1000 and pod["fsGroup"] == 1000
    c = container(fn)["securityContext"]
    assert c["readOnlyRootFilesystem"] is False
    assert c["runAsNonRoot"] is True and c["capabilities"] == {"drop": ["ALL"]}


# ---- service ----------------------------------------------------------------------------------

def test_the_service_is_named_after_the_function_and_sends_port_80_to_8080():
    service = build.service(FUNCTION)
    assert service["apiVersion"] == "v1" and service["kind"] == "Service"
    assert service["metadata"]["name"] == "function"
    assert service["metadata"]["namespace"] == "kyma-mtls"
    assert service["metadata"]["labels"] == dict(INTERNAL, **{"app.kubernetes.io/managed-by": "kyma.mtls"})
    assert service["spec"] == {"selector": SELECTOR,
                               "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}]}


def test_the_service_selects_the_functions_pods():
    pod_labels = build.deployment(function(labels={"team": "mesh"}))["spec"]["template"]["metadata"]["labels"]
    assert build.service(FUNCTION)["spec"]["selector"].items() <= pod_labels.items()


def test_the_service_targets_the_container_port():
    assert build.service(FUNCTION)["spec"]["ports"][0]["targetPort"] == container(FUNCTION)["ports"][0]["containerPort"]


# ---- invalid and configuration_condition ------------------------------------------------------

@pytest.mark.parametrize("runtime", ["nodejs20", "nodejs22", "nodejs24", "python312"])
def test_the_supported_runtimes_are_valid(runtime):
    assert build.invalid(function(runtime)) is None


@pytest.mark.parametrize("runtime", ["nodejs18", "nodejs26", "python39", "python314", "go"])
def test_other_runtimes_are_not_supported(runtime):
    problem = build.invalid(function(runtime))
    assert problem.startswith("runtime %s is not supported" % runtime)


def test_a_function_without_runtime_or_spec_is_invalid():
    fn = function()
    del fn["spec"]["runtime"]
    assert "not supported" in build.invalid(fn)
    assert "not supported" in build.invalid({"metadata": FUNCTION["metadata"]})


def test_a_git_source_is_not_supported():
    fn = function()
    fn["spec"]["source"] = {"gitRepository": {"url": "https://github.com/kyma-project/examples", "reference": "main"}}
    assert build.invalid(fn) == "only inline sources are supported here"


def test_an_empty_inline_source_is_invalid():
    assert build.invalid(function(source="")) == "only inline sources are supported here"


@pytest.mark.parametrize("dependencies", ['["lodash"]', "lodash@4", '{"lodash": "^4"', '"{}"'])
def test_nodejs_dependencies_must_be_a_package_json_object(dependencies):
    assert build.invalid(function(dependencies=dependencies)) == \
        "dependencies of a nodejs Function must be a package.json object"


@pytest.mark.parametrize("dependencies", ["", "  \n", '{"dependencies": {"lodash": "^4"}}', '\n  {}\n'])
def test_nodejs_dependencies_that_are_empty_or_an_object_with_blanks_around_are_valid(dependencies):
    assert build.invalid(function(dependencies=dependencies)) is None


def test_nodejs_dependencies_are_only_checked_for_their_braces_as_kyma_does():
    assert build.invalid(function(dependencies="{ not json }")) is None


def test_python_dependencies_are_not_checked():
    assert build.invalid(function("python312", dependencies="requests==2.32.3\n")) is None


def test_a_valid_function_is_configured():
    assert build.configuration_condition(FUNCTION) == ("True", "FunctionSpecValidated", "Function configured")


def test_a_deprecated_runtime_is_configured_with_a_warning():
    assert build.configuration_condition(function("nodejs20")) == (
        "True", "FunctionSpecValidated",
        "Warning: function configured, runtime nodejs20 is deprecated and will be removed in the future")


@pytest.mark.parametrize("runtime", ["nodejs24", "python312"])
def test_current_runtimes_get_no_warning(runtime):
    assert build.configuration_condition(function(runtime))[2] == "Function configured"


def test_an_invalid_function_is_not_configured_and_says_why():
    fn = function(dependencies="lodash")
    assert build.configuration_condition(fn) == (
        "False", "InvalidFunctionSpec", "dependencies of a nodejs Function must be a package.json object")


def test_an_invalid_deprecated_function_gets_no_warning_but_the_problem():
    status, reason, message = build.configuration_condition(function("nodejs20", source=""))
    assert (status, reason, message) == ("False", "InvalidFunctionSpec", "only inline sources are supported here")


# ---- running_condition ------------------------------------------------------------------------

def test_without_a_deployment_the_function_waits():
    assert build.running_condition(None) == ("Unknown", "DeploymentWaiting", "Deployment is not created yet")


def test_an_available_deployment_with_its_new_replica_set_is_ready():
    deployment = deployment_status(Available=("True", "MinimumReplicasAvailable"),
                                   Progressing=("True", "NewReplicaSetAvailable"))
    assert build.running_condition(deployment) == ("True", "DeploymentReady", "Deployment function-x7k2p is ready")


def test_an_available_deployment_still_rolling_out_is_not_ready():
    deployment = deployment_status(Available=("True", "MinimumReplicasAvailable"),
                                   Progressing=("True", "ReplicaSetUpdated"))
    assert build.running_condition(deployment) == (
        "Unknown", "DeploymentWaiting", "Deployment function-x7k2p is not ready yet")


def test_a_progressing_deployment_without_available_replicas_waits():
    deployment = deployment_status(Available=("False", "MinimumReplicasUnavailable"),
                                   Progressing=("True", "NewReplicaSetAvailable"))
    assert build.running_condition(deployment)[:2] == ("Unknown", "DeploymentWaiting")


def test_available_with_another_reason_is_not_ready():
    deployment = deployment_status(Available=("True", "SomethingElse"), Progressing=("True", "NewReplicaSetAvailable"))
    assert build.running_condition(deployment)[0] != "True"


def test_a_deployment_that_stopped_progressing_failed():
    deployment = deployment_status(Available=("False", "MinimumReplicasUnavailable"),
                                   Progressing=("False", "ProgressDeadlineExceeded"))
    status, reason, message = build.running_condition(deployment)
    assert (status, reason) == ("False", "DeploymentFailed")
    assert message == "Deployment function-x7k2p failed: Progressing ProgressDeadlineExceeded"


def test_a_deployment_without_status_waits():
    assert build.running_condition({"metadata": {"name": "function-x7k2p"}}) == (
        "Unknown", "DeploymentWaiting", "Deployment function-x7k2p is not ready yet")
    assert build.running_condition({"metadata": {"name": "function-x7k2p"}, "status": {}})[:2] == \
        ("Unknown", "DeploymentWaiting")


# ---- template_changed -------------------------------------------------------------------------

def template(fn):
    return build.deployment(fn)["spec"]["template"]


def test_the_same_template_has_not_changed():
    assert not build.template_changed(template(FUNCTION), template(FUNCTION))


def test_the_template_as_the_apiserver_stores_it_has_not_changed():
    current = stored(template(FUNCTION))
    resources = current["spec"]["containers"][0]["resources"]
    assert resources["limits"]["memory"] == "1Gi"  # the write-back really differs
    assert {"name": "FUNC_HANDLER_DEPENDENCIES"} in current["spec"]["containers"][0]["env"]
    assert not build.template_changed(current, template(FUNCTION))


@pytest.mark.parametrize("desired, written", [
    ({"cpu": "800m", "memory": "1024Mi"}, {"cpu": "0.8", "memory": "1Gi"}),
    ({"cpu": "0.5", "memory": "2048Mi"}, {"cpu": "500m", "memory": "2Gi"}),
    ({"cpu": "1", "memory": "1G"}, {"cpu": "1000m", "memory": "1000M"}),
])
def test_resources_are_compared_by_value(desired, written):
    fn = function(resourceConfiguration={"function": {"resources": {"limits": desired}}})
    current = template(fn)
    current["spec"]["containers"][0]["resources"]["limits"] = written
    assert not build.template_changed(current, template(fn))


def test_an_empty_function_env_value_dropped_by_the_apiserver_is_no_change():
    fn = function(env=[{"name": "EMPTY", "value": ""}])
    assert not build.template_changed(stored(template(fn)), template(fn))


def test_a_different_resource_value_is_a_change():
    bigger = function(resourceConfiguration={"function": {"profile": "XL"}})
    assert build.template_changed(stored(template(FUNCTION)), template(bigger))


def test_a_changed_source_is_a_change():
    edited = function(source=SOURCE.replace("'hi'", "'hello'"))
    assert build.template_changed(stored(template(FUNCTION)), template(edited))


def test_added_dependencies_are_a_change():
    edited = function(dependencies='{"dependencies": {"lodash": "^4"}}')
    assert build.template_changed(stored(template(FUNCTION)), template(edited))


def test_a_changed_function_env_is_a_change():
    before = function(env=[{"name": "GREETING", "value": "hi"}])
    after = function(env=[{"name": "GREETING", "value": "hello"}])
    assert build.template_changed(stored(template(before)), template(after))


def test_a_changed_image_is_a_change():
    edited = function(runtimeImageOverride="registry.example.com/my-runtime:1")
    assert build.template_changed(stored(template(FUNCTION)), template(edited))


def test_a_changed_runtime_is_a_change():
    assert build.template_changed(stored(template(FUNCTION)), template(function("nodejs24")))


def test_changed_pod_labels_are_a_change():
    assert build.template_changed(stored(template(FUNCTION)), template(function(labels={"team": "mesh"})))


def test_changed_pod_annotations_are_a_change():
    edited = function(annotations={"example.com/owner": "mesh"})
    assert build.template_changed(stored(template(FUNCTION)), template(edited))


def test_a_changed_security_context_is_a_change():
    # Kyma compares the pod's and the container's securityContext (state/handle_deployment.go).
    pod = function(podSecurityContext={"runAsUser": 2000})
    assert build.template_changed(stored(template(FUNCTION)), template(pod))
    locked_less = function(containerSecurityContext={"readOnlyRootFilesystem": False})
    assert build.template_changed(stored(template(FUNCTION)), template(locked_less))


def test_template_changed_does_not_modify_its_arguments():
    current, desired = stored(template(FUNCTION)), template(FUNCTION)
    before = json.dumps([current, desired], sort_keys=True)
    build.template_changed(current, desired)
    assert json.dumps([current, desired], sort_keys=True) == before


def test_a_rollout_restart_annotation_is_no_change_and_is_kept_on_update():
    desired = build.pod_template(function())
    current = stored(desired)
    current["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"] = "2026-11-28T22:00:00Z"
    assert not build.template_changed(current, desired)
    changed = build.pod_template(function(source="module.exports = { main: function () { return 'new'; } }\n"))
    written = build.updated_template(current, changed)
    assert written["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"] == "2026-11-28T22:00:00Z"
    assert written["spec"] == changed["spec"]


def test_an_annotation_the_function_no_longer_has_is_a_change_and_goes_on_update():
    old = build.pod_template(function(annotations={"team": "a"}))
    new = build.pod_template(function())
    assert build.template_changed(stored(old), new)
    assert "team" not in build.updated_template(stored(old), new)["metadata"]["annotations"]
