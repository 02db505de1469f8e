"""The ways in: pip (pyproject.toml), conda (environment.yml) and Binder (binder/) agree and work.

The fast tests parse the three descriptions and compare them. The slow ones install Binder's
requirements into a fresh virtual environment and run chapter 00 there, and ask repo2docker (the
tool Binder builds with) to plan the image.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
ENVIRONMENT = ROOT / "environment.yml"
BINDER = ROOT / "binder"
ARTIFACTS = ROOT / "artifacts"
CHAPTER_00 = Path(os.environ.get("MMBM_CHAPTERS_DIR", ROOT / "chapters")) / "00_welcome.ipynb"


def key(req: str | Requirement) -> tuple:
    """A requirement in a form that compares equal however it is spelled."""
    r = Requirement(req) if isinstance(req, str) else req
    return (canonicalize_name(r.name), tuple(sorted(r.extras)), str(SpecifierSet(str(r.specifier))), str(r.marker or ""))


def project() -> dict:
    return tomllib.loads(PYPROJECT.read_text())["project"]


def runtime_requirements() -> list[str]:
    return project()["dependencies"]


def extra_test_requirements() -> list[str]:
    return project()["optional-dependencies"]["test"]


def environment() -> dict:
    return yaml.safe_load(ENVIRONMENT.read_text())


def conda_and_pip(env: dict) -> tuple[list[str], list[str]]:
    conda, pip = [], []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip.extend(dep.get("pip", []))
        else:
            conda.append(dep)
    return conda, pip


def requirement_lines(lines) -> list[str]:
    """Requirement lines, without comments, blank lines and pip options such as ``-e .``."""
    out = []
    for line in lines:
        line = re.sub(r"\s+#.*$", "", line).strip()
        if line and not line.startswith(("#", "-")):
            out.append(line)
    return out


def binder_python() -> str:
    text = (BINDER / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-(\d+\.\d+)", text)
    assert match, f"binder/runtime.txt must read python-X.Y, not {text!r}"
    return match.group(1)


def conda_python(env: dict) -> str:
    conda, _ = conda_and_pip(env)
    pythons = [d for d in conda if re.match(r"python\s*[=<>]", d)]
    assert len(pythons) == 1, f"environment.yml must pin python exactly once, found {pythons}"
    return re.sub(r"^python\s*=+\s*", "", pythons[0]).strip()


# ----------------------------------------------------------------------------- fast checks


def test_environment_yml_names_the_same_packages_and_versions_as_pyproject():
    _, pip = conda_and_pip(environment())
    expected = {key(r) for r in runtime_requirements() + extra_test_requirements()}
    found = {key(r) for r in requirement_lines(pip)}
    assert len(requirement_lines(pip)) == len(found), "environment.yml lists a package twice"
    assert found - expected == set(), f"environment.yml has pins that pyproject.toml lacks: {sorted(found - expected)}"
    assert expected - found == set(), f"environment.yml misses pins from pyproject.toml: {sorted(expected - found)}"


def test_environment_yml_installs_the_course_package_and_nothing_from_conda_but_python():
    conda, pip = conda_and_pip(environment())
    assert "-e ." in [p.strip() for p in pip], "environment.yml must install mmbm_utils with `-e .`"
    names = sorted(re.split(r"[=<> ]", d)[0] for d in conda)
    assert names == ["pip", "python"], f"conda should provide only python and pip, got {names}"


def test_every_pin_in_environment_yml_says_why():
    in_deps, missing = False, []
    for line in ENVIRONMENT.read_text().splitlines():
        if line.startswith("dependencies:"):
            in_deps = True
            continue
        item = re.match(r"\s+- (.+)$", line)
        if not in_deps or not item or item.group(1).strip() == "pip:":
            continue
        comment = item.group(1).partition(" #")[2].strip()
        if len(comment) < 10:
            missing.append(item.group(1))
    assert not missing, f"these entries need a comment saying why they are pinned: {missing}"


def test_yaml_parses_back_to_the_written_requirements():
    """YAML can swallow a '#' or turn a line into a mapping: each pip entry must stay a plain string."""
    _, pip = conda_and_pip(environment())
    assert all(isinstance(p, str) and "#" not in p for p in pip), pip
    assert all(isinstance(d, (str, dict)) for d in environment()["dependencies"])


def test_pip_reads_environment_yml_and_the_test_environment_satisfies_it(tmp_path):
    """conda hands the pip entries to pip as a requirements file: pip must accept every line, and
    the environment these tests run in (installed from pyproject.toml) must already satisfy them."""
    _, pip = conda_and_pip(environment())
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("\n".join(requirement_lines(pip)) + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--no-index", "-r", str(reqs)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Would install" not in result.stdout, result.stdout[-2000:]


def test_binder_requirements_match_pyproject():
    lines = requirement_lines((BINDER / "requirements.txt").read_text().splitlines())
    assert sorted(map(key, lines)) == sorted(map(key, runtime_requirements()))


def test_binder_and_conda_use_the_same_python_and_pyproject_allows_it():
    py = binder_python()
    assert conda_python(environment()) == py
    assert SpecifierSet(project()["requires-python"]).contains(f"{py}.0"), (py, project()["requires-python"])


def test_binder_postbuild_installs_the_course_package():
    post = BINDER / "postBuild"
    assert os.access(post, os.X_OK), "binder/postBuild must be executable"
    text = post.read_text()
    assert text.startswith("#!/usr/bin/env bash")
    assert re.search(r"pip install .*-e \.", text), "postBuild must install mmbm_utils from the repository"
    subprocess.run(["bash", "-n", str(post)], check=True)
    assert not (BINDER / "environment.yml").exists(), "Binder reads environment.yml before requirements.txt"


# ----------------------------------------------------------------------------- slow checks


def chapter_imports() -> set[str]:
    """The top-level modules that the chapters' code cells import (IPython magics skipped)."""
    modules = set()
    for path in sorted(CHAPTER_00.parent.glob("[0-9][0-9]_*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            code = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
            try:
                tree = ast.parse(code)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    modules.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    modules.add(node.module.split(".")[0])
    return modules


def fresh_venv(path: Path) -> dict:
    """A new virtual environment made with the running Python; the environment variables to use it."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "MPLBACKEND"}}
    env["PATH"] = f"{path / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(path)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.mark.slow
def test_binder_environment_installs_and_runs_chapter_00(tmp_path):
    py = binder_python()
    if f"{sys.version_info.major}.{sys.version_info.minor}" != py:
        pytest.skip(f"Binder uses Python {py}; this test runs under {sys.version.split()[0]}")
    if not CHAPTER_00.exists():
        pytest.fail(f"{CHAPTER_00.name} is missing: Binder opens it first")
    venv = tmp_path / "binder-venv"
    env = fresh_venv(venv)
    python = str(venv / "bin" / "python")
    started = time.perf_counter()
    # pip's cache is left on, so a second run reuses the downloaded wheels.
    subprocess.run([python, "-m", "pip", "install", "-q", "-r", str(BINDER / "requirements.txt")], env=env, check=True)
    subprocess.run(["bash", str(BINDER / "postBuild")], cwd=ROOT, env=env, check=True)
    install_seconds = time.perf_counter() - started

    extensions = subprocess.run(
        [python, "-m", "jupyter", "labextension", "list"], env=env, capture_output=True, text=True, check=True
    )
    assert "@jupyter-widgets/jupyterlab-manager" in extensions.stdout + extensions.stderr, "widgets would not render"

    # Every module any chapter imports is installed there (chapter 00 alone is run below).
    modules = sorted(chapter_imports())
    found = subprocess.run(
        [python, "-c", "import importlib.util, sys; print(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))", *modules],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert found.stdout.split() == [], f"chapters import modules Binder does not install: {found.stdout.split()}"

    # Chapter 00 in fast mode, in a kernel of the new environment, from a copy of the notebook.
    nb = nbformat.read(CHAPTER_00, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import sys, mmbm_utils\nprint(sys.prefix)\nprint(mmbm_utils.__file__)"))
    work = tmp_path / "run"
    work.mkdir()
    nbformat.write(nb, work / CHAPTER_00.name)
    env.update(MMBM_FAST="1", TF_CPP_MIN_LOG_LEVEL="2", JUPYTER_PLATFORM_DIRS="1")
    started = time.perf_counter()
    subprocess.run(
        [python, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--output", "executed.ipynb",
         "--ExecutePreprocessor.timeout=600", "--ExecutePreprocessor.kernel_name=python3", CHAPTER_00.name],
        cwd=work, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    run_seconds = time.perf_counter() - started
    executed = nbformat.read(work / "executed.ipynb", as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    printed = "".join(o.get("text", "") for o in executed.cells[-1].outputs).split()
    assert printed[0] == str(venv), f"the kernel ran in {printed[0]}, not in the Binder environment"
    assert Path(printed[1]).resolve().is_relative_to(ROOT), "mmbm_utils did not come from this repository"

    ARTIFACTS.mkdir(exist_ok=True)
    report = {"python": py, "install_seconds": round(install_seconds, 1), "chapter_00_fast_seconds": round(run_seconds, 1)}
    (ARTIFACTS / "binder_environment.json").write_text(json.dumps(report, indent=2) + "\n")
    print(report)


def copy_repository(dest: Path) -> None:
    """Copy the files git tracks or would track (untracked but not ignored) into ``dest``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for rel in filter(None, listed):
        source = ROOT / rel
        if source.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / rel)


@pytest.mark.slow
def test_repo2docker_plans_the_binder_image(tmp_path):
    """repo2docker, the builder behind Binder, reads binder/ and writes the image's Dockerfile.

    ``--no-build`` stops before Docker is needed; the plan must install binder/requirements.txt
    with the requested Python and run postBuild.
    """
    venv = tmp_path / "r2d-venv"
    env = fresh_venv(venv)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "jupyter-repo2docker"], env=env, check=True)
    repo = tmp_path / "repo"  # what Binder would see: the repository's files, not the ignored ones (.venv, outputs)
    copy_repository(repo)
    result = subprocess.run(
        [str(venv / "bin" / "repo2docker"), "--no-build", "--debug", str(repo)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "repo2docker_Dockerfile.txt").write_text(out)
    assert f"Building conda environment for python={binder_python()}" in out
    assert re.search(r'pip install --no-cache-dir -r "binder/requirements.txt"', out)
    assert "./binder/postBuild" in out
