"""Which images the local node runs, and how a container's image and command map to local programs."""

import pytest

from node_agent.images import ImageTable, NotRunnable, repository

# Shaped like node_builtin_images in localenv/roles/node/vars/main.yml.
TABLE = [
    {"name": "istio-proxy", "match": "^istio/proxyv2$", "entrypoint": ["{pilot_agent}"],
     "paths": {"/usr/local/bin/pilot-agent": "{pilot_agent}", "pilot-agent": "{pilot_agent}",
               "/usr/local/bin/envoy": "{envoy}", "envoy": "{envoy}"},
     "files": {"var/lib/istio/envoy/envoy_bootstrap_tmpl.json": "{istio_bootstrap}",
               "usr/local/bin/envoy": "{envoy}"}},
    {"name": "httpbin", "match": "^(kennethreitz|kong)/httpbin$",
     "entrypoint": ["{python}", "-m", "gunicorn", "--bind=0.0.0.0:80", "--worker-class=gthread", "--threads=8",
                    "--workers=1", "httpbin:app"],
     "fixed_command": True},
    {"name": "httpbin (go-httpbin's port)", "match": "^mccutchen/go-httpbin$",
     "entrypoint": ["{python}", "-m", "gunicorn", "--bind=0.0.0.0:8080", "--worker-class=gthread", "--threads=8",
                    "--workers=1", "httpbin:app"],
     "fixed_command": True},
]
BINARIES = {"python": "/venv/bin/python", "pilot_agent": "/istio/pilot-agent",
            "istio_bootstrap": "/istio/envoy_bootstrap.json", "envoy": "/usr/local/bin/envoy-upstream"}


@pytest.fixture
def table():
    return ImageTable(TABLE, BINARIES)


# ---- repository -------------------------------------------------------------------------------

@pytest.mark.parametrize("image, name", [
    ("docker.io/istio/proxyv2:1.31-dev", "istio/proxyv2"),
    ("istio/proxyv2", "istio/proxyv2"),
    ("nginx", "library/nginx"),
    ("nginx:1.27", "library/nginx"),
    ("docker.io/library/nginx:latest", "library/nginx"),
    ("localhost:5000/a/b:tag", "a/b"),
    ("localhost:5000/a/b", "a/b"),
    ("localhost/kong/httpbin", "kong/httpbin"),
    ("gcr.io/istio-release/proxyv2:1.31.0-distroless", "istio-release/proxyv2"),
    ("docker.io/istio/proxyv2@sha256:" + "ab" * 32, "istio/proxyv2"),
    ("istio/proxyv2:1.31@sha256:" + "cd" * 32, "istio/proxyv2"),
    ("kennethreitz/httpbin", "kennethreitz/httpbin"),
])
def test_repository_drops_registry_tag_and_digest(image, name):
    assert repository(image) == name


# ---- find -------------------------------------------------------------------------------------

def test_the_first_matching_entry_is_found(table):
    assert table.find("docker.io/istio/proxyv2:1.31-dev")["name"] == "istio-proxy"
    assert table.find("kong/httpbin:latest")["name"] == "httpbin"
    assert table.find("docker.io/mccutchen/go-httpbin:v2.15.0")["name"] == "httpbin (go-httpbin's port)"


def test_earlier_entries_win_over_later_ones():
    # node_images (the user's) come before the built-in ones.
    table = ImageTable([{"name": "my proxy", "match": "proxyv2$", "entrypoint": ["/bin/true"]}] + TABLE, BINARIES)
    assert table.find("istio/proxyv2:1.31")["name"] == "my proxy"


def test_the_match_is_on_the_repository_not_the_whole_reference(table):
    # ^istio/proxyv2$ matches once registry and tag are gone.
    assert table.find("gcr.io/istio/proxyv2:1.31")["name"] == "istio-proxy"
    with pytest.raises(NotRunnable):
        table.find("docker.io/istio/proxyv2-extra:1.31")


def test_an_unknown_image_names_itself_and_the_known_stand_ins(table):
    with pytest.raises(NotRunnable) as caught:
        table.find("docker.io/library/nginx:1.27")
    assert str(caught.value) == ("image docker.io/library/nginx:1.27 is not runnable on the local node "
                                 "(it runs: httpbin, httpbin (go-httpbin's port), istio-proxy)")


