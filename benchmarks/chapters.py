"""Execute every chapter in a fresh kernel; print seconds and peak memory per chapter.

    python benchmarks/chapters.py            # default mode, outputs discarded
    python benchmarks/chapters.py --fast     # fast mode (MMBM_FAST=1)
    python benchmarks/chapters.py --write    # default mode, outputs written back in place
    python benchmarks/chapters.py 00 02      # only chapters whose name starts with these

Peak memory is the kernel process's resident high-water mark (Linux ``VmHWM``). Goals per
chapter in default mode on 2 CPU cores: at most 180 s and 2 GB (Binder's limit). The last
line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from tqdm.auto import tqdm

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
GOAL_SECONDS, GOAL_MB = 180, 2048


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory in MB, from /proc (0.0 where unavailable)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_notebook(path: Path, *, write: bool, timeout: int = 600) -> dict:
    """Execute one notebook in a fresh kernel; return seconds, peak MB and error count."""
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    bar = tqdm(total=len(cells), desc=path.stem, leave=False, unit="cell")
    peak = {"mb": 0.0}
    client = NotebookClient(
        nb, timeout=timeout, startup_timeout=120, kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )

    def after_cell(**_):
        pid = getattr(client.km.provisioner, "pid", None) or client.km.provisioner.process.pid
        peak["mb"] = max(peak["mb"], peak_rss_mb(pid))
        bar.update(1)

    client.on_cell_executed = after_cell
    started = time.perf_counter()
    error = ""
    try:
        client.execute()
    except Exception as err:  # a failing cell: report it, keep benchmarking the rest
        error = f"{type(err).__name__}: {str(err).strip().splitlines()[-1] if str(err).strip() else ''}"
    seconds = time.perf_counter() - started
    bar.close()
    if write and not error:
        nbformat.write(nb, path)
    return {"chapter": path.stem, "seconds": round(seconds, 1), "peak_mb": round(peak["mb"]), "error": error}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("only", nargs="*", help="chapter name prefixes, e.g. 00 03")
    parser.add_argument("--fast", action="store_true", help="fast mode (MMBM_FAST=1)")
    parser.add_argument("--write", action="store_true", help="write executed outputs back into the notebooks")
    args = parser.parse_args(argv)
    if args.fast and args.write:
        parser.error("--write keeps default-mode outputs in the repository; do not combine it with --fast")
    os.environ["MMBM_FAST"] = "1" if args.fast else "0"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    paths = sorted(CHAPTERS.glob("[0-9][0-9]_*.ipynb"))
    if args.only:
        paths = [p for p in paths if any(p.name.startswith(o) for o in args.only)]
    if not paths:
        parser.error("no chapter matched")
    rows = []
    for path in tqdm(paths, desc="chapters", unit="nb"):
        rows.append(run_notebook(path, write=args.write))
    mode = "fast" if args.fast else "default"
    print(f"\n{'chapter':<34} {'seconds':>8} {'peak MB':>8}  within goals ({mode} mode)")
    for r in rows:
        ok = r["seconds"] <= GOAL_SECONDS and r["peak_mb"] <= GOAL_MB and not r["error"]
        note = "yes" if ok else ("ERROR " + r["error"] if r["error"] else "no")
        print(f"{r['chapter']:<34} {r['seconds']:>8.1f} {r['peak_mb']:>8d}  {note}")
    total = sum(r["seconds"] for r in rows)
    print(f"{'total':<34} {total:>8.1f}")
    print(json.dumps({"mode": mode, "chapters": rows, "total_seconds": round(total, 1)}))
    return 1 if any(r["error"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
