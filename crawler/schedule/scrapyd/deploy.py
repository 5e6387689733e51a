"""Deploy the Scrapyd project to nodes: build its egg and upload it with addversion.json.

The egg is a pointer, not a copy of the code: its `scrapy` entry point names a one-line module that imports
crawler.schedule.scrapyd.project.settings from the coverwatch package installed on the node (the same image as the
dispatcher). Why not ship the code in the egg, the usual Scrapyd way:
- Scrapyd imports eggs as zip files, and coverwatch reads files next to its modules (the topic profile in
  crawler/relevance/data, the Alembic migrations in storage/migrations), which a zip import cannot open;
- the nodes need coverwatch's dependencies installed anyway (trafilatura, pdfminer, psycopg...), so code and
  dependencies arrive together, pinned, in one image, and a node never runs code newer than the schema the
  dispatcher migrated.
So a deploy registers the project on a node and checks that the node's installation can load it: Scrapyd
runs `scrapy list` on upload and reports the spider count (one per outlet), or the node's error.
"""

from __future__ import annotations

import io
import time
import zipfile
from dataclasses import dataclass
from importlib import metadata

from crawler.schedule.scrapyd.client import PROJECT, NodeUnreachable, ScrapydClient, ScrapydError, parse_node

# The pointer module's name: a top-level name of its own, so the egg on sys.path shadows nothing installed.
ENTRY_MODULE = "coverwatch_scrapyd_entry"
SETTINGS_MODULE = "crawler.schedule.scrapyd.project.settings"
# Fixed zip timestamps: the same version gives the same egg bytes.
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class DeployResult:
    node: str
    ok: bool
    spiders: int = 0
    error: str = ""


def installed_version() -> str:
    try:
        return metadata.version("coverwatch")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def default_version() -> str:
    """Seconds since the epoch: PEP 440 valid, so Scrapyd's newest-version rule picks the latest deploy."""
    return str(int(time.time()))


def build_egg(version: str, code_version: str | None = None) -> bytes:
    """The project egg (a zip): EGG-INFO with the `scrapy: settings` entry point, and the pointer module."""
    code_version = code_version or installed_version()
    entry = (
        '"""Scrapyd entry point of the coverwatch project (built by crawler.schedule.scrapyd.deploy).\n\n'
        "The code is the coverwatch package installed on the node; this egg only names its settings.\n"
        '"""\n\n'
        f"from {SETTINGS_MODULE} import *  # noqa: F401,F403\n\n"
        f"COVERWATCH_DEPLOYED_VERSION = {version!r}\n"
        f"COVERWATCH_BUILT_WITH = {code_version!r}  # coverwatch version on the deploying host\n"
    )
    files = {
        "EGG-INFO/PKG-INFO": f"Metadata-Version: 1.0\nName: {PROJECT}\nVersion: {version}\nSummary: coverwatch Scrapyd project\n",
        "EGG-INFO/entry_points.txt": f"[scrapy]\nsettings = {ENTRY_MODULE}\n",
        "EGG-INFO/top_level.txt": f"{ENTRY_MODULE}\n",
        "EGG-INFO/zip-safe": "\n",
        f"{ENTRY_MODULE}.py": entry,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


def deploy(node_specs: list[str], *, project: str = PROJECT, version: str | None = None, timeout_s: float = 180.0) -> list[DeployResult]:
    """Upload the egg to every node; one result per node (a node's failure does not stop the others)."""
    version = version or default_version()
    egg = build_egg(version)
    results = []
    for spec in node_specs:
        node = parse_node(spec)
        client = ScrapydClient(node, timeout_s)
        try:
            answer = client.addversion(version, egg, project=project)  # the node runs `scrapy list` on it
            results.append(DeployResult(node.name, True, int(answer.get("spiders", 0))))
        except (NodeUnreachable, ScrapydError) as error:
            results.append(DeployResult(node.name, False, error=str(error)))
    return results
