"""``fit`` and ``backtest`` as safe as the scenario file: bad data is one
message naming the file and the row and column (or option), exit 2, no
traceback; no file or folder of the user's is ever changed; a large export
is read in bounded memory."""

from __future__ import annotations

import datetime as dt
import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

EXPORTS = Path(__file__).resolve().parent.parent / "examples" / "exports"

from chansim.cli import app
from chansim.studies.fit import durations

ROOT = Path(__file__).resolve().parent.parent
CONTACTS = ROOT / "examples" / "exports" / "contact-records.csv"
SHIFTS = ROOT / "tests" / "data" / "shifts.yaml"
HEADER = "contact_id,channel,arrival,answer,end\n"
runner = CliRunner()


def refused(args: list[str], *fragments: str):
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    return result


def contacts(path: Path, rows: int = 300, fmt: str = "%Y-%m-%d %H:%M:%S", start=dt.datetime(2026, 3, 2)) -> Path:
    rng = np.random.default_rng(3)
    lines, t = [HEADER], start
    for i in range(rows):
        t += dt.timedelta(seconds=int(rng.exponential(600)))
        answer = t + dt.timedelta(seconds=int(rng.exponential(30)))
        end = answer + dt.timedelta(seconds=int(rng.exponential(300)) + 61)
        lines.append(f"{i},voice,{t:{fmt}},{answer:{fmt}},{end:{fmt}}\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def listing(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------ outputs
def test_out_is_not_replaced_without_force_nor_ever_an_input(tmp_path):
    data = contacts(tmp_path / "calls.csv")
    out = tmp_path / "mine.yaml"
    out.write_text("my own scenario\n", encoding="utf-8")
    refused(["fit", str(data), "--out", str(out)], "--out", "mine.yaml exists", "--force")
    assert out.read_text(encoding="utf-8") == "my own scenario\n"
    before = data.read_bytes()
    refused(["fit", str(data), "--out", str(data), "--force"], "--out", "calls.csv being read")
    link = tmp_path / "link.yaml"
    link.symlink_to(data)
    os.link(data, tmp_path / "hard.yaml")
    refused(["fit", str(data), "--out", str(link), "--force"], "being read")
    refused(["fit", str(data), "--out", str(tmp_path / "hard.yaml"), "--force"], "being read")
    assert data.read_bytes() == before
    done = runner.invoke(app, ["fit", str(data), "--out", str(out), "--force"])
    assert done.exit_code == 0, done.stderr
    assert out.read_text(encoding="utf-8").startswith("# Fitted by `chansim fit`")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_failed_write_leaves_the_earlier_file_whole(tmp_path, monkeypatch):
    from chansim.studies.fit import scenario_out

    out = tmp_path / "fitted.yaml"
    out.write_text("earlier\n", encoding="utf-8")

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(scenario_out.os, "replace", full_disk)
    with pytest.raises(Exception) as exc:
        scenario_out.write_scenario_out(out, "new text\n", force=True)
    assert "the disk is full" in str(exc.value) and "--out" in str(exc.value)
    assert out.read_text(encoding="utf-8") == "earlier\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fitted.yaml"]


def test_report_folders_replace_only_what_chansim_wrote(tmp_path):
    data = contacts(tmp_path / "calls.csv")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("my notes\n", encoding="utf-8")
    before = listing(mine)
    refused(["fit", str(data), "--out", str(tmp_path / "a.yaml"), "--report", str(mine)],
            "--report", "refusing to overwrite")
    assert listing(mine) == before and not (tmp_path / "a.yaml").exists()
    refused(["fit", str(data), "--out", str(tmp_path / "a.yaml"), "--report", str(data)],
            "--report", "exists and is not a folder")
    report = tmp_path / "report"
    for _ in range(2):  # the second run replaces the first run's folder
        done = runner.invoke(app, ["fit", str(data), "--out", str(tmp_path / "a.yaml"), "--force",
                                   "--report", str(report)])
        assert done.exit_code == 0, done.stderr
    assert (report / "parameters.csv").is_file() and (report / ".chansim-result.json").is_file()
    (report / "mine.txt").write_text("added\n", encoding="utf-8")
    refused(["fit", str(data), "--out", str(tmp_path / "a.yaml"), "--force", "--report", str(report)],
            "mine.txt, which chansim did not write")
    assert (report / "mine.txt").read_text(encoding="utf-8") == "added\n"


