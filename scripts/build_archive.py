"""Build the replay archive (WARC) from the manifests in tests/fixtures/archive/*.toml (one per outlet or area).

Usage: python scripts/build_archive.py --out build/demo-archive
Each manifest lists recorded URLs with their fixture files; provenance is in each fixture folder's README.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from crawler.fetch.archive import write_warc  # noqa: E402

FIXTURES = REPO / "tests" / "fixtures"
MANIFESTS = FIXTURES / "archive"


def manifest_entries(manifests: Path = MANIFESTS) -> list[dict]:  # type: ignore[type-arg]
    files = sorted(manifests.glob("*.toml")) if manifests.is_dir() else [manifests]
    entries: list[dict] = []  # type: ignore[type-arg]
    for file in files:
        entries += tomllib.loads(file.read_text(encoding="utf-8")).get("response", [])
    return entries


def responses(manifests: Path = MANIFESTS):  # type: ignore[no-untyped-def]
    for entry in manifest_entries(manifests):
        body = (FIXTURES / entry["file"]).read_bytes()
        headers = [("Content-Type", entry.get("content_type", "text/html; charset=utf-8"))]
        headers += [(name, value) for name, value in entry.get("headers", {}).items()]
        url = entry["url"] if entry.get("method", "GET") == "GET" else f"POST {entry['url']}"
        yield url, int(entry.get("status", 200)), headers, body


def build(out_dir: Path, manifest: Path = MANIFESTS) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "recorded-outlets.warc.gz"
    count = write_warc(target, responses(manifest))
    print(f"wrote {count} recorded responses to {target}")
    return target


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO / "build" / "demo-archive")
    parser.add_argument("--manifest", type=Path, default=MANIFESTS, help="a manifest file or a folder of them")
    arguments = parser.parse_args()
    build(arguments.out, arguments.manifest)
