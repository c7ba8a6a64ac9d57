"""Reading and writing objects of a real apiserver by REST path, with the kubernetes client."""

import json

from kubernetes import config as k8s_config


class Kube:
    def __init__(self, kubeconfig, context="kyma-mtls-local"):
        self.client = k8s_config.new_client_from_config(config_file=kubeconfig, context=context)

    def call(self, method, path, body=None, content_type="application/json"):
        """(status, decoded JSON body) of a request to the apiserver."""
        response = self.client.call_api(method, self.client.configuration.host + path, body=body,
                                        header_params={"Content-Type": content_type, "Accept": "application/json"})
        response.read()
        return response.status, json.loads(response.data)

    def get(self, path):
        """The object at path, or None when the apiserver answers 404."""
        status, body = self.call("GET", path)
        if status == 404:
            return None
        assert status == 200, body
        return body

    def create(self, path, body):
        status, created = self.call("POST", path, body)
        assert status == 201, created
        return created

    def merge_patch(self, path, body):
        status, patched = self.call("PATCH", path, body, content_type="application/merge-patch+json")
        assert status == 200, patched
        return patched

    def delete(self, path):
        status, body = self.call("DELETE", path)
        assert status in (200, 202, 404), body
        return body
