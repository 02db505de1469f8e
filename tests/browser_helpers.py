"""Helpers for the browser tests: a real JupyterLab server and a real Chromium driven by Playwright.

The server is started the way the README's ``make lab`` starts it (``jupyter lab`` with the
chapters folder as its notebook directory), but on a random free localhost port, with a token,
without opening a browser, in fast mode, and on a temporary copy of ``chapters/`` so that the
committed notebooks stay untouched.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = Path(os.environ.get("MMBM_CHAPTERS_DIR", ROOT / "chapters"))
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = os.environ.get("MMBM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
]
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

# Lab settings for the test server: no news or update checks (no network here), and every cell
# kept in the page so that outputs can be inspected without scrolling each one into view.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chapter_paths() -> list[Path]:
    """Every chapter notebook, in course order."""
    return sorted(CHAPTERS.glob("[0-9][0-9]_*.ipynb"))


def uses_widgets(path: Path) -> bool:
    """True when a chapter builds ipywidgets (imports them or shows widget outputs)."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "ipywidgets" in cell.source:
            return True
        if any(WIDGET_MIME in out.get("data", {}) for out in cell.get("outputs", [])):
            return True
    return False


def browser_chapters() -> list[Path]:
    """Chapter 00 and every other chapter with widgets: the ones the browser tests open."""
    return [p for p in chapter_paths() if p.name.startswith("00_") or uses_widgets(p)]


@dataclass
class LabServer:
    """A running ``jupyter lab`` subprocess on localhost."""

    root: Path
    port: int
    token: str
    process: subprocess.Popen
    log_path: Path
    started_seconds: float = 0.0
    _log: object = field(default=None, repr=False)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base}{path}{sep}token={self.token}"

    def api(self, path: str, method: str = "GET"):
        req = urllib.request.Request(
            f"{self.base}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def api_retry(self, path: str):
        # While a kernel is starting, jupyter_server can answer 500 (its model is not complete yet).
        for _ in range(20):
            try:
                return self.api(path)
            except urllib.error.HTTPError as err:
                if err.code < 500:
                    raise
                time.sleep(0.25)
        return self.api(path)

    def kernel_of(self, name: str) -> dict | None:
        """The kernel model (id, execution_state, ...) of the open notebook ``name``, if it has one."""
        for session in self.api_retry("/api/sessions"):
            if session.get("path") == name and session.get("kernel"):
                return session["kernel"]
        return None

    def shutdown_kernel_of(self, name: str) -> None:
        kernel = self.kernel_of(name)
        if kernel:
            self.api(f"/api/kernels/{kernel['id']}", method="DELETE")

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._log is not None:
            self._log.close()


def start_lab(workdir: Path, timeout: float = 60) -> LabServer:
    """Copy the chapters into ``workdir/chapters`` and start JupyterLab there; wait until it answers."""
    notebooks = workdir / "chapters"
    shutil.copytree(CHAPTERS, notebooks, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    settings = workdir / "lab-settings"
    for name, values in LAB_SETTINGS.items():
        target = settings / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    env = dict(os.environ)
    env.update(
        MMBM_FAST="1",
        TF_CPP_MIN_LOG_LEVEL="2",
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(workdir / "lab-workspaces"),
        JUPYTER_RUNTIME_DIR=str(workdir / "runtime"),
    )
    env.pop("MPLBACKEND", None)  # the kernel picks the inline backend, as for a learner
    port, token = free_port(), secrets.token_hex(16)
    log_path = workdir / "jupyter-lab.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed by LabServer.stop
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        f"--notebook-dir={notebooks}",
        "--LabApp.default_url=/lab/tree/00_welcome.ipynb",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI machines run as root
        cmd.append("--ServerApp.allow_root=True")
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=notebooks, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = LabServer(notebooks, port, token, proc, log_path, _log=log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            server.stop()
            raise RuntimeError(f"jupyter lab exited with code {proc.returncode}:\n{server.log_tail()}")
        try:
            server.api("/api/status")
            server.started_seconds = time.perf_counter() - started
            return server
        except OSError:
            time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"jupyter lab did not answer within {timeout} s:\n{server.log_tail()}")


def error_outputs(path: Path) -> list[str]:
    """``ename: evalue`` of every error output saved in a notebook file."""
    nb = nbformat.read(path, as_version=4)
    return [
        f"cell {i}: {out.get('ename')}: {out.get('evalue')}"
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]


def not_run(path: Path) -> list[int]:
    """Indices of the non-empty code cells that a notebook file shows as never executed."""
    nb = nbformat.read(path, as_version=4)
    return [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and cell.source.strip() and cell.get("execution_count") is None
    ]
