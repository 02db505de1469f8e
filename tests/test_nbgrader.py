"""The instructor workflow with the real nbgrader, over every chapter in `chapters/`.

* the student release is generated for every chapter (solutions stubbed, hidden tests
  removed, solution cells expanded);
* the instructor notebooks pass `nbgrader validate`; the student notebooks fail every
  graded cell (`nbgrader validate --invert`);
* through nbgrader's exchange (release_assignment, fetch_assignment, submit, collect) and
  `nbgrader autograde` in a temporary course directory, a submission whose solution cells
  hold the instructor's code scores full marks and the untouched student notebook scores
  zero on every graded cell (scores read from the gradebook).

Notebooks run in fast mode (MMBM_FAST=1); each chapter executes four times here
(validate, validate --invert, one autograde per submission kind).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import nbgrader_course as course  # noqa: E402

# MMBM_CHAPTERS_DIR points the tests at a draft folder of chapters (default: chapters/).
CHAPTERS_DIR = Path(os.environ.get("MMBM_CHAPTERS_DIR", course.CHAPTERS))
CHAPTERS = course.find_chapters(CHAPTERS_DIR)
IDS = [p.stem for p in CHAPTERS]
FAST = {**os.environ, "MMBM_FAST": "1", "TF_CPP_MIN_LOG_LEVEL": "2", "MPLBACKEND": "Agg"}
SOLVED, BLANK = "student_solved", "student_blank"  # fake student ids


def graded_cells(nb) -> dict[str, float]:
    """grade_id -> points of every graded cell."""
    return {
        c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points", 0)
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade")
    }


def solution_cells(nb) -> dict[str, str]:
    """grade_id -> source of every solution cell."""
    return {
        c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")
    }


def region(source: str, begin: str, end: str) -> str:
    """The lines strictly between the ``### BEGIN ...`` and ``### END ...`` markers."""
    lines = source.splitlines()
    starts = [i for i, line in enumerate(lines) if begin in line]
    stops = [i for i, line in enumerate(lines) if end in line]
    return "\n".join(line for a, b in zip(starts, stops, strict=False) for line in lines[a + 1 : b])


def staged(run, chapter: Path):
    """The copy of the chapter the release was generated from (the chapter may change meanwhile)."""
    return nbformat.read(run.course_dir / "source" / chapter.stem / chapter.name, as_version=4)


def test_there_are_chapters():
    assert CHAPTERS, f"no chapter notebooks (NN_name.ipynb) in {CHAPTERS_DIR}"


@pytest.fixture(scope="module")
def course_run(tmp_path_factory):
    """The documented release command, run once into a temporary course and release folder."""
    if not CHAPTERS:
        pytest.fail(f"no chapter notebooks in {CHAPTERS_DIR}")
    base = tmp_path_factory.mktemp("nbgrader")
    run = SimpleNamespace(
        base=base, course_dir=base / "course", out=base / "release", exchange=base / "exchange", graded={}
    )
    run.exchange.mkdir()
    cmd = [sys.executable, str(ROOT / "scripts" / "nbgrader_course.py"), "release"]
    cmd += ["--chapters-dir", str(CHAPTERS_DIR), "--course-dir", str(run.course_dir), "--out", str(run.out)]
    proc = subprocess.run(cmd, cwd=ROOT, env=FAST, capture_output=True, text=True)
    assert proc.returncode == 0, f"release failed:\n{proc.stdout}\n{proc.stderr}"
    return run


