"""Whether every proxy of the local mesh took istiod's configuration, and what would make it not."""

import copy

from ansible_collections.kyma_mtls.localenv.plugins.module_utils.mesh_status import (
    assess, extension_objects, node_problems, proxy_states)

LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener"
CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
ROUTE = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"
SECRET = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret"
GATEWAY = "istio-ingressgateway-74ddbff6d6-whc4h.istio-system"
HTTPBIN = "httpbin-5c5d9f7b8-q2x7z.mtls-test"
STATS_ERROR = ("Error adding/updating listener(s) 0.0.0.0_8443: Didn't find a registered implementation for "
               "'istio.stats' with type URL: 'stats.PluginConfig'")


def acked(nonce="2026-11-28T20:06:14Z/477725ad0"):
    return {"sent": nonce, "acked": nonce, "sentTime": "2026-11-28T20:06:14.123Z"}


def syncz_entry(proxy=GATEWAY, proxy_type="router", **resources):
    return {"cluster_id": "Kubernetes", "proxy": proxy, "proxy_type": proxy_type, "istio_version": "1.31-dev",
            "resources": resources or {LISTENER: acked(), CLUSTER: acked("2026-11-28T20:06:14Z/477725ad1")}}


def envoy(pod="istio-system/istio-ingressgateway-74ddbff6d6-whc4h", **fields):
    entry = {"pod": pod, "netns": "kmtls-1a2b3c-0f1e2d3c", "ready": True, "rejected": {}, "accepted": 6}
    entry.update(fields)
    return entry


def pod_entry(name, failure=None):
    return {"pod": name, "ip": "100.80.1.5", "netns": "kmtls-1a2b3c-0f1e2d3c", "failure": failure, "containers": []}


# ---- proxy_states -----------------------------------------------------------------------------

def test_a_proxy_that_acked_everything_is_synced():
    assert proxy_states([syncz_entry()]) == [
        {"proxy": GATEWAY, "type": "router", "synced": True, "pending": [], "errors": {}}]


def test_resources_sent_but_not_acked_are_pending_by_short_name():
    entry = syncz_entry(**{LISTENER: {"sent": "n2", "acked": "n1"}, CLUSTER: acked(), ROUTE: {"sent": "n3"},
                           "type.googleapis.com/some.Other": {"sent": "n4", "acked": "n3"}})
    [state] = proxy_states([entry])
    assert state["synced"] is False
    assert state["pending"] == ["LDS", "RDS", "type.googleapis.com/some.Other"]
    assert state["errors"] == {}


def test_a_rejection_is_kept_by_short_name_even_when_the_nonces_match():
    entry = syncz_entry(**{LISTENER: dict(acked(), lastError=STATS_ERROR), SECRET: acked()})
    [state] = proxy_states([entry])
    assert state["synced"] is False and state["pending"] == []
    assert state["errors"] == {"LDS": STATS_ERROR}


def test_an_empty_last_error_is_no_error():
    [state] = proxy_states([syncz_entry(**{LISTENER: dict(acked(), lastError="")})])
    assert state["synced"] is True and state["errors"] == {}


def test_proxies_are_sorted_by_name_and_a_proxy_without_resources_is_synced():
    states = proxy_states([syncz_entry(proxy=HTTPBIN, proxy_type="sidecar"), syncz_entry(),
                           {"proxy": "a-first.ns", "resources": None}])
    assert [s["proxy"] for s in states] == ["a-first.ns", HTTPBIN, GATEWAY]
    assert states[0] == {"proxy": "a-first.ns", "type": "", "synced": True, "pending": [], "errors": {}}
    assert states[1]["type"] == "sidecar"


def test_no_proxies_no_states():
    assert proxy_states([]) == []


# ---- extension_objects ------------------------------------------------------------------------

