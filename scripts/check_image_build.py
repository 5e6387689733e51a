"""Rehearse the Dockerfile's install steps in a fresh virtualenv, without Docker: prove the image builds from the lock.

A fresh `python -m venv` of Python 3.11 carries what python:3.11-slim carries (pip, setuptools 65.5, no wheel),
so a lock missing the build pins fails here the way the image build would. Downloads the lock's packages from the
registry (pip's cache makes reruns quick). Usage: `.venv/bin/python scripts/check_image_build.py`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUILD_CONTEXT = ("requirements.lock", "pyproject.toml", "README.md", "scheduler.py", "crawler", "spiders", "storage")


def step(label: str, command: list[str], cwd: Path) -> float:
    started = time.monotonic()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    took = time.monotonic() - started
    if result.returncode != 0:
        print(f"FAILED {label} ({took:.1f} s): {' '.join(command)}\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
        raise SystemExit(1)
    print(f"ok     {label} ({took:.1f} s)")
    return took


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="coverwatch-image-") as scratch:
        root = Path(scratch)
        context = root / "app"
        context.mkdir()
        for name in BUILD_CONTEXT:
            source = REPO / name
            if source.is_dir():
                shutil.copytree(source, context / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, context / name)
        python = root / "venv" / "bin" / "python"
        pip = [str(python), "-m", "pip", "--disable-pip-version-check"]
        step("fresh venv (as the base image)", [sys.executable, "-m", "venv", str(root / "venv")], root)
        step("pip install --no-deps -r requirements.lock", [*pip, "install", "--no-deps", "-r", "requirements.lock"], context)
        step("pip check", [*pip, "check"], context)
        step("build the project without isolation", [*pip, "install", "--no-deps", "--no-build-isolation", "--check-build-dependencies", "."], context)
        step("import check", [str(python), "-c", "import scheduler, crawler.cli, crawler.notify.channel, apprise"], root)
        versions = subprocess.run([*pip, "list", "--format=freeze"], capture_output=True, text=True, check=True).stdout.split()
        print("built with", ", ".join(line for line in versions if line.lower().startswith(("setuptools==", "wheel==", "coverwatch=="))))


if __name__ == "__main__":
    main()
