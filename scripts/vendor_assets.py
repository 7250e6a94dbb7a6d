"""Refresh the vendored browser libraries from npm, at pinned versions, with their checksums.

    .venv/bin/python scripts/vendor_assets.py           # download the pinned versions again
    .venv/bin/python scripts/vendor_assets.py --check   # verify the files against the manifest

Each library lands in maillage/web/static/vendor/<name>-<version>/ with its licence, and
maillage/web/static/vendor/manifest.json records, per file, its size and sha256, and the npm
tarball's integrity. No node build step is involved: the files are used as published.
To upgrade, change a version below, run the script, and review the diff of the manifest.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = ROOT / "maillage/web/static/vendor"
MANIFEST = VENDOR_DIR / "manifest.json"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    licence: str
    files: tuple[str, ...]  # paths inside the npm tarball's package/ folder

    @property
    def folder(self) -> Path:
        return VENDOR_DIR / f"{self.name}-{self.version}"


PACKAGES = (
    Package(
        name="maplibre-gl",
        version="6.17.0",
        licence="BSD-3-Clause",
        # 6.x ships ES modules only; the worker is loaded by the main module (see map.js).
        files=(
            "dist/maplibre-gl.mjs",
            "dist/maplibre-gl-worker.mjs",
            "dist/maplibre-gl.css",
            "LICENSE.txt",
        ),
    ),
    Package(
        name="altcha",
        version="3.2.2",
        licence="MIT",
        # The proof-of-work widget of the public forms (the server side is PyPI's altcha).
        files=("dist/main/altcha.min.js", "LICENSE.txt"),
    ),
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch(package: Package, workdir: Path) -> dict:
    """Download the package tarball with npm and copy the pinned files into the vendor folder."""
    result = subprocess.run(
        ["npm", "pack", f"{package.name}@{package.version}", "--json", "--silent"],
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    )
    info = json.loads(result.stdout)[0]
    with tarfile.open(workdir / info["filename"]) as archive:
        archive.extractall(workdir, filter="data")
    if package.folder.exists():
        shutil.rmtree(package.folder)
    package.folder.mkdir(parents=True)
    files = {}
    for inner in package.files:
        source = workdir / "package" / inner
        target = package.folder / Path(inner).name
        shutil.copyfile(source, target)
        files[target.name] = {"sha256": sha256(target), "bytes": target.stat().st_size}
    shutil.rmtree(workdir / "package")
    return {
        "version": package.version,
        "licence": package.licence,
        "npm_integrity": info["integrity"],
        "folder": package.folder.name,
        "files": files,
    }


def refresh() -> None:
    VENDOR_DIR.mkdir(parents=True, exist_ok=True)
    manifest = {
        "about": "Written by scripts/vendor_assets.py; do not edit by hand.",
        "packages": {},
    }
    with tempfile.TemporaryDirectory() as workdir:
        for package in PACKAGES:
            manifest["packages"][package.name] = fetch(package, Path(workdir))
            print(f"{package.name} {package.version} → {package.folder.relative_to(ROOT)}")
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def check() -> int:
    """0 when every vendored file matches the manifest and the pinned versions."""
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    problems = []
    for package in PACKAGES:
        entry = manifest["packages"].get(package.name)
        if entry is None or entry["version"] != package.version:
            problems.append(f"{package.name}: manifest is not at {package.version}")
            continue
        for name, expected in entry["files"].items():
            path = package.folder / name
            if not path.exists():
                problems.append(f"{path}: missing")
            elif sha256(path) != expected["sha256"]:
                problems.append(f"{path}: checksum differs from the manifest")
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print("Vendored files match the manifest.")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify instead of downloading")
    arguments = parser.parse_args()
    if arguments.check:
        return check()
    refresh()
    return check()


if __name__ == "__main__":
    sys.exit(main())
