"""Fuzzing the loader: whatever text or data it is given, it returns a
scenario or raises chansim's own InputError, nothing else (no KeyError,
TypeError, RecursionError, MemoryError...)."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chansim.errors import InputError
from chansim.scenario import Scenario, load_scenario
from chansim.scenario.yamlfile import read_yaml

SMALL = Path(__file__).parent / "data" / "small.yaml"
BASE_TEXT = SMALL.read_text(encoding="utf-8")
BASE = yaml.safe_load(BASE_TEXT)
FUZZ = settings(max_examples=700, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**30, max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["yes", "no", "on", "1:30", "2026-02-30", ".inf", "-.nan", "0x1F", "0o17", "~", "voice", "sms",
                     "[", "{", "&a", "*a", "!!python/none", "<<", "24", "1e400"]),
)
keys = st.one_of(st.text(max_size=8), st.sampled_from(["like", "dist", "mean", "cv", "value", "name", "share", "offer",
                                                      "set", "to", "headcount", "schedule", "channels", "voice", "sms",
                                                      "rate_card", "reach", "fallback", "agents.pools.phones.headcount"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(keys, inner, max_size=4)),
                      max_leaves=12)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, prefix + (index,))


PATHS = [p for p in _paths(BASE) if p]


def _load(source) -> None:
    try:
        assert isinstance(load_scenario(source), Scenario)
    except InputError:
        pass


@FUZZ
@given(path=st.sampled_from(PATHS), value=values, delete=st.booleans())
def test_one_value_of_a_good_file_replaced_by_anything(path, value, delete):
    data = copy.deepcopy(BASE)
    node = data
    for key in path[:-1]:
        node = node[key]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    _load(data)


@FUZZ
@given(position=st.integers(min_value=0, max_value=len(BASE_TEXT)), cut=st.integers(min_value=0, max_value=40),
       insert=st.text(alphabet=st.sampled_from(list(" \t\n:-[]{},&*!|>'\"#?%@`<=~.0123456789abcyesn")), max_size=20))
def test_text_of_a_good_file_damaged_anywhere(position, cut, insert, tmp_path_factory):
    file = tmp_path_factory.mktemp("fuzz") / "s.yaml"
    file.write_text(BASE_TEXT[:position] + insert + BASE_TEXT[position + cut:], encoding="utf-8")
    _load(file)


@FUZZ
@given(text=st.text(max_size=200))
def test_any_text_is_read_or_refused(text):
    try:
        read_yaml(text)
    except InputError:
        pass