def test_backtest_report_refuses_a_users_folder_and_a_file(tmp_path):
    data = contacts(tmp_path / "calls.csv")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "a.csv").write_text("x\n", encoding="utf-8")
    args = ["backtest", str(SHIFTS), str(data), "--replications", "2", "--quiet"]
    refused([*args, "--report", str(mine)], "--report", "refusing to overwrite")
    assert listing(mine) == {"a.csv": b"x\n"}
    refused([*args, "--report", str(data)], "--report", "exists and is not a folder")


# ------------------------------------------------------------------ memory
def test_dev_zero_and_binary_files_are_refused_without_reading_them(tmp_path):
    refused(["fit", "/dev/zero", "--out", str(tmp_path / "a.yaml")], "/dev/zero", "not a regular file")
    refused(["fit", "/dev/zero", "--call-log", "--out", str(tmp_path / "a.yaml")], "not a regular file")
    binary = tmp_path / "calls.csv"
    binary.write_bytes(b"contact_id,channel\n\0\0\0\1\2")
    refused(["fit", str(binary), "--out", str(tmp_path / "a.yaml")], "calls.csv", "not a text (CSV) file")


def test_the_bootstrap_draws_in_blocks_what_it_drew_at_once(monkeypatch):
    x = np.random.default_rng(4).lognormal(5, 0.7, 3_001)
    rng = np.random.default_rng(9)
    samples = x[rng.integers(0, x.size, size=(durations._BOOTSTRAP, x.size))]
    logs = np.log(samples)
    means = np.exp(logs.mean(axis=1) + logs.var(axis=1) / 2)
    expected = (float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975)))
    monkeypatch.setattr(durations, "_BOOTSTRAP_CELLS", 7 * x.size)  # blocks of 7 resamples
    assert durations._bootstrap(x, "lognormal", 9)[0] == expected


