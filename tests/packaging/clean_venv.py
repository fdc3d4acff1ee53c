"""Build every wheel of the workspace and install them into a clean virtualenv, as a user would.

The virtualenv lives outside the workspace and sees nothing of it: only the wheels built here
and what their metadata declares. Our own distributions are pinned to the local wheels through a
constraints file (constraints never add a package, so a dependency the ``tokenwire`` wheel does
not declare stays missing); third-party packages come from the package index (or uv's cache).
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from tests.peers import peers_required

ROOT = pathlib.Path(__file__).resolve().parents[2]

#: The distributions the workspace ships, by wheel name prefix.
DISTRIBUTIONS = ("tokenwire", "tokenwire_core", "tokenwire_adapters", "tokenwire_conformance")


def uv_executable() -> str:
    """The ``uv`` running this session (``uv run`` sets ``UV``), else the one on ``PATH``."""
    found = os.environ.get("UV") or shutil.which("uv")
    if found is None:
        message = "uv not found (python3 -m pip install uv)"
        if peers_required():
            pytest.fail(f"TOKENWIRE_REQUIRE_PEERS=1: {message}")
        pytest.skip(message)
    return found


def clean_env() -> dict[str, str]:
    """This process's environment without anything that points into the workspace."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "UV_PROJECT_ENVIRONMENT"}
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def build_wheels(out: pathlib.Path) -> dict[str, pathlib.Path]:
    """Build every workspace member's wheel into ``out``; ``{wheel name prefix: path}``."""
    subprocess.run(
        [uv_executable(), "build", "--all-packages", "--wheel", "--quiet", "-o", str(out)],
        cwd=ROOT,
        check=True,
        env=clean_env(),
        timeout=120,
    )
    wheels = {path.name.split("-")[0]: path for path in out.glob("*.whl")}
    assert sorted(wheels) == sorted(DISTRIBUTIONS)
    return wheels


def make_venv(where: pathlib.Path) -> pathlib.Path:
    """A fresh virtualenv at ``where`` (no system site-packages); returns its python."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(where)],
        check=True,
        env=clean_env(),
        timeout=120,
    )
    return where / "bin" / "python"


def install(python: pathlib.Path, wheels: dict[str, pathlib.Path], requirement: str) -> None:
    """Install ``requirement`` (e.g. ``tokenwire[httpcore]``) from the built wheels."""
    name = requirement.partition("[")[0]
    constraints = python.parent.parent / "local-wheels.txt"
    constraints.write_text(
        "".join(
            f"{prefix.replace('_', '-')} @ {path.as_uri()}\n" for prefix, path in wheels.items()
        )
    )
    wanted = f"{requirement} @ {wheels[name.replace('-', '_')].as_uri()}"
    subprocess.run(
        [
            *(uv_executable(), "pip", "install", "--quiet", "--python", str(python)),
            *("--constraint", str(constraints), wanted),
        ],
        check=True,
        env=clean_env(),
        timeout=180,
    )
