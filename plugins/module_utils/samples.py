# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The tutorial's sample workloads (kyma.mtls.workload, and the main job's mtls_samples): httpbin with
its Service, and a Kyma Function that echoes the request headers."""

from __future__ import annotations

SAMPLES = ("httpbin", "function")
HTTPBIN_IMAGE = "docker.io/kennethreitz/httpbin:latest"
FUNCTION_RUNTIME = "nodejs22"
_MANAGED_BY = {"app.kubernetes.io/managed-by": "kyma.mtls"}
_FUNCTION_SOURCE = """module.exports = {
  main: function (event, context) {
    return { path: "/function", headers: event.extensions.request.headers };
  }
}
"""


def _metadata(name, namespace, labels=None):
    return {"name": name, "namespace": namespace, "labels": dict(labels or {}, **_MANAGED_BY)}


def _httpbin(namespace, image):
    app = {"app": "httpbin"}
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _metadata("httpbin", namespace)},
        {"apiVersion": "v1", "kind": "Service", "metadata": _metadata("httpbin", namespace, app),
         "spec": {"selector": dict(app), "ports": [{"name": "http", "port": 8000, "targetPort": 80}]}},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _metadata("httpbin", namespace, app),
         "spec": {"replicas": 1, "selector": {"matchLabels": dict(app)},
                  "template": {"metadata": {"labels": dict(app)},
                               "spec": {"serviceAccountName": "httpbin",
                                        "containers": [{"name": "httpbin", "image": image,
                                                        "ports": [{"containerPort": 80}]}]}}}},
        # The image's gunicorn closes a connection idle for 2 s (its keep-alive default), while the
        # sidecar keeps idle connections to the app for an hour: now and then a request goes out on a
        # connection gunicorn is closing, and fails with 503 (UC). The sidecar closes them first.
        {"apiVersion": "networking.istio.io/v1", "kind": "Sidecar", "metadata": _metadata("httpbin", namespace),
         "spec": {"workloadSelector": {"labels": dict(app)}, "inboundConnectionPool": {"http": {"idleTimeout": "1s"}}}},
    ]


def _function(namespace, runtime):
    return [{"apiVersion": "serverless.kyma-project.io/v1alpha2", "kind": "Function",
             "metadata": _metadata("function", namespace),
             "spec": {"runtime": runtime, "source": {"inline": {"source": _FUNCTION_SOURCE}}}}]


def sample_objects(samples, namespace, httpbin_image=HTTPBIN_IMAGE, function_runtime=FUNCTION_RUNTIME):
    """The objects of the named samples, in order; an unknown name is a ValueError."""
    objects = []
    for sample in samples:
        if sample == "httpbin":
            objects += _httpbin(namespace, httpbin_image)
        elif sample == "function":
            objects += _function(namespace, function_runtime)
        else:
            raise ValueError("unknown sample %r (there are %s)" % (sample, ", ".join(SAMPLES)))
    return objects
