"""Set up the project's virtual environment and run its main jobs; needs only Python 3.11.

    python3.11 tasks.py demo    # install, then chat with the bot in this terminal
    python3.11 tasks.py test    # install, then run every check and the whole test suite
    python3.11 tasks.py i18n    # bring the translation catalogs up to date with the code

Extra arguments after the task go to the underlying tool (pytest, volunteer-bot demo).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def _need_python_311() -> None:
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"Python 3.11 is needed (this is {sys.version.split()[0]}); run: python3.11 tasks.py ...")


def _run(*command: str | Path) -> None:
    result = subprocess.run([str(part) for part in command], cwd=ROOT, check=False)
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_env(extra: str) -> None:
    """Create .venv and install the project (editable) when pyproject.toml changed since the last install."""
    _need_python_311()
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extra.encode()).hexdigest()[:16]
    stamp = VENV / f".installed-{digest}"
    if stamp.exists():
        return
    if not (BIN / "python").exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("installing dependencies into .venv ...", flush=True)
    target = f".[{extra}]" if extra else "."
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", target)
    for old in VENV.glob(".installed-*"):
        old.unlink()
    stamp.touch()


def demo(args: list[str]) -> None:
    ensure_env("")
    _run(BIN / "volunteer-bot", "demo", *args)


def test(args: list[str]) -> None:
    ensure_env("test")
    python = BIN / "python"
    _run(python, "-m", "scripts.catalogs", "--check")
    _run(BIN / "ruff", "check", ".")
    _run(BIN / "ruff", "format", "--check", ".")
    _run(BIN / "mypy")
    _run(BIN / "lint-imports")
    _run(python, "-m", "pytest", *args)


def i18n(args: list[str]) -> None:
    ensure_env("test")
    _run(BIN / "python", "-m", "scripts.catalogs", *args)


TASKS = {"demo": demo, "test": test, "i18n": i18n}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        sys.exit(__doc__)
    TASKS[sys.argv[1]](sys.argv[2:])
