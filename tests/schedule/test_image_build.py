"""Item 9 of issue 19: the image builds from the lock alone. The lock carries pyproject's exact [build-system] pins,
and the project builds without isolation from exactly those, the way the Dockerfile builds it (no Docker needed).

scripts/check_image_build.py does the full check in a fresh virtualenv (it downloads the lock from the registry).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[2]
# What the Dockerfile copies into the image before building the project.
BUILD_CONTEXT = ("pyproject.toml", "README.md", "scheduler.py", "crawler", "spiders", "storage")


def _lock() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements.lock").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def _build_requires() -> list[Requirement]:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return [Requirement(raw) for raw in pyproject["build-system"]["requires"]]


def test_the_lock_satisfies_the_build_system_requirements_exactly() -> None:
    lock = _lock()
    requires = _build_requires()
    assert {requirement.name for requirement in requires} == {"setuptools", "wheel"}
    for requirement in requires:
        assert [spec.operator for spec in requirement.specifier] == ["=="], f"{requirement} is not an exact pin"
        assert requirement.name in lock, f"requirements.lock lacks {requirement.name}, which the image build needs"
        assert lock[requirement.name] in requirement.specifier, f"lock has {requirement.name}=={lock[requirement.name]}, pyproject asks {requirement}"
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert "--no-build-isolation --check-build-dependencies ." in dockerfile


def test_the_project_builds_without_isolation_from_the_locked_setuptools_and_wheel(tmp_path: Path) -> None:
    lock = _lock()
    for name in ("setuptools", "wheel"):  # this venv was installed from the lock (`make` does that)
        assert metadata.version(name) == lock[name], f"{name} {metadata.version(name)} installed, lock pins {lock[name]}: run make install"
    context = tmp_path / "context"
    context.mkdir()
    for name in BUILD_CONTEXT:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, context / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, context / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--check-build-dependencies", "--no-index",
         "--disable-pip-version-check", "-w", str(tmp_path / "dist"), str(context)],
        capture_output=True, text=True, timeout=600,
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("coverwatch-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    # The package data the image needs at run time: migrations, templates, the topic profile, the new notify package.
    assert "storage/migrations/versions/0010_notify.py" in names and "crawler/notify/channel.py" in names
    assert any(name.startswith("crawler/relevance/data/") and name.endswith(".toml") for name in names)
    assert any(name.startswith("crawler/digest/templates/") for name in names)
