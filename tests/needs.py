"""What the browser and accessibility tests need from the machine: Debian's Chromium, the npm
test assets (`make test-assets`), Java for the Nu HTML checker. Missing → the test is skipped,
except under ``CSTI_REQUIRE_BROWSER=1`` (CI), where it fails."""
import json
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
CHROMIUM = os.environ.get("CSTI_CHROMIUM", "/usr/bin/chromium")
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"


def required() -> bool:
    return os.environ.get("CSTI_REQUIRE_BROWSER") == "1"


def missing(reason: str):
    """Skip (or fail, in CI) the current test because ``reason``."""
    if required():
        pytest.fail(f"{reason} — CSTI_REQUIRE_BROWSER=1, so this is a failure", pytrace=False)
    pytest.skip(reason)


def need_node_package(name: str) -> Path:
    folder = NODE_MODULES / name
    if not (folder / "package.json").is_file():
        missing(f"node_modules/{name} is not installed: run `make test-assets`")
    return folder


def installed_version(name: str) -> str:
    return json.loads((need_node_package(name) / "package.json").read_text())["version"]


def need_chromium() -> str:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        missing(f"{CHROMIUM} is missing: apt-get install chromium")
    return CHROMIUM


def need_java() -> str:
    java = shutil.which("java")
    if java is None:
        missing("java is missing (the Nu HTML checker needs it): apt-get install default-jre-headless")
    return java