@pytest.mark.slow
def test_a_million_row_export_fits_in_under_a_gigabyte(tmp_path):
    script = tmp_path / "make.py"
    script.write_text(
        "import sys, numpy as np\n"
        "n, rng = 1_000_000, np.random.default_rng(1)\n"
        "t0 = np.datetime64('2026-03-02T00:00:00')\n"
        "arr = np.sort(rng.integers(0, 28 * 86400, n))\n"
        "ans = arr + rng.exponential(30, n).astype(int)\n"
        "end = ans + rng.lognormal(5.5, 0.6, n).astype(int) + 1\n"
        "iso = lambda s: np.char.replace((t0 + s.astype('timedelta64[s]')).astype(str), 'T', ' ')\n"
        "a, b, e = iso(arr), iso(ans), iso(end)\n"
        "b[rng.random(n) < 0.1] = ''\n"
        "ch = np.where(rng.random(n) < 0.7, 'voice', 'webchat')\n"
        "with open(sys.argv[1], 'w') as f:\n"
        "    f.write('contact_id,channel,arrival,answer,end\\n')\n"
        "    f.writelines(f'{i},{c},{x},{y},{z}\\n' for i, c, x, y, z in zip(range(n), ch, a, b, e))\n",
        encoding="utf-8")
    data = tmp_path / "big.csv"
    subprocess.run([sys.executable, str(script), str(data)], check=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run([sys.executable, "-m", "chansim", "fit", str(data), "--out", str(tmp_path / "big.yaml"),
                           "--format", "json"], capture_output=True, text=True)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert done.returncode == 0, done.stderr
    assert peak_kb >= before and peak_kb < 1_000_000, f"peak RSS {peak_kb / 1024:.0f} MB"


# ------------------------------------------------------------------ bad data, named by file, row and column
BAD = {
    "header_only": (HEADER, "no records: the file holds a header row only"),
    "year_1600": (HEADER + "1,voice,1600-01-01 10:00:00,,\n", "row 1, column arrival: timestamp '1600-01-01"),
    "year_2262": (HEADER + "1,voice,2262-06-01 10:00:00,,\n", "row 1, column arrival: timestamp '2262-06-01"),
    "mixed_formats": (HEADER + "1,voice,2026-03-02 10:05,,\n2,voice,3/2/2026 11:05,,\n",
                      "row 2, column arrival: mixed date formats"),
    "times_without_dates": (HEADER + "1,voice,10:05,,\n", "row 1, column arrival: '10:05' is a time of day"),
    "both_date_orders": (HEADER + "1,voice,13/2/2026 10:05,,\n2,voice,2/13/2026 11:05,,\n",
                         "row 2, column arrival: dates in both orders"),
    "offered_inf": ("interval_start,offered,agents_staffed\n2026-03-02 00:00,inf,3\n",
                    "row 1, column offered: not a finite number: 'inf'"),
    "offered_1e400": ("interval_start,offered,agents_staffed\n2026-03-02 00:00,5,3\n2026-03-02 00:30,1e400,3\n",
                      "row 2, column offered: not a finite number: '1e400'"),
    "agents_1e12": ("interval_start,offered,agents_staffed\n2026-03-02 00:00,5,1e12\n",
                    "row 1, column agents_staffed: '1e12' is more than the 100,000"),
    "off_grid": ("interval_start,offered,agents_staffed\n2026-03-02 00:00,5,3\n2026-03-02 00:30,5,3\n"
                 "2026-03-02 00:53,5,3\n2026-03-02 01:00,5,3\n2026-03-02 01:30,5,3\n",
                 "row 3, column interval_start: voice interval 2026-03-02 00:53:00 is not on the 30-minute grid"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_data_is_one_message_naming_file_row_and_column(tmp_path, case):
    text, fragment = BAD[case]
    data = tmp_path / f"{case}.csv"
    data.write_text(text, encoding="utf-8")
    result = refused(["fit", str(data), "--out", str(tmp_path / "a.yaml")], f"{case}.csv", fragment)
    assert result.stderr.count("error:") == 1
    assert not (tmp_path / "a.yaml").exists()


def test_a_map_to_a_missing_column_lists_the_files_columns(tmp_path):
    data = contacts(tmp_path / "calls.csv", rows=40)
    refused(["fit", str(data), "--map", "arrival=CreatedAt", "--out", str(tmp_path / "a.yaml")],
            "lacks arrival (mapped to 'CreatedAt', not in the file); the file has: contact_id, channel, arrival")


def test_us_dates_with_minutes_are_read_month_first(tmp_path):
    data = contacts(tmp_path / "us.csv", rows=3000, fmt="%m/%d/%Y %I:%M %p")
    out = tmp_path / "us.yaml"
    done = runner.invoke(app, ["fit", str(data), "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert 'start_date: "2026-03-02"' in out.read_text(encoding="utf-8")  # March 2nd, not February 3rd


def test_repeated_contact_ids_are_counted_and_left_out(tmp_path):
    data = contacts(tmp_path / "calls.csv", rows=300)
    lines = data.read_text(encoding="utf-8").splitlines(keepends=True)
    data.write_text("".join(lines + lines[1:4]), encoding="utf-8")
    done = runner.invoke(app, ["fit", str(data), "--out", str(tmp_path / "a.yaml"), "--format", "json"])
    assert done.exit_code == 0, done.stderr
    assert "calls.csv: 3 rows: contact id already on an earlier row: left out" in done.stdout


def test_backtest_puts_the_datas_staffing_in_place_of_the_pools_shifts(tmp_path):
    rows = ["interval_start,channel,offered,handled,abandoned,aht_s,asa_s,service_level,agents_staffed"]
    for i in range(48):
        busy = 14 <= i < 42
        rows.append(f"{dt.datetime(2026, 1, 5) + dt.timedelta(minutes=30 * i):%Y-%m-%d %H:%M},voice,"
                    f"{40 * busy},{38 * busy},{2 * busy},240,20,0.8,{12 * busy}")
    data = tmp_path / "intervals.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    done = runner.invoke(app, ["backtest", str(SHIFTS), str(data), "--replications", "2", "--quiet",
                               "--format", "json"])
    assert done.exit_code == 0, done.output
    assert '"staffing": "interval report"' in done.stdout


def test_one_row_dated_decades_away_is_refused_naming_it_unless_a_period_is_chosen(tmp_path):
    # a week of 2026 contact records with one row typed as 1990: the fitted period would be 36 years
    lines = (EXPORTS / "contact-records.csv").read_text(encoding="utf-8").splitlines()
    lines[6] = lines[6].replace("2026-03-02", "1990-03-02")
    data = tmp_path / "records.csv"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    refused = subprocess.run([sys.executable, "-m", "chansim", "fit", str(data), "--out", str(tmp_path / "a.yaml")],
                             capture_output=True, text=True)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "records.csv" in refused.stderr and "1990-03-02" in refused.stderr and "--train" in refused.stderr
    assert not (tmp_path / "a.yaml").exists()
    chosen = subprocess.run([sys.executable, "-m", "chansim", "fit", str(data), "--out", str(tmp_path / "b.yaml"),
                             "--train", "2026-03-02..2026-03-08"], capture_output=True, text=True)
    assert chosen.returncode == 0, chosen.stderr
    import yaml

    fitted = yaml.safe_load((tmp_path / "b.yaml").read_text(encoding="utf-8"))
    assert fitted["demand"]["contacts_per_day"] > 100  # the week's volume, not spread over decades
