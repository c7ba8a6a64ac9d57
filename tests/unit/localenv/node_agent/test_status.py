"""The status the node reports for a pod: container states, phase, conditions and addresses."""

from node_agent.status import Container, comparable, pod_status

STARTED = "2026-11-28T20:06:00Z"


def running(container, at="2026-11-28T20:06:10Z", ready=True, pid=4242):
    """What the node records when it starts a container's process."""
    container.started_at, container.exit_code, container.waiting, container.pid = at, None, None, pid
    container.ready = ready
    return container


def exited(container, code, at="2026-11-28T20:06:20Z"):
    """What the node records when a process ends."""
    container.exit_code, container.finished_at, container.ready, container.pid = code, at, False, None
    return container


def conditions(status):
    return {c["type"]: c["status"] for c in status["conditions"]}


def istio_pod():
    """An init container, a native sidecar (init with restartPolicy Always) and the application."""
    return [Container({"name": "istio-validation", "image": "istio/proxyv2"}, init=True),
            Container({"name": "istio-proxy", "image": "istio/proxyv2", "restartPolicy": "Always"}, init=True),
            Container({"name": "httpbin", "image": "kong/httpbin"})]


# ---- Container --------------------------------------------------------------------------------

def test_a_new_container_waits_in_container_creating():
    container = Container({"name": "httpbin", "image": "kong/httpbin"})
    assert container.state() == {"waiting": {"reason": "ContainerCreating"}}
    assert container.status() == {"name": "httpbin", "image": "kong/httpbin", "imageID": "",
                                  "containerID": "localenv://", "ready": False, "restartCount": 0,
                                  "started": False, "state": {"waiting": {"reason": "ContainerCreating"}}}


def test_a_waiting_reason_comes_with_its_message():
    container = Container({"name": "c", "image": "nginx"})
    container.waiting = ("ImageNotRunnableLocally", "image nginx is not runnable on the local node")
    assert container.state() == {"waiting": {"reason": "ImageNotRunnableLocally",
                                             "message": "image nginx is not runnable on the local node"}}


def test_a_started_container_runs():
    container = running(Container({"name": "c", "image": "kong/httpbin"}))
    assert container.state() == {"running": {"startedAt": "2026-11-28T20:06:10Z"}}
    status = container.status()
    assert status["started"] is True and status["ready"] is True and status["containerID"] == "localenv://4242"


def test_a_running_container_that_is_not_ready_says_so():
    assert running(Container({"name": "c", "image": "x"}), ready=False).status()["ready"] is False


def test_an_exited_container_is_terminated_completed_or_error():
    done = exited(running(Container({"name": "init", "image": "x"}, init=True)), 0)
    assert done.state() == {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": "2026-11-28T20:06:10Z",
                                           "finishedAt": "2026-11-28T20:06:20Z"}}
    failed = exited(running(Container({"name": "init", "image": "x"}, init=True)), 3)
    assert failed.state()["terminated"]["reason"] == "Error" and failed.state()["terminated"]["exitCode"] == 3
    assert failed.status()["started"] is False and failed.status()["ready"] is False


def test_a_crashed_container_waiting_for_its_restart_shows_the_back_off():
    container = exited(running(Container({"name": "c", "image": "x"})), 1)
    container.restarts = 2
    container.waiting = ("CrashLoopBackOff", "exited with 1; see c.log")
    assert container.state() == {"waiting": {"reason": "CrashLoopBackOff", "message": "exited with 1; see c.log"}}
    assert container.status()["restartCount"] == 2


def test_only_init_containers_with_restart_policy_always_are_sidecars():
    proxy = Container({"name": "istio-proxy", "image": "x", "restartPolicy": "Always"}, init=True)
    validation = Container({"name": "istio-validation", "image": "x"}, init=True)
    main = Container({"name": "app", "image": "x", "restartPolicy": "Always"})
    assert proxy.sidecar and not validation.sidecar and not main.sidecar


# ---- pod_status -------------------------------------------------------------------------------

def test_a_pod_whose_containers_are_being_created_is_pending():
    status = pod_status(istio_pod(), "127.0.0.1", None, STARTED)
    assert status["phase"] == "Pending"
    assert conditions(status) == {"PodReadyToStartContainers": "False", "Initialized": "False",
                                  "ContainersReady": "False", "Ready": "False"}
    assert "podIP" not in status and "podIPs" not in status
    assert status["hostIP"] == "127.0.0.1" and status["hostIPs"] == [{"ip": "127.0.0.1"}]
    assert status["startTime"] == STARTED
    assert [s["name"] for s in status["initContainerStatuses"]] == ["istio-validation", "istio-proxy"]
    assert [s["name"] for s in status["containerStatuses"]] == ["httpbin"]
    assert "reason" not in status and "message" not in status


def test_the_pod_ip_once_given():
    status = pod_status(istio_pod(), "127.0.0.1", "100.80.1.5", STARTED)
    assert status["podIP"] == "100.80.1.5" and status["podIPs"] == [{"ip": "100.80.1.5"}]
    assert conditions(status)["PodReadyToStartContainers"] == "True"


