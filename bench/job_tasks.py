"""Where the main job's idempotent re-run spends its time, task by task, at each size (side by side).

The sizes and variables are scale.py's (VirtualService mode, half the clients allowed, certificates
issued beforehand). Each size runs the job once to converge, then --rounds times with Ansible's
ansible.posix.profile_tasks callback; a task's figure is its median. Also: ansible-playbook with one
debug task, given the size's variables file and not, and the number of tasks the job ran.

    .venv/bin/python bench/job_tasks.py [--rounds 3] [--sizes 1x2,1x10000] [--top 15]
"""

import os
import re
import statistics
import tempfile

from local_env import LocalEnvironment
from scale import Bench, job_variables, size_arguments, sizes_of

# "<task name> ---- 0.12s" as profile_tasks prints it at the end of a run.
TASK_LINE = re.compile(r"^(?P<name>.+?) -{3,} (?P<seconds>\d+\.\d+)s$")
PROFILE = {"ANSIBLE_CALLBACKS_ENABLED": "ansible.posix.profile_tasks", "PROFILE_TASKS_SORT_ORDER": "none",
           "PROFILE_TASKS_TASK_OUTPUT_LIMIT": "all"}


def task_seconds(out):
    """{task name: seconds} from a run's profile_tasks summary (a repeated name adds up)."""
    summary = out[out.rfind("=" * 40):]
    seconds = {}
    for line in summary.splitlines():
        match = TASK_LINE.match(line.strip())
        if match:
            seconds[match["name"]] = seconds.get(match["name"], 0.0) + float(match["seconds"])
    return seconds


def profile(bench, variables, rounds):
    """({task: median seconds}, median wall seconds) of the idempotent re-run."""
    bench.job(variables)
    runs, walls = [], []
    for dummy in range(rounds):
        wall, out = bench.job(variables)
        assert "changed=0" in out, out[-3000:]
        runs.append(task_seconds(out))
        walls.append(wall)
    tasks = {name: statistics.median(run.get(name, 0.0) for run in runs) for name in runs[0]}
    return tasks, statistics.median(walls)


def main():
    parser = size_arguments(__doc__, "1x2,1x10000")
    parser.add_argument("--top", type=int, default=15, help="tasks to print, the costliest at the largest size first")
    args = parser.parse_args()
    sizes = sizes_of(args)
    columns = {}
    with LocalEnvironment(kyma=False) as local, tempfile.TemporaryDirectory() as folder:
        local.env.update(PROFILE)
        bench = Bench(local, folder)
        for workloads, clients in sizes:
            label = "%dx%d" % (workloads, clients)
            tasks, wall = profile(bench, job_variables(workloads, clients), args.rounds)
            with_vars = bench.floor(args.rounds, os.path.join(folder, "vars.json"))
            columns[label] = {"tasks": tasks, "wall": wall, "floor_with_vars": with_vars}
        plain_floor = bench.floor(args.rounds)
    labels = list(columns)
    print("%-72s %s" % ("idempotent re-run, seconds (medians of %d)" % args.rounds, " ".join("%9s" % l for l in labels)))
    print("%-72s %s" % ("whole run (wall)", " ".join("%9.2f" % columns[l]["wall"] for l in labels)))
    print("%-72s %s" % ("sum of the tasks", " ".join("%9.2f" % sum(columns[l]["tasks"].values()) for l in labels)))
    print("%-72s %s" % ("tasks run", " ".join("%9d" % len(columns[l]["tasks"]) for l in labels)))
    print("%-72s %s" % ("one debug task, with the size's variables file", " ".join(
        "%9.2f" % columns[l]["floor_with_vars"] for l in labels)))
    print("%-72s %9.2f" % ("one debug task", plain_floor))
    largest = columns[labels[-1]]["tasks"]
    for name in sorted(largest, key=largest.get, reverse=True)[:args.top]:
        print("%-72s %s" % (name[:72], " ".join("%9.2f" % columns[l]["tasks"].get(name, 0.0) for l in labels)))


if __name__ == "__main__":
    main()
