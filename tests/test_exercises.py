"""Static checks of every chapter's exercises against CONTRIBUTING.md's nbgrader pattern.

An exercise is three consecutive cells in the **Exercises** section:
a markdown task with a `<details><summary>Hint</summary> ... </details>` hint, a solution
cell (`### BEGIN SOLUTION` / `### END SOLUTION`, collapsed with `jupyter.source_hidden`)
and a graded test cell with points whose checks say what is wrong (`otherwise=...`).
Chapters 01-12 need at least three graded exercises, chapter 00 at least two.
Running the exercises (solutions pass, stubs fail) is tests/test_nbgrader.py's job.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
# MMBM_CHAPTERS_DIR points the tests at a draft folder of chapters (default: chapters/).
CHAPTERS_DIR = Path(os.environ.get("MMBM_CHAPTERS_DIR", ROOT / "chapters"))
CHAPTERS = sorted(CHAPTERS_DIR.glob("[0-9][0-9]_*.ipynb"))
IDS = [p.stem for p in CHAPTERS]

HINT = re.compile(r"<details>\s*<summary>\s*Hint\s*</summary>.*?</details>", re.S)
EXERCISES_HEADING = re.compile(r"^##\s+Exercises\b", re.M)
SOLUTION_META = {"grade": False, "locked": False, "schema_version": 3, "solution": True, "task": False}
TESTS_META = {"grade": True, "locked": True, "schema_version": 3, "solution": False, "task": False}


def minimum_exercises(chapter: Path) -> int:
    """Chapter 00 needs two graded exercises, every other chapter three."""
    return 2 if chapter.name.startswith("00_") else 3


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def load(chapter: Path):
    return nbformat.read(chapter, as_version=4)


def exercises(nb) -> list[tuple[int, object, object, object]]:
    """(index of the test cell, task cell, solution cell, test cell) for every graded cell."""
    found = []
    for i, cell in enumerate(nb.cells):
        if nbgrader_meta(cell).get("grade"):
            task = nb.cells[i - 2] if i >= 2 else None
            solution = nb.cells[i - 1] if i >= 1 else None
            found.append((i, task, solution, cell))
    return found


def test_there_are_chapters():
    assert CHAPTERS, f"no chapter notebooks (NN_name.ipynb) in {CHAPTERS_DIR}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_enough_exercises(chapter):
    cells = load(chapter).cells
    graded = sum(1 for c in cells if nbgrader_meta(c).get("grade") and (nbgrader_meta(c).get("points") or 0) > 0)
    need = minimum_exercises(chapter)
    assert graded >= need, f"{chapter.name} has {graded} graded exercise(s) with points; it needs at least {need}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_grade_ids_are_unique(chapter):
    ids = [nbgrader_meta(c).get("grade_id") for c in load(chapter).cells if nbgrader_meta(c)]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"{chapter.name}: grade_id used more than once: {duplicates}"
    assert None not in ids, f"{chapter.name}: an nbgrader cell has no grade_id"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_exercises_follow_the_pattern(chapter):
    nb = load(chapter)
    number = chapter.name[:2]
    problems = []
    heading = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and EXERCISES_HEADING.search(c.source)), None)
    if heading is None:
        problems.append("no '## Exercises' heading")
    for k, (i, task, solution, tests) in enumerate(exercises(nb), start=1):
        gid = nbgrader_meta(tests).get("grade_id", f"graded cell {i}")
        where = f"exercise {k} ({gid})"
        match = re.fullmatch(rf"ch{number}-ex(\d+)-tests", gid)
        if not match:
            problems.append(f"{where}: test grade_id should be 'ch{number}-exK-tests'")
        if heading is not None and i - 2 < heading:
            problems.append(f"{where}: sits before the '## Exercises' heading")
        # the task: markdown with a hint the learner opens on purpose
        if task is None or task.cell_type != "markdown":
            problems.append(f"{where}: two cells before the test cell should be the markdown task")
        elif not HINT.search(task.source):
            problems.append(f"{where}: the task has no <details><summary>Hint</summary> ... </details> hint")
        # the solution cell
        smeta = nbgrader_meta(solution) if solution is not None else {}
        if solution is None or solution.cell_type != "code" or not smeta.get("solution"):
            problems.append(f"{where}: the cell before the test cell should be its solution cell")
        else:
            wrong = {key: smeta.get(key) for key, value in SOLUTION_META.items() if smeta.get(key) != value}
            if wrong:
                problems.append(f"{where}: solution metadata {wrong}, expected {SOLUTION_META}")
            if match and smeta.get("grade_id") != f"ch{number}-ex{match.group(1)}-solution":
                problems.append(f"{where}: solution grade_id {smeta.get('grade_id')!r}, expected 'ch{number}-ex{match.group(1)}-solution'")
            if solution.metadata.get("jupyter", {}).get("source_hidden") is not True:
                problems.append(f"{where}: solution cell lacks \"jupyter\": {{\"source_hidden\": true}}")
            src = solution.source
            if not ("### BEGIN SOLUTION" in src and "### END SOLUTION" in src and src.index("### BEGIN SOLUTION") < src.index("### END SOLUTION")):
                problems.append(f"{where}: solution cell lacks '### BEGIN SOLUTION' ... '### END SOLUTION'")
        # the test cell
        tmeta = nbgrader_meta(tests)
        wrong = {key: tmeta.get(key) for key, value in TESTS_META.items() if tmeta.get(key) != value}
        if wrong:
            problems.append(f"{where}: test metadata {wrong}, expected {TESTS_META}")
        points = tmeta.get("points")
        if not isinstance(points, (int, float)) or isinstance(points, bool) or points <= 0:
            problems.append(f"{where}: test cell has points={points!r}, expected a positive number")
        if "BEGIN SOLUTION" in tests.source:
            problems.append(f"{where}: the test cell contains a solution region")
        if tests.source.count("### BEGIN HIDDEN TESTS") != tests.source.count("### END HIDDEN TESTS"):
            problems.append(f"{where}: unbalanced '### BEGIN/END HIDDEN TESTS' markers")
        visible = re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", tests.source, flags=re.S)
        if "check(" not in visible and "check_close(" not in visible:
            problems.append(f"{where}: the test cell has no visible check(...) the learner can read")
    solutions = [c for c in nb.cells if nbgrader_meta(c).get("solution")]
    paired = {id(solution) for _, _, solution, _ in exercises(nb)}
    for cell in solutions:
        if id(cell) not in paired:
            problems.append(f"solution cell {nbgrader_meta(cell).get('grade_id')} is not followed by a graded test cell")
    assert not problems, f"{chapter.name}:\n  " + "\n  ".join(problems)


def vague_checks(source: str) -> list[str]:
    """Checks in a test cell that would only say "failed": check(...) without otherwise=, bare assert."""
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        return [f"does not parse: {err}"]
    vague = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name == "check" and not any(k.arg == "otherwise" for k in node.keywords):
                vague.append(f"line {node.lineno}: check(...) without otherwise=")
        elif isinstance(node, ast.Assert) and node.msg is None:
            vague.append(f"line {node.lineno}: assert without a message")
    return vague


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_checks_say_what_is_wrong(chapter):
    problems = []
    for _, _, _, tests in exercises(load(chapter)):
        gid = nbgrader_meta(tests).get("grade_id")
        problems += [f"{gid}, {v}" for v in vague_checks(tests.source)]
    assert not problems, f"{chapter.name}: a failing check must say what is wrong:\n  " + "\n  ".join(problems)
