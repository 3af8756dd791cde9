"""The launcher restarts a process of the stack that exits, with a growing delay, and says so."""

from __future__ import annotations

import itertools
import os
import time

from devtools.launcher import Child, _processes
from devtools.processes import wait_until


def watch(child: Child, *, starts: int, timeout: float) -> list[float]:
    """Run the launcher's loop on ``child`` until it has been started ``starts`` times; the times of
    the starts."""
    started = [child.started]
    deadline = time.monotonic() + timeout
    while len(started) < starts:
        assert time.monotonic() < deadline, f"{child.name} was started {len(started)} times in {timeout} s"
        child.watch()
        if child.started != started[-1]:
            started.append(child.started)
        time.sleep(0.02)
    return started


def said(capsys) -> list[str]:
    return [line for line in capsys.readouterr().out.splitlines() if line.startswith("monps: ")]


def test_a_process_that_exits_at_once_is_restarted_with_a_growing_delay(capsys):
    child = Child("quick", ["sh", "-c", "exit 3"], None, max_backoff=2)
    child.start()
    try:
        started = watch(child, starts=4, timeout=15)
    finally:
        child.stop()
    assert said(capsys) == [
        "monps: quick exited with 3; restarting in 1 s",
        "monps: restarting quick",
        "monps: quick exited with 3; restarting in 2 s",
        "monps: restarting quick",
        "monps: quick exited with 3; restarting in 2 s",  # MAX_BACKOFF
        "monps: restarting quick",
    ]
    waits = [later - earlier for earlier, later in itertools.pairwise(started)]
    # Each start to the next: the delay, plus the time the process took to exit and to be seen exited.
    assert all(delay <= wait < delay + 1.5 for delay, wait in zip([1, 2, 2], waits, strict=True)), waits


def test_a_process_that_stayed_up_past_healthy_after_is_restarted_after_the_shortest_delay(capsys, tmp_path):
    steady = tmp_path / "steady"  # once it exists, the process stays up 0.6 s before it exits
    command = ["sh", "-c", f"test -e {steady} && sleep 0.6; exit 4"]
    child = Child("flaky", command, None, healthy_after=0.4)
    child.start()
    try:
        watch(child, starts=2, timeout=15)  # a quick exit, 1 s; a second follows, 2 s

        def restart_due() -> float | None:  # watch() notes the exit and sets restart_at
            child.watch()
            return child.restart_at

        wait_until(restart_due, timeout=15, what="a second quick exit", every=0.02)
        steady.touch()
        watch(child, starts=3, timeout=15)  # started again, up 0.6 s, and once more after 1 s
    finally:
        child.stop()
    assert [line for line in said(capsys) if "exited" in line] == [
        "monps: flaky exited with 4; restarting in 1 s",
        "monps: flaky exited with 4; restarting in 2 s",
        "monps: flaky exited with 4; restarting in 1 s",  # it had been healthy: the delay starts over
    ]


def test_beat_without_its_database_exits_and_is_started_again(capsys, tmp_path):
    env = {**os.environ, "DATABASE_URL": f"postgresql://postgres@/monps?host={tmp_path / 'no-server'}"}
    child = Child("beat", _processes()["beat"], env)
    child.start()
    first = child.process
    try:
        watch(child, starts=2, timeout=60)
        assert child.process is not first
        assert child.process.poll() is None  # started again, and trying again
    finally:
        child.stop()
        child.wait()
    assert first.returncode != 0
    assert said(capsys) == [f"monps: beat exited with {first.returncode}; restarting in 1 s", "monps: restarting beat"]
