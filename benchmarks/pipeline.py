"""Images per second: the source's ImageDataGenerator against the course's tf.data pipeline.

Both sides apply the same augmentations to the same float images in [0, 1] with the source's
batch size of 32: rotation by up to ±20°, shifts by up to ±20 % and a horizontal flip,
filling with the nearest pixel. The generator transforms one image at a time in NumPy/SciPy;
the pipelines transform whole batches inside ``tf.data`` (cache → shuffle → batch → parallel
map → prefetch, see ``mmbm_utils.preprocess.build_pipeline``), either with the three Keras
preprocessing layers (``source_generator_layers``: two resamplings per image) or with the
course's fused layer (``fused_affine_augmentation``: the same random rotation, shift and flip
composed into one matrix and resampled once).

    python benchmarks/pipeline.py                 # 4096 images per side, best of 3 passes
    python benchmarks/pipeline.py --images 1024   # quicker

Prints a table, then one JSON line with ``generator_images_per_s``, ``pipeline_images_per_s``
and ``ratio`` (the fused pipeline against the generator), plus ``layers_pipeline_images_per_s``
and ``layers_ratio`` for the three-layer pipeline. Rates are the best of the passes, since
other processes on the machine only ever slow a pass down.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def images_per_second(batches, n_images: int, batch_size: int) -> float:
    """Pull batches until ``n_images`` images have passed; return images per second."""
    it = iter(batches)
    next(it)  # warm-up: graph tracing, thread start-up
    started = time.perf_counter()
    seen = 0
    while seen < n_images:
        x, _ = next(it)
        seen += int(x.shape[0])
    return seen / (time.perf_counter() - started)


def run(n_images: int = 4096, repeats: int = 3, batch_size: int = 32, seed: int = 0) -> dict:
    import tensorflow as tf
    from tensorflow.keras.preprocessing.image import ImageDataGenerator  # the source's (legacy) class

    from mmbm_utils.data import make_multimodal_dataset
    from mmbm_utils.preprocess import build_pipeline, fused_affine_augmentation, source_generator_layers

    data = make_multimodal_dataset(2048, seed=seed)
    x = data.images.astype("float32") / 255.0
    y = data.labels

    generator = ImageDataGenerator(rotation_range=20, width_shift_range=0.2, height_shift_range=0.2,
                                   horizontal_flip=True)
    generator.fit(x)  # as the source does (needed only for featurewise statistics)
    flow = generator.flow(x, y, batch_size=batch_size, seed=seed)

    def pipeline(layer):
        return build_pipeline(x, y, batch_size=batch_size, seed=seed,
                              map_fn=lambda xb, yb: (layer(xb, training=True), yb)).repeat()

    sides = (
        ("ImageDataGenerator.flow (source)", flow),
        ("tf.data + 3 preprocessing layers", pipeline(source_generator_layers(seed=seed))),
        ("tf.data + fused affine layer", pipeline(fused_affine_augmentation(seed=seed))),
    )
    rows = []
    for name, batches in sides:
        rates = [images_per_second(batches, n_images, batch_size) for _ in range(repeats)]
        rows.append({"name": name, "best": max(rates), "median": float(np.median(rates))})
    return {
        "rows": rows,
        "n_images": n_images,
        "repeats": repeats,
        "batch_size": batch_size,
        "cores": os.cpu_count(),
        "tensorflow": tf.__version__,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=4096, help="images per timed pass (default 4096)")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes per side (default 3)")
    args = parser.parse_args(argv)
    if args.images < 32 or args.repeats < 1:
        parser.error("--images must be >= 32 and --repeats >= 1")
    result = run(args.images, args.repeats)
    gen, layers, fused = result["rows"]
    print(f"\n{'input pipeline':<36} {'best img/s':>11} {'median img/s':>13} {'vs generator':>13}")
    for r in result["rows"]:
        print(f"{r['name']:<36} {r['best']:>11.0f} {r['median']:>13.0f} {r['best'] / gen['best']:>12.1f}x")
    print(f"best of {args.repeats} passes of {args.images} images, batch size {result['batch_size']}, "
          f"{result['cores']} CPU core(s), TensorFlow {result['tensorflow']}")
    print(json.dumps({
        "generator_images_per_s": round(gen["best"], 1),
        "pipeline_images_per_s": round(fused["best"], 1),
        "ratio": round(fused["best"] / gen["best"], 2),
        "layers_pipeline_images_per_s": round(layers["best"], 1),
        "layers_ratio": round(layers["best"] / gen["best"], 2),
        "batch_size": result["batch_size"],
        "images_per_pass": args.images,
        "repeats": args.repeats,
        "cores": result["cores"],
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
