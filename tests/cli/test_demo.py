"""Issue 19 item 5: `make demo` exercises the whole pipeline and its digest shows what happened.

Runs the demo's own steps (read from the Makefile, so the two cannot drift apart) in a temporary folder: the
first pass over the recorded archive, the second pass with --recheck over the later recordings, the digest.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MAKEFILE = REPO / "Makefile"


def _recipe(target: str) -> list[str]:
    """The command lines of a Makefile target, in order."""
    lines = MAKEFILE.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(rf"^{re.escape(target)}:", line))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line[1:])
    return recipe


def _variables() -> dict[str, str]:
    found = re.findall(r"^([A-Z_]+) :?= (.+)$", MAKEFILE.read_text(encoding="utf-8"), re.MULTILINE)
    return dict(found)


def test_make_demo_shows_an_edit_a_take_down_a_refusal_and_a_wikipedia_change(tmp_path: Path) -> None:
    variables = _variables()
    substitutions = {
        "$(BIN)": str(Path(sys.executable).parent),
        "$(DEMO_ARCHIVE)": str(tmp_path / "archive"),
        "$(DEMO_LATER)": str(tmp_path / "archive-later"),
        "$$": "$",
    }
    assert "DEMO_LATER" in variables, "the Makefile has no second demo pass"
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "COVERWATCH_DB_URL": f"sqlite:///{tmp_path / 'demo.db'}"}
    for line in _recipe("archive") + _recipe("demo"):
        for name, value in substitutions.items():
            line = line.replace(name, value)
        if " digest" in line:
            line += f" --output-dir {shlex.quote(str(tmp_path / 'digests'))}"
        result = subprocess.run(["bash", "-c", line], cwd=REPO, env=env, capture_output=True, text=True, timeout=900, check=False)
        assert result.returncode == 0, f"{line}\n{result.stderr[-3000:]}"
    markdown = next((tmp_path / "digests").glob("digest-*.md")).read_text(encoding="utf-8")
    items = markdown.split("## Edits and take-downs")[0]
    # The alaalem article lost a paragraph between the passes: stored as an edit. Alkhanadeq's answered 404.
    assert re.search(r"(?m)^  Al-Aalem .*· edited since first seen", items)
    assert re.search(r"(?m)^  Al-Khanadeq .*· taken down", items)
    # Al Jazeera's Arabic page copies the Arabic Wikipedia article: folded into it as "Also in", not listed twice.
    assert re.search(r"(?m)^  Also in .*Al Jazeera Arabic", items)
    assert not re.search(r"(?m)^- .*aljazeera\.net", items)
    wikipedia = markdown.split("## Wikipedia changes")[1].split("## Near misses")[0]
    revisions = [line for line in wikipedia.splitlines() if line.startswith("- ") and "new related article" not in line]
    assert len(revisions) == 1 and "ar: +2 paragraphs, edited by ArEditorB" in revisions[0]  # first sight is a baseline
    health = markdown.split("## Coverage health")[1]
    assert "Reuters" in health and "blocked" in health  # the refused outlet is reported, not silently empty
    assert "INSS" in markdown or "inss" in markdown  # the PDF publication's outlet is in the digest
