"""Training the expression model: a short run checkpoints, resumes and exports; --init starts from the served one."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from ml.vision.expression import MODEL_DIR
from ml.vision.net import ExpressionNet, normalise
from ml.vision.train import load_onnx_weights, main


def faces(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 48, 48), dtype=np.uint8), rng.integers(0, 7, n)


def test_a_short_run_checkpoints_resumes_and_exports_an_onnx_model(tmp_path):
    data = tmp_path / "fer2013"
    data.mkdir()
    for name, seed in (("Training", 1), ("PublicTest", 2)):
        x, y = faces(64, seed)
        np.savez(data / f"fer2013_{name}.npz", x=x, y=y)
    args = ["--data-dir", str(data), "--work-dir", str(tmp_path / "work"), "--out", str(tmp_path / "out")]
    main([*args, "--epochs", "1", "--width", "8", "--batch-size", "32"])
    first = json.loads((tmp_path / "out" / "training_log.json").read_text())
    assert [row["epoch"] for row in first["epochs"]] == [1]
    assert {"accuracy", "ema_accuracy", "selected", "selected_accuracy"} <= set(first["epochs"][0])
    main([*args, "--epochs", "2", "--width", "8", "--batch-size", "32", "--resume"])
    log = json.loads((tmp_path / "out" / "training_log.json").read_text())
    assert [row["epoch"] for row in log["epochs"]] == [1, 2] and log["epochs"][0] == first["epochs"][0]
    session = ort.InferenceSession(str(tmp_path / "out" / "expression.onnx"))
    (logits,) = session.run(None, {"faces": normalise(torch.from_numpy(faces(3, 3)[0])).numpy()})
    assert logits.shape == (3, 7)


def test_init_starts_from_exactly_the_served_model():
    x, _ = faces(256, 4)
    model = ExpressionNet(json.loads((MODEL_DIR / "config.json").read_text())["width"])
    load_onnx_weights(model, MODEL_DIR / "expression.onnx", torch.from_numpy(x))
    inputs = normalise(torch.from_numpy(x[:32]))
    session = ort.InferenceSession(str(Path(MODEL_DIR) / "expression.onnx"))
    (served,) = session.run(None, {"faces": inputs.numpy()})
    model.eval()
    with torch.no_grad():
        np.testing.assert_allclose(model(inputs).numpy(), served, atol=1e-3)
        # In training mode batch norm uses the batch's statistics: on the faces it was set from, the same function.
        model.train()
        model.head[1].p = 0.0  # no dropout, to compare
        train_mode = model(normalise(torch.from_numpy(x))).numpy()[:32]
    np.testing.assert_allclose(train_mode, served, atol=1e-2)
