"""A plain (non-editable) install carries the seeds: build the wheel and run it from elsewhere."""

import json
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import REPO


@pytest.mark.slow
def test_the_wheel_runs_on_its_bundled_seeds_from_any_directory(tmp_path):
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO)],
        capture_output=True, text=True,
    )
    if build.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {build.stderr.strip().splitlines()[-1:]}")
    (wheel,) = wheels.glob("gdexplorer-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
        names = zf.namelist()
    assert "gdexplorer/_seeds/articles/0001.txt" in names
    assert "gdexplorer/_seeds/annotations/people.yaml" in names
    assert "gdexplorer/_resources/icons/app.svg" in names
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PYTHONPATH": str(site), "GDEXPLORER_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    # -I would drop PYTHONPATH; -P keeps the current directory off sys.path so the checkout is not used.
    out = subprocess.run([sys.executable, "-P", "-m", "gdexplorer", "entity", "EHang", "--json"], cwd=elsewhere,
                         env=env, capture_output=True, text=True, check=True)
    data = json.loads(out.stdout)
    assert data["id"] == "ehang" and data["facts"]
    check = subprocess.run([sys.executable, "-P", "-m", "gdexplorer", "check"], cwd=elsewhere, env=env,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    index = subprocess.run([sys.executable, "-P", "-m", "gdexplorer", "index"], cwd=elsewhere, env=env,
                           capture_output=True, text=True, check=True)
    assert index.stdout.startswith("seeds: index "), index.stdout  # not the package folder's name, _seeds