def test_release_has_every_chapter(course_run):
    released = sorted(p.parent.name for p in course_run.out.glob("*/*.ipynb"))
    assert released == IDS, f"release/ holds {released}, expected one folder per chapter {IDS}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_release_hides_solutions_and_hidden_tests(course_run, chapter):
    teacher = staged(course_run, chapter)
    student_path = course_run.out / chapter.stem / chapter.name
    student = nbformat.read(student_path, as_version=4)
    assert graded_cells(student) == graded_cells(teacher), "the release must keep every graded cell and its points"
    assert graded_cells(student), f"{chapter.name} has no graded cell"
    teacher_solutions = solution_cells(teacher)
    for cell in student.cells:
        meta = cell.metadata.get("nbgrader", {})
        assert not any(m in cell.source for m in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS")), cell.source
        if cell.cell_type == "code":
            assert not cell.outputs, f"outputs left in the release: {cell.source[:80]!r}"
        if meta.get("solution"):
            gid = meta["grade_id"]
            assert "raise NotImplementedError()" in cell.source, f"{gid}: no stub in the student notebook"
            answer = region(teacher_solutions[gid], "BEGIN SOLUTION", "END SOLUTION").strip()
            assert not answer or answer not in cell.source, f"{gid}: the solution leaked into the release"
            assert not cell.metadata.get("jupyter", {}).get("source_hidden"), f"{gid}: the stub is still collapsed"
    for cell in teacher.cells:
        hidden = region(cell.source, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS").strip()
        if hidden:
            assert all(hidden not in c.source for c in student.cells), "a hidden test leaked into the release"


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_instructor_notebook_validates(chapter):
    result = course.validate(chapter, env=FAST)
    assert result.ok, f"nbgrader validate {chapter.name} failed:\n{result.report[-4000:]}"


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_student_notebook_fails_its_tests(course_run, chapter):
    student = course_run.out / chapter.stem / chapter.name
    result = course.validate(student, invert=True, env=FAST)
    assert result.ok, f"a graded cell passes in the student release of {chapter.name}:\n{result.report[-4000:]}"


def solve(notebook: Path, teacher) -> None:
    """Fill a fetched student notebook's solution cells with the instructor's code (markers removed)."""
    answers = solution_cells(teacher)
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            lines = answers[meta["grade_id"]].splitlines()
            cell.source = "\n".join(line for line in lines if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)
    nbformat.write(nb, notebook)


def autograded(run, chapter: Path) -> dict:
    """Release -> fetch -> submit (two fake students) -> collect -> autograde; return the gradebook scores.

    The commands are nbgrader's own, run in two batches (one Python process each) to save
    start-up time: the solved student edits the fetched notebook between the batches.
    """
    if chapter.stem in run.graded:
        return run.graded[chapter.stem]
    assignment = chapter.stem
    exchange = f"--Exchange.root={run.exchange}"
    root = f"--CourseDirectory.root={run.course_dir}"
    homes = {student: run.base / "students" / student for student in (SOLVED, BLANK)}
    for home in homes.values():
        home.mkdir(parents=True, exist_ok=True)
    first = [(["release_assignment", assignment, exchange, "--force", root], ROOT)]
    first += [(["fetch_assignment", assignment, "--course=mmbm", exchange], home) for home in homes.values()]
    course.nbgrader_batch(first, env=FAST)
    solve(homes[SOLVED] / assignment / chapter.name, staged(run, chapter))
    second = [
        (["submit", assignment, "--course=mmbm", f"--student={student}", exchange], home)
        for student, home in homes.items()
    ]
    second += [
        (["collect", assignment, exchange, "--CollectApp.check_owner=False", root], ROOT),
        (["autograde", assignment, root], ROOT),
    ]
    course.nbgrader_batch(second, env=FAST)
    run.graded[assignment] = course.scores(assignment, run.course_dir)
    return run.graded[assignment]


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_solved_submission_gets_full_marks(course_run, chapter):
    points = graded_cells(staged(course_run, chapter))
    row = autograded(course_run, chapter)[SOLVED]
    lost = {gid: f"{s:g}/{m:g}" for gid, (s, m) in row["cells"].items() if s != m}
    assert not lost, f"the instructor's solutions lose points in {lost}"
    assert row["max_score"] == pytest.approx(sum(points.values())) and row["score"] == row["max_score"]
    assert set(row["cells"]) == set(points)


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_untouched_submission_gets_zero(course_run, chapter):
    row = autograded(course_run, chapter)[BLANK]
    scored = {gid: f"{s:g}/{m:g}" for gid, (s, m) in row["cells"].items() if s != 0}
    assert not scored, f"the untouched student notebook scores points in {scored}"
    assert row["score"] == 0 and row["max_score"] > 0