# ---- plan -------------------------------------------------------------------------------------

def test_plan_fills_placeholders_from_the_binaries(table):
    container = {"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.31-dev",
                 "args": ["proxy", "sidecar", "--domain", "$(POD_NAMESPACE).svc.cluster.local"]}
    plan = table.plan(container)
    assert plan["image"] == "istio-proxy"
    assert plan["entrypoint"] == ["/istio/pilot-agent"]
    assert plan["default_args"] == []
    assert plan["files"] == {"var/lib/istio/envoy/envoy_bootstrap_tmpl.json": "/istio/envoy_bootstrap.json",
                             "usr/local/bin/envoy": "/usr/local/bin/envoy-upstream"}
    assert plan["container"] == container


def test_plan_of_a_fixed_image_runs_its_entrypoint(table):
    plan = table.plan({"name": "httpbin", "image": "docker.io/kennethreitz/httpbin"})
    assert plan["entrypoint"] == ["/venv/bin/python", "-m", "gunicorn", "--bind=0.0.0.0:80", "--worker-class=gthread",
                                  "--threads=8", "--workers=1", "httpbin:app"]
    assert plan["files"] == {}


def test_a_command_is_mapped_to_the_local_program(table):
    container = {"name": "istio-proxy", "image": "istio/proxyv2:1.31", "command": ["/usr/local/bin/envoy", "-c", "x"]}
    plan = table.plan(container)
    assert plan["container"]["command"] == ["/usr/local/bin/envoy-upstream", "-c", "x"]
    assert container["command"] == ["/usr/local/bin/envoy", "-c", "x"]  # the pod's spec is left alone
    assert table.plan(dict(container, command=["pilot-agent", "wait"]))["container"]["command"] == [
        "/istio/pilot-agent", "wait"]


def test_a_command_the_stand_in_lacks_is_not_runnable_and_named(table):
    container = {"name": "istio-init", "image": "istio/proxyv2:1.31", "command": ["/usr/local/bin/istio-iptables"]}
    with pytest.raises(NotRunnable) as caught:
        table.plan(container)
    assert str(caught.value) == (
        "container istio-init: /usr/local/bin/istio-iptables is not a program the local stand-in of istio-proxy has "
        "(it has: /usr/local/bin/envoy, /usr/local/bin/pilot-agent, envoy, pilot-agent)")


def test_a_command_for_an_image_without_programs_says_none():
    table = ImageTable([{"name": "plain", "match": "^x/plain$", "entrypoint": ["/bin/true"]}], BINARIES)
    with pytest.raises(NotRunnable, match=r"/bin/sh is not a program the local stand-in of plain has \(it has: none\)"):
        table.plan({"name": "c", "image": "x/plain", "command": ["/bin/sh"]})


@pytest.mark.parametrize("change", [{"command": ["/bin/sh"]}, {"args": ["--port", "9000"]}])
def test_a_fixed_image_refuses_command_and_args(table, change):
    container = dict({"name": "httpbin", "image": "kong/httpbin:0.2"}, **change)
    with pytest.raises(NotRunnable) as caught:
        table.plan(container)
    assert str(caught.value) == ("container httpbin: image kong/httpbin:0.2 runs as the image defines it; "
                                 "its command and args cannot be changed on the local node")


def test_an_unknown_binary_in_the_table_is_not_runnable():
    table = ImageTable([{"name": "odd", "match": "^x/odd$", "entrypoint": ["{ruby}"]}], BINARIES)
    with pytest.raises(NotRunnable, match="the image table names an unknown local binary 'ruby'"):
        table.plan({"name": "c", "image": "x/odd"})


def test_default_args_are_filled_too():
    table = ImageTable([{"name": "agent", "match": "^x/agent$", "entrypoint": ["{pilot_agent}"],
                         "args": ["proxy", "--bootstrap={istio_bootstrap}"]}], BINARIES)
    assert table.plan({"name": "c", "image": "x/agent"})["default_args"] == [
        "proxy", "--bootstrap=/istio/envoy_bootstrap.json"]
