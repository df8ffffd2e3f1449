#!/usr/bin/python3
"""Checks that epoll's remote interest is persistent: bench/run.py's notify_loop
(the figures epoll_bus_msgs_per_event and select_bus_msgs_per_event, on sw and rtl)
run into a temporary folder; an epoll loop over a pipe held by another CPU must cost
exactly one message of the readiness protocol per event (the notification), a select
loop at least two.

Usage: check_persistent_interest.py BUILD_DIR
"""
import importlib.util
import os
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1])
        return 2
    sys.path.insert(0, os.path.join(REPO, "bench"))  # run.py imports its neighbours
    spec = importlib.util.spec_from_file_location("bench_run", os.path.join(REPO, "bench", "run.py"))
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    bench = run.Bench(os.path.abspath(sys.argv[1]), 1)
    with tempfile.TemporaryDirectory() as out:
        bench.outdir = out
        try:
            bench.notify_loop()
        except run.BenchError as e:
            print(f"check_persistent_interest: {e}")
            return 1
    bad = 0
    for path in ("", "_rtl"):
        epoll = bench.figures[f"epoll_bus_msgs_per_event{path}"]["value"]
        select = bench.figures[f"select_bus_msgs_per_event{path}"]["value"]
        if epoll != 1:
            print(f"check_persistent_interest: epoll_bus_msgs_per_event{path} = {epoll}, not 1")
            bad += 1
        if select < 2:
            print(f"check_persistent_interest: select_bus_msgs_per_event{path} = {select}, below 2")
            bad += 1
    print("check_persistent_interest:", "PASS" if not bad else f"{bad} failures")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
