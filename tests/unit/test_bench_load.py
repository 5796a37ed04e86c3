"""The pure helpers of the load section of `make bench` (bench/load.py)."""

from __future__ import annotations

import pytest

from bench.load import percentile, slowdown, vm_rss_bytes


def test_percentile_is_the_nearest_rank_and_always_a_measured_value():
    values = [0.5, 0.1, 0.4, 0.2, 0.3]  # unsorted on purpose
    assert percentile(values, 50) == 0.3
    assert percentile(values, 20) == 0.1  # 1 of 5 values at or below: exactly 20 %
    assert percentile(values, 21) == 0.2
    assert percentile(values, 99) == 0.5
    assert percentile(values, 100) == 0.5
    assert percentile([7.0], 1) == percentile([7.0], 99) == 7.0


def test_p99_of_a_hundred_is_the_ninety_ninth_smallest():
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 99) == 99.0
    assert percentile(values, 50) == 50.0


@pytest.mark.parametrize("q", [0, -1, 100.5])
def test_percentile_refuses_a_rank_outside_0_to_100(q: float):
    with pytest.raises(ValueError):
        percentile([1.0], q)


def test_percentile_of_nothing_is_an_error():
    with pytest.raises(ValueError):
        percentile([], 50)


STATUS = """Name:\tpython
State:\tS (sleeping)
VmPeak:\t  412345 kB
VmHWM:\t  180000 kB
VmRSS:\t  175104 kB
RssAnon:\t  150000 kB
Threads:\t12
"""


def test_vm_rss_is_read_from_its_own_line_in_bytes():
    assert vm_rss_bytes(STATUS) == 175104 * 1024


def test_a_status_without_vm_rss_is_an_error():
    # A zombie's status has no Vm* lines.
    with pytest.raises(ValueError):
        vm_rss_bytes("Name:\tpython\nState:\tZ (zombie)\n")


def test_slowdown_compares_the_medians_so_one_slow_write_does_not_count():
    assert slowdown([0.1, 0.1, 0.1], [0.2, 0.2, 5.0]) == pytest.approx(2.0)
    assert slowdown([0.1, 0.3], [0.2, 0.2]) == pytest.approx(1.0)


def test_the_bench_keeps_its_stack_out_of_the_developers_data_dir():
    """Defect: `make bench` seeded 5,000 nodes into `.data/`, the state `make dev` keeps."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    probe = "import os, bench.__main__; print(os.environ['DATA_DIR'])"
    environment = {**os.environ, "DATA_DIR": str(root / ".data")}  # as a developer may have set it
    printed = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, env=environment, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert printed and root not in Path(printed).parents
    assert not Path(printed).exists(), "removed when the bench ends"
