"""Issue 12, classes 5b, 7 and 9 at the command line: output paths stay inside the folder the
user named, even for a hostile name that got past validation; standard output closed or full
is said on one line with a non-zero exit (a reader that stops, as head does, stays quiet);
Ctrl-C during start-up says "interrupted"; every error names what failed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sim.spec
import sim.spec.experiment
from sim.cli import main
from sim.errors import SpecError
from sim.paths import inside
from sim.spec.loading import SCENARIO_DIR

SIM = str(Path(sys.executable).parent / "sim")
ESCAPES = ["../escaped", "../../escaped", "/tmp/escaped-abs", "a/../../escaped", "..", "./../x"]


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    assert "error: : " not in err
    return lines[0]


@pytest.mark.parametrize("name", ESCAPES)
def test_a_joined_name_cannot_leave_its_folder(tmp_path, name):
    with pytest.raises(SpecError, match="outside this folder"):
        inside(tmp_path / "out", name)


def test_a_symbolic_link_out_of_the_folder_is_refused(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "link").symlink_to(tmp_path.parent)
    with pytest.raises(SpecError, match="outside this folder"):
        inside(tmp_path / "out", "link", "x.csv")
    assert inside(tmp_path / "out", "ok", "x.csv") == tmp_path / "out" / "ok" / "x.csv"


@pytest.mark.parametrize("name", ESCAPES)
def test_a_hostile_experiment_name_past_validation_writes_nothing_outside_out(
    tmp_path, monkeypatch, capsys, name
):
    real = sim.spec.experiment.load_experiment
    path = SCENARIO_DIR / "experiments" / "ci_smoke.yaml"
    hostile = real(path).model_copy(update={"name": name})
    monkeypatch.setattr(sim.spec.experiment, "load_experiment", lambda _: hostile)
    monkeypatch.chdir(tmp_path)
    before = set(tmp_path.parent.iterdir())
    assert main(["sweep", str(path), "--executor", "serial", "--limit", "1", "--quiet"]) == 2
    assert "outside this folder" in one_error_line(capsys.readouterr().err)
    assert set(tmp_path.parent.iterdir()) == before and not Path("/tmp/escaped-abs").exists()


@pytest.mark.parametrize("name", [n for n in ESCAPES if n != ".."])  # "...png" stays inside
def test_a_hostile_structure_name_past_validation_draws_no_diagram_outside(
    tmp_path, monkeypatch, capsys, name
):
    real = sim.spec.load_structure
    monkeypatch.setattr(sim.spec, "load_structure",
                        lambda s: real(s).model_copy(update={"name": name}))  # fmt: skip
    monkeypatch.chdir(tmp_path)
    assert main(["diagram", "pilot"]) == 2
    assert "outside this folder" in one_error_line(capsys.readouterr().err)
    assert not list(tmp_path.parent.glob("escaped*")) and not Path("/tmp/escaped-abs.png").exists()


def run(args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([SIM, *args], capture_output=True, text=True, timeout=120, **kwargs)


@pytest.mark.parametrize("command", [["parameters"], ["indicators"], ["--version"]])
def test_closed_standard_output_is_said_and_exits_non_zero(command):
    done = subprocess.run([SIM, *command], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, timeout=60, preexec_fn=lambda: os.close(1))  # fmt: skip
    assert done.returncode != 0
    assert "standard output is closed" in one_error_line(done.stderr)


@pytest.mark.parametrize("command", [["parameters"], ["indicators"],
                                     ["run", "smoke", "--structure", "pilot"]])  # fmt: skip
def test_a_full_standard_output_names_it_and_exits_non_zero(command):
    with open("/dev/full", "w") as full:
        done = subprocess.run([SIM, *command], stdout=full, stderr=subprocess.PIPE, text=True,
                              timeout=120)  # fmt: skip
    assert done.returncode == 1
    assert one_error_line(done.stderr).startswith("error: standard output: No space left")


@pytest.mark.parametrize("command", [["parameters"], ["indicators"]])
def test_a_reader_that_stops_early_stays_quiet(command):
    done = subprocess.run(f"'{SIM}' {' '.join(command)} | head -1", shell=True,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0 and done.stderr == "" and done.stdout.count("\n") == 1


def past_python_start_up(proc: subprocess.Popen, seconds: float = 120) -> None:
    """Wait until ``sim`` is importing its own libraries (numpy is mapped into the process):
    Python's own start-up, before ``sim``'s entry point can catch Ctrl-C, is over, however
    loaded the machine."""
    maps = Path(f"/proc/{proc.pid}/maps")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if "numpy" in maps.read_text():
                return
        except OSError:
            pass
        time.sleep(0.01)
    pytest.fail("sim never started importing its libraries")


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux's /proc")
@pytest.mark.parametrize("delay", [0.0, 0.1, 0.3, 0.6])  # after its imports began
def test_ctrl_c_during_start_up_says_interrupted(delay):
    proc = subprocess.Popen([SIM, "compare", "smoke", "--replications", "40", "--workers", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    past_python_start_up(proc)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert err.strip().splitlines()[-1] == "interrupted"


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:1", "nonsense", "tcp://127.0.0.1"])
def test_a_dask_scheduler_that_does_not_answer_is_named(tmp_path, address, monkeypatch):
    monkeypatch.setattr("sim.experiment.executors.SCHEDULER_TIMEOUT", "1s")
    path = SCENARIO_DIR / "experiments" / "ci_smoke.yaml"
    code = main(["sweep", str(path), "--scheduler", address, "--out", str(tmp_path / "o")])
    assert code == 2


def test_a_refused_scheduler_is_one_line_naming_it(tmp_path):
    done = run(["sweep", "ci_smoke", "--scheduler", "tcp://127.0.0.1:1", "--out",
                str(tmp_path / "o"), "--quiet"])  # fmt: skip
    line = one_error_line(done.stderr)
    assert done.returncode == 2 and "--scheduler: tcp://127.0.0.1:1" in line


def output_blocked(tmp_path: Path, how: str) -> Path:
    if how == "a file in the way":
        (tmp_path / "blocked").write_text("x")
        return tmp_path / "blocked" / "o"
    if how == "the folder is a file":
        (tmp_path / "o").write_text("x")
        return tmp_path / "o"
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    return folder / "o"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_a_read_only_output_folder_is_named(tmp_path, capsys):
    out = output_blocked(tmp_path, "read-only")
    code = main(["run", "smoke", "--structure", "pilot", "--out", str(out)])
    assert code == 2 and str(out) in one_error_line(capsys.readouterr().err)


@pytest.mark.parametrize("how", ["a file in the way", "the folder is a file"])
@pytest.mark.parametrize("command", ["sweep", "compare", "gcm"])
def test_an_output_folder_that_cannot_be_made_is_one_line(tmp_path, capsys, how, command):
    out = str(output_blocked(tmp_path, how))
    args = {"sweep": ["sweep", "ci_smoke", "--executor", "serial", "--limit", "1", "--quiet"],
            "compare": ["compare", "smoke", "--replications", "2", "--workers", "1"],
            "gcm": ["gcm", "--workers", "1"]}[command]  # fmt: skip
    assert main([*args, "--out", out]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]  # after gcm's progress bar
    line = one_error_line(err)
    assert str(tmp_path) in line


def shared_follow_ups(levels: int, width: int) -> str:
    """``&f{n}``: an issue whose ``width`` follow-ups each raise ``*f{n-1}``; the scenario
    names the last, ``i0``."""
    lines = ["name: bomb", "duration_weeks: 10", "x:", "  - &f0 {id: leaf}"]
    for i in range(1, levels + 1):
        raised = ", ".join([f"{{after_step: 1, issue: *f{i - 1}}}"] * width)
        lines.append(f"  - &f{i} {{id: {'i0' if i == levels else f'l{i}'}, "
                     f"follow_ups: [{raised}]}}")  # fmt: skip
    return "\n".join([*lines, f"issues: [*f{levels}]"]) + "\n"


def test_nine_by_seven_shared_follow_ups_are_one_line_and_exit_2(tmp_path):
    """Issue 19, item 10: `sim validate` of 9 follow-ups of 9 follow-ups, 7 deep, all aliases
    (5 million issues if built) is one line at once; a smaller such file, within the YAML
    bound, is stopped by the cap on named issues."""
    (tmp_path / "f.yaml").write_text(shared_follow_ups(7, 9), encoding="utf-8")
    done = run(["validate", str(tmp_path / "f.yaml")])
    assert done.returncode == 2
    line = one_error_line(done.stderr)
    assert line.startswith(f"error: {tmp_path / 'f.yaml'}: line ")
    assert "expands to more than 1,000,000 values" in line
    (tmp_path / "g.yaml").write_text(shared_follow_ups(4, 10), encoding="utf-8")
    done = run(["validate", str(tmp_path / "g.yaml")])
    assert done.returncode == 2
    assert one_error_line(done.stderr) == (
        f"error: {tmp_path / 'g.yaml'}: issues[i0].follow_ups: the named issues expand to "
        "11,111 issues with their follow-ups; the most is 10,000 (docs/inputs.md)"
    )


def test_a_second_robustness_run_into_one_folder_is_refused_at_once(tmp_path, capsys, monkeypatch):
    """Issue 19: two `sim robustness` commands on one output folder: while one holds it, the
    other is one line and runs nothing (it would interleave its outputs with the first's)."""
    from sim.paths import folder_lock

    monkeypatch.setattr("sim.analysis.robustness.run_robustness", None)  # never reached
    out = tmp_path / "out"
    with folder_lock(out, "robustness run"):
        code = main(["robustness", "employer_closure", "--out", str(out), "--quiet"])
    assert code == 2
    assert one_error_line(capsys.readouterr().err) == (
        f"error: {out}: in use by another command (a robustness run is writing here); wait "
        "for it to finish, or use another --out folder"
    )