def test_pending_until_the_init_containers_are_done():
    validation, proxy, app = istio_pod()
    exited(running(validation), 0)
    status = pod_status([validation, proxy, app], "127.0.0.1", "100.80.1.5", STARTED)
    assert status["phase"] == "Pending" and conditions(status)["Initialized"] == "False"
    running(proxy)
    status = pod_status([validation, proxy, app], "127.0.0.1", "100.80.1.5", STARTED)
    assert conditions(status)["Initialized"] == "True"
    assert status["phase"] == "Pending"  # the application has not started yet


def test_a_failed_init_container_keeps_the_pod_pending_and_uninitialized():
    validation, proxy, app = istio_pod()
    exited(running(validation), 1)
    status = pod_status([validation, proxy, app], "127.0.0.1", "100.80.1.5", STARTED)
    assert status["phase"] == "Pending" and conditions(status)["Initialized"] == "False"


def test_running_and_ready_when_every_main_container_and_sidecar_is_ready():
    validation, proxy, app = istio_pod()
    exited(running(validation), 0)
    running(proxy)
    running(app)
    status = pod_status([validation, proxy, app], "127.0.0.1", "100.80.1.5", STARTED)
    assert status["phase"] == "Running"
    assert conditions(status) == {"PodReadyToStartContainers": "True", "Initialized": "True",
                                  "ContainersReady": "True", "Ready": "True"}
    assert status["initContainerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"
    assert "running" in status["initContainerStatuses"][1]["state"]


def test_not_ready_while_the_sidecar_is_not_ready():
    validation, proxy, app = istio_pod()
    exited(running(validation), 0)
    running(proxy, ready=False)
    running(app)
    status = pod_status([validation, proxy, app], "127.0.0.1", "100.80.1.5", STARTED)
    assert status["phase"] == "Running"
    assert conditions(status)["Ready"] == "False" and conditions(status)["ContainersReady"] == "False"


def test_not_ready_while_a_main_container_is_not_ready():
    containers = [running(Container({"name": "a", "image": "x"})),
                  running(Container({"name": "b", "image": "x"}), ready=False)]
    status = pod_status(containers, "127.0.0.1", "100.80.1.5", STARTED)
    assert status["phase"] == "Running" and conditions(status)["Ready"] == "False"


def test_a_ready_flag_of_an_exited_container_does_not_make_the_pod_ready():
    app = exited(running(Container({"name": "a", "image": "x"})), 1)
    app.ready = True
    status = pod_status([app], "127.0.0.1", "100.80.1.5", STARTED)
    assert status["phase"] == "Pending" and conditions(status)["Ready"] == "False"


def test_running_while_one_of_several_main_containers_runs():
    containers = [running(Container({"name": "a", "image": "x"})),
                  exited(running(Container({"name": "b", "image": "x"})), 1)]
    assert pod_status(containers, "127.0.0.1", "100.80.1.5", STARTED)["phase"] == "Running"


def test_a_pod_the_node_cannot_run_says_why():
    app = Container({"name": "web", "image": "nginx"})
    app.waiting = ("ImageNotRunnableLocally", "image nginx is not runnable on the local node")
    status = pod_status([app], "127.0.0.1", None, STARTED, failure="image nginx is not runnable on the local node")
    assert status["reason"] == "LocalNodeCannotRun"
    assert status["message"] == "image nginx is not runnable on the local node"
    assert status["phase"] == "Pending"
    assert status["containerStatuses"][0]["state"]["waiting"]["reason"] == "ImageNotRunnableLocally"


def test_conditions_carry_the_start_time_and_no_probe_time():
    status = pod_status(istio_pod(), "127.0.0.1", None, STARTED)
    assert {c["lastTransitionTime"] for c in status["conditions"]} == {STARTED}
    assert {c["lastProbeTime"] for c in status["conditions"]} == {None}


def test_without_a_start_time_now_is_used():
    status = pod_status(istio_pod(), "127.0.0.1", None, None)
    assert status["startTime"].endswith("Z") and len(status["startTime"]) == len(STARTED)


# ---- comparable -------------------------------------------------------------------------------

def test_comparable_ignores_when_conditions_changed():
    first = pod_status(istio_pod(), "127.0.0.1", "100.80.1.5", "2026-11-28T20:06:00Z")
    second = pod_status(istio_pod(), "127.0.0.1", "100.80.1.5", "2026-11-28T20:06:00Z")
    for condition in second["conditions"]:
        condition["lastTransitionTime"] = "2026-11-28T21:00:00Z"
    assert first != second
    assert comparable(first) == comparable(second)
    assert all("lastTransitionTime" not in c for c in comparable(first)["conditions"])


def test_comparable_still_sees_real_changes():
    validation, proxy, app = istio_pod()
    before = pod_status([validation, proxy, app], "127.0.0.1", "100.80.1.5", STARTED)
    exited(running(validation), 0)
    after = pod_status([validation, proxy, app], "127.0.0.1", "100.80.1.5", STARTED)
    assert comparable(before) != comparable(after)


def test_comparable_leaves_the_status_alone():
    status = pod_status(istio_pod(), "127.0.0.1", None, STARTED)
    comparable(status)
    assert all("lastTransitionTime" in c for c in status["conditions"])
