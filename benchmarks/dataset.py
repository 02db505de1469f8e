"""Time the embedded dataset's generation on one CPU core.

    python benchmarks/dataset.py            # 10,000 samples, best of 3
    python benchmarks/dataset.py --n 50000

Pins the process to one core and asks NumPy's thread pools for one thread, so the
figure is what a single core does. Goal: 10,000 samples in at most 3 s. The last line
printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000, help="samples to generate")
    parser.add_argument("--repeats", type=int, default=3, help="runs; the best is reported")
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    from mmbm_utils.data import make_multimodal_dataset

    make_multimodal_dataset(100)  # warm up imports and caches
    runs = {}
    for label, kwargs in {
        "clean": {},
        "all knobs on": {"label_noise": 0.1, "corrupt_fraction": 0.05, "missing_fraction": 0.1, "imbalance": 0.5},
    }.items():
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            make_multimodal_dataset(args.n, seed=0, **kwargs)
            times.append(time.perf_counter() - start)
        runs[label] = min(times)
    print(f"{'dataset':<14} {'samples':>8} {'best s':>8} {'samples/s':>10}")
    for label, seconds in runs.items():
        print(f"{label:<14} {args.n:>8} {seconds:>8.2f} {args.n / seconds:>10.0f}")
    print(json.dumps({"n": args.n, "cores": 1, "seconds": {k: round(v, 3) for k, v in runs.items()}, "goal_s": 3.0}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
