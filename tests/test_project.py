"""The README's two commands exist, CI runs the README's test command, chapters are well formed."""

import json
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands():
    start = ROOT.joinpath("README.md").read_text().split("## Start", 1)[1]
    block = re.search(r"```bash\n(.*?)```", start, re.S).group(1)
    return [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]


def test_readme_has_exactly_two_setup_commands_and_make_knows_them():
    commands = _readme_commands()
    assert commands == ["make lab", "make test"]
    for command in commands:
        dry = subprocess.run(["make", "-n", command.split()[1]], cwd=ROOT, capture_output=True, text=True)
        assert dry.returncode == 0, dry.stderr


def test_ci_runs_the_readme_test_command():
    ci = ROOT.joinpath(".ci", "run").read_text()
    assert re.search(r"^make test$", ci, re.M)
    assert "ensure_chromium" in ci


def test_make_test_installs_before_testing():
    dry = subprocess.run(["make", "-n", "-B", "test"], cwd=ROOT, capture_output=True, text=True).stdout
    assert dry.index("pip install -e") < dry.index("pytest")


def test_chapters_are_numbered_contiguously_and_executed():
    chapters = sorted(ROOT.joinpath("chapters").glob("[0-9][0-9]_*.ipynb"))
    numbers = [int(p.name[:2]) for p in chapters]
    assert numbers == list(range(len(numbers))), numbers
    for path in chapters:
        nb = json.loads(path.read_text())
        code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
        assert all(c.get("execution_count") for c in code), f"{path.name} has unexecuted cells"
        errors = [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, f"{path.name} was committed with error outputs"
        figures = sum("image/png" in o.get("data", {}) for c in code for o in c.get("outputs", []))
        assert figures > 0, f"{path.name} has no figure in its committed outputs"
        text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown").lower()
        for section in ("what you will learn", "summary", "exercises", "further reading"):
            assert section in text, f"{path.name} lacks a '{section}' section"