def telemetry(name, namespace="istio-system", metrics=None):
    spec = {} if metrics is None else {"metrics": metrics}
    return {"apiVersion": "telemetry.istio.io/v1", "kind": "Telemetry",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def test_a_telemetry_with_metrics_providers_is_named_with_its_providers():
    found = extension_objects([telemetry("mesh-default", metrics=[
        {"providers": [{"name": "prometheus"}]}, {"providers": [{"name": "otel"}, {"name": "prometheus"}]}])], [], {})
    assert found == ["Telemetry istio-system/mesh-default: metrics providers otel, prometheus need Istio's stats "
                     "filter, which upstream Envoy lacks"]


def test_a_telemetry_without_metrics_providers_is_not_named():
    assert extension_objects([
        telemetry("tracing"),
        telemetry("disabled", metrics=[{"overrides": [{"disabled": True}]}]),
        telemetry("empty", metrics=[{"providers": []}]),
        {"metadata": {"name": "no-spec", "namespace": "x"}, "spec": None},
    ], [], {}) == []


def test_any_wasm_plugin_is_named():
    plugin = {"apiVersion": "extensions.istio.io/v1alpha1", "kind": "WasmPlugin",
              "metadata": {"name": "basic-auth", "namespace": "mtls-test"}, "spec": {"url": "oci://example/x"}}
    assert extension_objects([], [plugin], None) == [
        "WasmPlugin mtls-test/basic-auth: Wasm plugins need Istio's Envoy build"]


def test_default_metrics_providers_of_the_mesh_are_named():
    assert extension_objects([], [], {"defaultProviders": {"metrics": ["prometheus"]}}) == [
        "mesh config: defaultProviders.metrics prometheus need Istio's stats filter, which upstream Envoy lacks"]
    assert extension_objects([], [], {"defaultProviders": {"tracing": ["zipkin"]}}) == []
    assert extension_objects([], [], {"defaultProviders": None}) == []


def test_everything_that_needs_extensions_is_named_in_order():
    found = extension_objects([telemetry("t", metrics=[{"providers": [{"name": "prometheus"}]}])],
                              [{"metadata": {"name": "w", "namespace": "n"}}],
                              {"defaultProviders": {"metrics": ["prometheus"]}})
    assert [f.split(":")[0] for f in found] == ["Telemetry istio-system/t", "WasmPlugin n/w", "mesh config"]


# ---- node_problems ----------------------------------------------------------------------------

def test_a_pod_the_node_cannot_run_is_a_problem():
    status = {"pods": [pod_entry("mtls-test/nginx-1", "image nginx is not runnable on the local node"),
                       pod_entry("mtls-test/httpbin-1")]}
    assert node_problems(status, [], []) == [
        "pod mtls-test/nginx-1 cannot run: image nginx is not runnable on the local node"]


def test_a_ready_envoy_in_istiods_list_gets_its_rejection_counters():
    proxies = proxy_states([syncz_entry()])
    problems = node_problems({"pods": []}, [envoy(rejected={"listener_manager.lds": 1})], proxies)
    assert problems == []
    assert proxies[0]["envoy_rejected_so_far"] == {"listener_manager.lds": 1}
    assert proxies[0]["synced"] is True


def test_no_rejections_are_an_empty_map():
    proxies = proxy_states([syncz_entry()])
    node_problems({"pods": []}, [envoy(rejected=None)], proxies)
    assert proxies[0]["envoy_rejected_so_far"] == {}


def test_a_ready_envoy_whose_admin_does_not_answer_is_a_problem():
    proxies = proxy_states([syncz_entry()])
    error = "Envoy's admin interface does not answer: [Errno 111] Connection refused"
    entry = envoy(error=error)
    del entry["rejected"], entry["accepted"]
    assert node_problems({"pods": []}, [entry], proxies) == [
        "pod istio-system/istio-ingressgateway-74ddbff6d6-whc4h: " + error]
    assert "envoy_rejected_so_far" not in proxies[0]


def test_an_envoy_that_is_not_ready_yet_is_starting_not_a_problem():
    proxies = []
    problems = node_problems({"pods": []}, [envoy(ready=False)], proxies)
    assert problems == []
    assert proxies == [{"proxy": GATEWAY, "type": "", "synced": False, "pending": ["starting"], "errors": {}}]


def test_a_not_ready_envoy_whose_admin_does_not_answer_is_not_a_problem_yet():
    proxies = proxy_states([syncz_entry()])
    assert node_problems({"pods": []}, [envoy(ready=False, error="does not answer")], proxies) == []
    assert len(proxies) == 1


def test_a_ready_envoy_istiod_does_not_serve_is_not_connected():
    proxies = proxy_states([syncz_entry(proxy=HTTPBIN)])
    problems = node_problems({"pods": []}, [envoy()], proxies)
    assert problems == ["pod istio-system/istio-ingressgateway-74ddbff6d6-whc4h: its proxy is not connected to istiod"]
    assert [p["proxy"] for p in proxies] == [HTTPBIN, GATEWAY]
    assert proxies[1]["synced"] is False


def test_the_pod_name_maps_to_istiods_name_for_the_proxy():
    # istiod names a proxy <pod>.<namespace>; the node names the pod <namespace>/<pod>.
    proxies = proxy_states([syncz_entry(proxy="mtls-test.httpbin-1")])
    assert node_problems({"pods": []}, [envoy(pod="httpbin-1/mtls-test")], proxies) == []
    assert node_problems({"pods": []}, [envoy(pod="mtls-test/httpbin-1")], proxies) == [
        "pod mtls-test/httpbin-1: its proxy is not connected to istiod"]


def test_a_node_without_pods_has_no_problems():
    assert node_problems({}, [], []) == []


# ---- assess -----------------------------------------------------------------------------------

def test_a_mesh_in_sync_has_no_problems():
    seen = assess([syncz_entry(), syncz_entry(proxy=HTTPBIN, proxy_type="sidecar")],
                  {"pods": [pod_entry("istio-system/istio-ingressgateway-74ddbff6d6-whc4h")]},
                  [envoy(), envoy(pod="mtls-test/httpbin-5c5d9f7b8-q2x7z")], [], [], {})
    assert seen["problems"] == []
    assert [(p["proxy"], p["synced"], p["envoy_rejected_so_far"]) for p in seen["proxies"]] == [
        (HTTPBIN, True, {}), (GATEWAY, True, {})]


def test_a_rejection_is_named_with_envoys_message():
    syncz = [syncz_entry(**{LISTENER: dict(acked(), lastError=STATS_ERROR), CLUSTER: acked()})]
    seen = assess(syncz, {"pods": []}, [envoy(rejected={"listener_manager.lds": 1})], [], [], {})
    assert seen["problems"] == ["proxy %s rejected its LDS: %s" % (GATEWAY, STATS_ERROR)]
    assert seen["proxies"][0]["errors"] == {"LDS": STATS_ERROR}
    assert seen["proxies"][0]["envoy_rejected_so_far"] == {"listener_manager.lds": 1}


def test_all_problems_together_in_order():
    syncz = [syncz_entry(**{LISTENER: dict(acked(), lastError=STATS_ERROR),
                            CLUSTER: dict(acked(), lastError="cluster error")})]
    node = {"pods": [pod_entry("mtls-test/nginx-1", "image nginx is not runnable on the local node")]}
    seen = assess(syncz, node, [envoy(pod="mtls-test/httpbin-1")],
                  [telemetry("mesh-default", metrics=[{"providers": [{"name": "prometheus"}]}])], [], {})
    assert seen["problems"] == [
        "proxy %s rejected its CDS: cluster error" % GATEWAY,
        "proxy %s rejected its LDS: %s" % (GATEWAY, STATS_ERROR),
        "pod mtls-test/nginx-1 cannot run: image nginx is not runnable on the local node",
        "pod mtls-test/httpbin-1: its proxy is not connected to istiod",
        "Telemetry istio-system/mesh-default: metrics providers prometheus need Istio's stats filter, "
        "which upstream Envoy lacks",
    ]


def test_assess_leaves_its_inputs_alone():
    syncz, envoys = [syncz_entry()], [envoy(ready=False, pod="mtls-test/httpbin-1")]
    before = copy.deepcopy((syncz, envoys))
    seen = assess(syncz, {"pods": []}, envoys, [], [], None)
    assert (syncz, envoys) == before
    assert [p["proxy"] for p in seen["proxies"]] == [GATEWAY, "httpbin-1.mtls-test"]
    assert seen["proxies"][1]["pending"] == ["starting"]
