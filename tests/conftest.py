"""What the tests share: one builder of scenario dicts, a stored run to
damage, and a bit-for-bit comparison of measured KPIs.

``from conftest import scenario_dict`` (the tests folder is on the import path).
"""

from __future__ import annotations

import copy
import math
import shutil
from pathlib import Path
from typing import Any, Mapping

import pytest

VOICE = {"handle_time": {"dist": "exponential", "mean": 180}}


def same_kpis(a, b, where: str = "") -> None:
    """KPIs (nested dicts) equal bit for bit, nan where the other has nan."""
    if isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            same_kpis(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b and type(a) is type(b), f"{where}: {a!r} != {b!r}"


def scenario_dict(changes: Mapping[str, Any] | None = None, /, *, segments_by_channel: bool = False,
                  **fields: Any) -> dict:
    """A minimal valid scenario, as the dict a scenario file holds: one day
    from Monday 2026-01-05, seed 1, one replication, 1,000 contacts a day of
    one segment ``all``, a voice channel and one pool ``agents`` of 10.

    ``fields`` replace top-level sections (``days=2``, ``channels={...}``,
    ``strategies=[...]``); ``changes`` set dotted paths inside them
    (``{"demand.contacts_per_day": 500, "agents.pools.0.headcount": 3}``; a
    number picks a list item). With ``channels``, the segment prefers and the
    pool serves every channel given, in order; ``segments_by_channel`` gives
    each channel its own segment (``seg-<channel>``, equal shares) instead."""
    channels = copy.deepcopy(fields.pop("channels", {"voice": VOICE}))
    names = list(channels)
    segments = ([{"name": f"seg-{n}", "share": 1.0 / len(names), "preference": [n]} for n in names]
                if segments_by_channel else [{"name": "all", "share": 1, "preference": names}])
    data: dict[str, Any] = {
        "name": "test",
        "start_date": "2026-01-05",
        "days": 1,
        "seed": 1,
        "replications": 1,
        "demand": {"contacts_per_day": 1000, "segments": segments},
        "channels": channels,
        "agents": {"pools": [{"name": "agents", "channels": names, "headcount": 10}]},
    }
    data.update(copy.deepcopy(fields))
    for path, value in (changes or {}).items():
        node: Any = data
        keys = path.split(".")
        for key in keys[:-1]:
            node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
        last = keys[-1]
        if isinstance(node, list):
            node[int(last)] = copy.deepcopy(value)
        else:
            node[last] = copy.deepcopy(value)
    return data


def load_problems(data: dict, tmp_path: Path | None = None) -> list:
    """The problems ``load_scenario`` refuses ``data`` with (from a YAML file
    in ``tmp_path`` when given, so that each carries its line)."""
    import yaml

    from chansim import load_scenario
    from chansim.errors import InputError

    source: Any = data
    if tmp_path is not None:
        source = tmp_path / "s.yaml"
        source.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scenario(source)
    return info.value.problems


@pytest.fixture(scope="session")
def stored_small_run(tmp_path_factory) -> Path:
    """``chansim run tests/data/small.yaml --out`` once per session (0.1 day, one replication)."""
    from typer.testing import CliRunner

    from chansim.cli import app

    out = tmp_path_factory.mktemp("stored") / "run"
    result = CliRunner().invoke(app, ["run", str(Path(__file__).parent / "data" / "small.yaml"), "--days", "0.1",
                                      "--replications", "1", "-q", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    return out


@pytest.fixture
def run_dir(stored_small_run, tmp_path) -> Path:
    """A copy of the stored run, for a test to damage."""
    copy = tmp_path / "run"
    shutil.copytree(stored_small_run, copy)
    return copy
