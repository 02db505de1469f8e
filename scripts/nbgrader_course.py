"""Student release and grading of the chapters' exercises with nbgrader.

    python scripts/nbgrader_course.py release            # every chapter -> release/NN_name/
    python scripts/nbgrader_course.py release 01 03      # only chapters whose name starts with these
    python scripts/nbgrader_course.py validate           # instructor notebooks pass their tests,
                                                         # student notebooks fail them
    python scripts/nbgrader_course.py scores 01          # points per student from the gradebook

Each chapter is one nbgrader assignment. `release` copies `chapters/NN_name.ipynb` to
`build/nbgrader/source/NN_name/NN_name.ipynb` (nbgrader's course layout), runs
`nbgrader generate_assignment` on it (solutions become `raise NotImplementedError()`,
hidden tests are removed, outputs cleared), expands the solution cells (the instructor
notebooks keep them collapsed with `jupyter.source_hidden`; the learner must see the stub)
and copies the student notebook to `release/NN_name/NN_name.ipynb`.

The course directory (`build/nbgrader/`) is the one `nbgrader_config.py` names, so every
other nbgrader command (release_assignment, collect, autograde, generate_feedback,
formgrader) run from the repository root works on it. See INSTRUCTORS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
COURSE_DIR = ROOT / "build" / "nbgrader"
RELEASE_DIR = ROOT / "release"
CHAPTER_GLOB = "[0-9][0-9]_*.ipynb"

SUCCESS = "Success! Your notebook passes all the tests."
SUCCESS_INVERTED = "Success! The notebook does not pass any tests."


def find_chapters(chapters_dir: Path = CHAPTERS, only: list[str] | tuple[str, ...] = ()) -> list[Path]:
    """The chapter notebooks (``NN_name.ipynb``), sorted; ``only`` keeps names starting with a prefix."""
    found = sorted(Path(chapters_dir).glob(CHAPTER_GLOB))
    if only:
        found = [p for p in found if any(p.stem.startswith(prefix) for prefix in only)]
    return found


def with_scripts_on_path(env: dict | None = None) -> dict:
    """A copy of ``env`` (default: this process's) with this Python's ``bin`` folder first on PATH.

    nbgrader runs the ``alembic`` command (gradebook migrations) by name, so it must be
    found even when the virtual environment is not activated (e.g. ``.venv/bin/python``).
    """
    env = dict(os.environ if env is None else env)
    scripts = str(Path(sys.executable).parent)
    if env.get("PATH", "").split(os.pathsep)[0] != scripts:
        env["PATH"] = os.pathsep.join([scripts, env.get("PATH", "")])
    return env


def nbgrader(*args: str, course_dir: Path | None = None, cwd: Path = ROOT, env: dict | None = None):
    """Run one ``nbgrader`` command (the real CLI, in this Python environment).

    It runs from ``cwd`` (the repository root by default, so ``nbgrader_config.py`` is read);
    ``course_dir`` overrides the configured course directory. Raises ``RuntimeError`` with
    nbgrader's output when the command fails, and returns the finished process otherwise.
    """
    cmd = [sys.executable, "-m", "nbgrader", *args]
    if course_dir is not None:
        cmd.append(f"--CourseDirectory.root={Path(course_dir).resolve()}")
    proc = subprocess.run(cmd, cwd=cwd, env=with_scripts_on_path(env), capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(
            f"`nbgrader {' '.join(args)}` failed with exit code {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


def nbgrader_batch(commands: list[tuple[list[str], Path]], env: dict | None = None) -> str:
    """Run several ``nbgrader`` commands, each ``(args, cwd)``, in one Python process; return their log.

    Each command goes through nbgrader's own application object exactly as the CLI does
    (initialize with the arguments, start, reset), which saves the few seconds every
    ``nbgrader`` process spends importing. Stops at the first failing command and raises
    ``RuntimeError`` with the log.
    """
    payload = json.dumps([{"args": list(args), "cwd": str(Path(cwd).resolve())} for args, cwd in commands])
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "_batch"],
        input=payload,
        cwd=ROOT,
        env=with_scripts_on_path(env),
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"an nbgrader command failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout + proc.stderr


def _run_batch() -> int:
    """Worker of :func:`nbgrader_batch`: read the commands as JSON on stdin and run them in turn."""
    from jupyter_core.application import NoStart
    from nbgrader.apps import NbGraderApp

    for command in json.loads(sys.stdin.read()):
        os.chdir(command["cwd"])
        print(f"$ nbgrader {' '.join(command['args'])}  (in {command['cwd']})", flush=True)
        app = NbGraderApp.instance()
        try:
            app.initialize(command["args"])
            app.start()
            code = 0
        except NoStart:  # raised by the top-level app once its subcommand has finished
            code = 0
        except SystemExit as exit_:
            code = exit_.code or 0
        finally:
            app.reset()
        if code:
            print(f"exit code {code}", flush=True)
            return int(code)
    return 0


def stage(chapter: Path, course_dir: Path = COURSE_DIR) -> str:
    """Copy a chapter into ``<course_dir>/source/<NN_name>/<NN_name>.ipynb``; return the assignment id."""
    assignment = chapter.stem
    target = Path(course_dir) / "source" / assignment
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(chapter, target / chapter.name)
    return assignment


def expand_solutions(nb) -> int:
    """Remove ``jupyter.source_hidden`` from solution cells so the learner sees the stub; return how many."""
    expanded = 0
    for cell in nb.cells:
        if not cell.metadata.get("nbgrader", {}).get("solution"):
            continue
        jupyter = cell.metadata.get("jupyter")
        if jupyter and "source_hidden" in jupyter:
            del jupyter["source_hidden"]
            if not jupyter:
                del cell.metadata["jupyter"]
            expanded += 1
    return expanded


def check_student_notebook(nb, name: str) -> None:
    """Raise ``RuntimeError`` if a student notebook still holds a solution or hidden test."""
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            if marker in cell.source:
                raise RuntimeError(f"{name}: cell {index} still contains '### {marker}' after generation")
        if meta.get("solution") and cell.cell_type == "code" and "raise NotImplementedError()" not in cell.source:
            raise RuntimeError(f"{name}: solution cell {meta.get('grade_id')} has no `raise NotImplementedError()` stub")
        if meta.get("solution") and cell.metadata.get("jupyter", {}).get("source_hidden"):
            raise RuntimeError(f"{name}: solution cell {meta.get('grade_id')} is still collapsed")


def finish_student_notebook(assignment: str, course_dir: Path = COURSE_DIR) -> Path:
    """Post-process the student notebook nbgrader wrote for ``assignment``; return its path.

    Solution cells are expanded and the notebook is checked to hold no solution and no
    hidden test.
    """
    student = Path(course_dir) / "release" / assignment / f"{assignment}.ipynb"
    if not student.exists():
        raise RuntimeError(f"nbgrader did not write {student}")
    nb = nbformat.read(student, as_version=4)
    expand_solutions(nb)
    check_student_notebook(nb, student.name)
    nbformat.write(nb, student)
    return student


def release(
    chapters: list[Path], course_dir: Path = COURSE_DIR, out_dir: Path = RELEASE_DIR, env: dict | None = None
) -> list[Path]:
    """Generate the student release of each chapter into ``out_dir/NN_name/``; return the notebooks.

    Runs ``nbgrader generate_assignment NN_name --force`` for every chapter (in the course
    directory ``course_dir``), then :func:`finish_student_notebook`, then copies the
    assignment's release folder to ``out_dir``.
    """
    if not chapters:
        raise ValueError("chapters must name at least one chapter notebook (chapters/NN_name.ipynb)")
    assignments = [stage(chapter, course_dir) for chapter in chapters]
    root = f"--CourseDirectory.root={Path(course_dir).resolve()}"
    nbgrader_batch([(["generate_assignment", a, "--force", root], ROOT) for a in assignments], env=env)
    written = []
    for assignment in assignments:
        student = finish_student_notebook(assignment, course_dir)
        target = Path(out_dir) / assignment
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(student.parent, target)
        written.append(target / student.name)
    return written


@dataclass
class Validation:
    """The outcome of ``nbgrader validate`` on one notebook: ``ok`` and nbgrader's own report."""

    ok: bool
    report: str


def validate(notebook: Path, *, invert: bool = False, env: dict | None = None) -> Validation:
    """Run ``nbgrader validate`` (``--invert``: every graded cell must fail) on one notebook.

    ``nbgrader validate`` exits with 0 either way; success is read from its report.
    """
    args = ["validate", str(Path(notebook).resolve())] + (["--invert"] if invert else [])
    proc = nbgrader(*args, env=env)
    report = proc.stdout + proc.stderr
    expected = SUCCESS_INVERTED if invert else SUCCESS
    return Validation(ok=expected in proc.stdout, report=report)


def scores(assignment: str, course_dir: Path = COURSE_DIR) -> dict[str, dict]:
    """Points per student for one assignment, read from the gradebook.

    Returns ``{student: {"score": s, "max_score": m, "cells": {grade_id: (score, max_score)}}}``.
    """
    from nbgrader.api import Gradebook, MissingEntry

    db = Path(course_dir) / "gradebook.db"
    if not db.exists():
        raise ValueError(f"course_dir has no gradebook: {db} does not exist (run nbgrader autograde first)")
    os.environ["PATH"] = with_scripts_on_path()["PATH"]  # the Gradebook runs `alembic` by name
    result = {}
    with Gradebook(f"sqlite:///{db}") as gb:
        try:
            submissions = gb.assignment_submissions(assignment)
        except MissingEntry as err:
            raise ValueError(f"assignment {assignment!r} is not in the gradebook {db}") from err
        for submission in submissions:
            cells = {}
            for nb in submission.notebooks:
                for grade in nb.grades:
                    cells[grade.name] = (grade.score, grade.max_score)
            result[submission.student_id] = {
                "score": submission.score,
                "max_score": submission.max_score,
                "cells": cells,
            }
    return result


def _cli_release(args) -> int:
    chapters = find_chapters(args.chapters_dir, args.only)
    if not chapters:
        print(f"no chapter matches {args.only or 'NN_name.ipynb'} in {args.chapters_dir}", file=sys.stderr)
        return 1
    for notebook in release(chapters, args.course_dir, args.out):
        print(f"released {notebook.relative_to(Path.cwd()) if notebook.is_relative_to(Path.cwd()) else notebook}")
    return 0


def _cli_validate(args) -> int:
    chapters = find_chapters(args.chapters_dir, args.only)
    failures = 0
    for chapter in chapters:
        instructor = validate(chapter)
        student_nb = Path(args.out) / chapter.stem / chapter.name
        print(f"{chapter.stem}: instructor notebook {'passes' if instructor.ok else 'FAILS'} its tests")
        failures += not instructor.ok
        if not instructor.ok:
            print(instructor.report)
        if student_nb.exists():
            student = validate(student_nb, invert=True)
            print(f"{chapter.stem}: student notebook {'fails every test' if student.ok else 'PASSES a test'}")
            failures += not student.ok
            if not student.ok:
                print(student.report)
        else:
            print(f"{chapter.stem}: no student notebook in {args.out} (run `release` first)")
    return 1 if failures else 0


def _cli_scores(args) -> int:
    for chapter in find_chapters(args.chapters_dir, args.only):
        try:
            table = scores(chapter.stem, args.course_dir)
        except ValueError as err:
            print(f"{chapter.stem}: {err}")
            continue
        for student, row in sorted(table.items()):
            print(f"{chapter.stem}  {student:<20} {row['score']:g} / {row['max_score']:g}")
    return 0


def main(argv=None) -> int:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("only", nargs="*", help="chapter name prefixes, e.g. 01 03 (default: every chapter)")
    common.add_argument("--chapters-dir", type=Path, default=CHAPTERS, help="where the NN_name.ipynb chapters are")
    common.add_argument("--course-dir", type=Path, default=COURSE_DIR, help="nbgrader course directory (generated)")
    common.add_argument("--out", type=Path, default=RELEASE_DIR, help="where the student notebooks go")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func, text in (
        ("release", _cli_release, "generate the student notebooks"),
        ("validate", _cli_validate, "run nbgrader validate on instructor and student notebooks"),
        ("scores", _cli_scores, "print each student's points from the gradebook"),
    ):
        sub.add_parser(name, parents=[common], help=text).set_defaults(func=func)
    if (argv if argv is not None else sys.argv[1:]) == ["_batch"]:
        return _run_batch()
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
