#!/usr/bin/env python3
"""Interleaved timing of short commands, for scripts/bench.sh.

    interleave.py --runs 30 --warmup 3 --json out.json \
        --name fx  --prepare 'shell command, untimed' --cmd 'fxsnap --db x ingest -q page.txt' \
        --name ref --prepare '' --cmd "sqlite3 ref.db '.read page.sql'"

Runs the commands in rounds -- one run of each per round, the order of each
round rotated -- so that load from elsewhere on the machine (other builds,
another process's fsyncs) hits every command alike. A tool that runs all the
runs of one command and then all of the other (hyperfine) can report a ratio
of 10x that is only a burst of someone else's disk writes.

Each timed command is split like a shell would (shlex), started directly with
posix_spawn (no shell), standard output to /dev/null, and timed with a
monotonic nanosecond clock from spawn to exit. (Peak memory is not taken
here: a child's ru_maxrss counts the spawning Python process's own RSS; the
harness measures it with GNU time instead.)
A --prepare command (run with sh -c, untimed) precedes each run of its command.
A command that fails stops everything (exit 1).

The JSON has, per name: times (seconds), median, min, max, runs.
"""

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time


def run_once(argv, path):
    devnull = [(os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0)]
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(path, argv, os.environ, file_actions=devnull)
    _, status = os.waitpid(pid, 0)
    t1 = time.perf_counter_ns()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"interleave: '{shlex.join(argv)}' exited with {code}")
    return (t1 - t0) / 1e9


def main():
    ap = argparse.ArgumentParser(description="interleaved timing of short commands")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--json", required=True)
    ap.add_argument("--name", action="append", required=True)
    ap.add_argument("--prepare", action="append", required=True)
    ap.add_argument("--cmd", action="append", required=True)
    a = ap.parse_args()
    if not (len(a.name) == len(a.prepare) == len(a.cmd)):
        sys.exit("interleave: give --name, --prepare and --cmd once per command")
    cmds = []
    for name, prep, cmd in zip(a.name, a.prepare, a.cmd):
        argv = shlex.split(cmd)
        path = shutil.which(argv[0])
        if path is None:
            sys.exit(f"interleave: {argv[0]}: not found")
        cmds.append((name, prep, argv, path))
    res = {name: {"times": []} for name, _, _, _ in cmds}
    for r in range(a.warmup + a.runs):
        k = r % len(cmds)
        for name, prep, argv, path in cmds[k:] + cmds[:k]:
            if prep:
                subprocess.run(["sh", "-c", prep], check=True)
            secs = run_once(argv, path)
            if r >= a.warmup:
                res[name]["times"].append(secs)
    for name, v in res.items():
        t = v["times"]
        v.update(median=statistics.median(t), min=min(t), max=max(t), runs=len(t))
        print(
            f"  {name:<12} median {v['median'] * 1000:8.2f} ms   min {v['min'] * 1000:8.2f}   max {v['max'] * 1000:8.2f}   "
            f"({len(t)} runs, interleaved)",
            file=sys.stderr,
        )
    with open(a.json, "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
