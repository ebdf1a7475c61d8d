"""Train the expression CNN on FER2013 training, select the epoch on PublicTest.

    python -m ml.vision.train                  # the shipped recipe (model/vision/README.md has the wall time)
    python -m ml.vision.train --resume         # go on from .train/vision/checkpoint.pt after an interruption
    python -m ml.vision.train --help

Fixed seed; bf16 autocast where the CPU has bf16 units. Each batch is augmented on the fly with one
random affine map per face (rotation, scale, shift, mirror) and a cut-out square, because FER2013's
faces are few for a CNN and the serving crops come from a detector whose boxes are not aligned like
the dataset's. An exponential moving average of the weights (and batch-norm statistics) is kept beside
them: it smooths the last epochs' noise, and each epoch both are scored. Selection is PublicTest accuracy, as
served (one pass, no mirror), of either. The state after each epoch is a checkpoint; the best epoch's weights
are exported to ``--out`` as ONNX, which serving reads with onnxruntime (no torch in the web process; 2x torch's
speed on this network). ``--init`` starts from a served model's weights instead of at random: a second cycle
of the schedule (warm restart) at a lower peak rate.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from ml.text.classifier import bf16_is_fast
from ml.vision.net import FACE_SIZE, FER_LABELS, ExpressionNet, normalise

ROOT = Path(__file__).resolve().parents[2]
FER_DIR = ROOT.parent / "shared" / "data" / "fer2013"
OUT_DIR = ROOT / "model" / "vision"
WORK_DIR = ROOT / ".train" / "vision"
MODEL_VERSION = "mood-fer-vgg-2"


def load_split(data_dir: Path, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """FER2013 split ``name`` as uint8 faces ``(N, 48, 48)`` and int64 labels."""
    with np.load(data_dir / f"fer2013_{name}.npz") as d:
        return torch.from_numpy(d["x"]), torch.from_numpy(d["y"].astype(np.int64))


def augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """One random affine map (±15°, 0.85-1.15 scale, ±10 % shift, mirror) and a cut-out per face."""
    n = x.shape[0]
    angle = (torch.rand(n, generator=gen) * 2 - 1) * math.radians(15)
    scale = 0.85 + torch.rand(n, generator=gen) * 0.3
    shift = (torch.rand(n, 2, generator=gen) * 2 - 1) * 0.2  # grid units: 2 = the whole face
    mirror = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [torch.stack([cos * mirror, -sin, shift[:, 0]], 1), torch.stack([sin * mirror, cos, shift[:, 1]], 1)], 1
    )
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    out = F.grid_sample(x, grid, padding_mode="border", align_corners=False)
    # Cut-out: a 12-20 px square set to the mean (0 after normalising) on half of the faces.
    size = torch.randint(12, 21, (n,), generator=gen)
    top = (torch.rand(n, generator=gen) * (FACE_SIZE - size)).long()
    left = (torch.rand(n, generator=gen) * (FACE_SIZE - size)).long()
    rows = torch.arange(FACE_SIZE)
    inside_r = (rows[None] >= top[:, None]) & (rows[None] < (top + size)[:, None])
    inside_c = (rows[None] >= left[:, None]) & (rows[None] < (left + size)[:, None])
    cut = inside_r[:, :, None] & inside_c[:, None, :] & (torch.rand(n, generator=gen) < 0.5)[:, None, None]
    return out.masked_fill(cut[:, None], 0.0)


@torch.inference_mode()
def evaluate(
    model: torch.nn.Module, faces: torch.Tensor, labels: torch.Tensor, bf16: bool, mirror: bool = True
) -> dict[str, float]:
    """Accuracy on ``faces``, and with the mirror averaged in (``mirror``)."""
    model.eval()
    probs, mirrored = [], []
    for i in range(0, len(faces), 512):
        x = normalise(faces[i : i + 512]).contiguous(memory_format=torch.channels_last)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            probs.append(model(x).float().softmax(-1))
            if mirror:
                mirrored.append(model(x.flip(-1)).float().softmax(-1))
    p = torch.cat(probs)
    scores = {"accuracy": (p.argmax(-1) == labels).float().mean().item()}
    if mirror:
        scores["accuracy_mirror"] = ((p + torch.cat(mirrored)).argmax(-1) == labels).float().mean().item()
    return scores


def main(argv: list[str] | None = None) -> None:
    """Run the training recipe (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=FER_DIR)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--work-dir", type=Path, default=WORK_DIR)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument(
        "--lr", type=float, default=1e-3, help="peak AdamW learning rate (1 warm-up epoch, then cosine)"
    )
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--label-smoothing", type=float, default=0.1)
    parser.add_argument("--ema", type=float, default=0.999, help="decay of the weights' moving average (0: none)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--limit", type=int, default=0, help="train on the first N faces only (a smoke run)")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument(
        "--init", type=Path, help="start from a served expression.onnx (a warm restart of the schedule), not at random"
    )
    parser.add_argument("--export-only", action="store_true", help="write --out from the best epoch so far, exit")
    args = parser.parse_args(argv)
    if args.export_only:
        export(args.work_dir / "best.safetensors", args.out, args.width)
        return

    torch.manual_seed(args.seed)
    bf16 = bf16_is_fast()
    x_train, y_train = load_split(args.data_dir, "Training")
    x_val, y_val = load_split(args.data_dir, "PublicTest")
    if args.limit:
        x_train, y_train = x_train[: args.limit], y_train[: args.limit]
    # channels-last runs oneDNN's convolutions 15 % faster on CPU.
    model = ExpressionNet(args.width)
    if args.init:
        load_onnx_weights(model, args.init, x_train)
    model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]  # in place; torch's stubs miss it
    # AdamW: SGD with momentum at 0.01-0.05 stayed at chance level through the first epoch on this network.
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    steps_per_epoch = math.ceil(len(x_train) / args.batch_size)
    total = args.epochs * steps_per_epoch

    def lr_at(step: int) -> float:
        if step < steps_per_epoch:
            return (step + 1) / steps_per_epoch
        return 0.5 * (1 + math.cos(math.pi * (step - steps_per_epoch) / max(1, total - steps_per_epoch)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(args.ema), use_buffers=True) if args.ema else None
    gen = torch.Generator().manual_seed(args.seed)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    ckpt_path = args.work_dir / "checkpoint.pt"
    best_path = args.work_dir / "best.safetensors"
    log: list[dict[str, Any]] = []
    start_epoch, best, wall = 0, -1.0, 0.0
    if args.resume and ckpt_path.exists():
        state = torch.load(ckpt_path, weights_only=False)
        model.load_state_dict(state["model"])
        if ema is not None:
            ema.load_state_dict(state["ema"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        gen.set_state(state["gen"])
        start_epoch, best, wall, log = state["epoch"], state["best"], state["wall"], state["log"]
        print(f"resumed after epoch {start_epoch} (best {best:.4f})", flush=True)

    print(
        f"{len(x_train)} training faces, {sum(p.numel() for p in model.parameters())} parameters, bf16={bf16}",
        flush=True,
    )
    for epoch in range(start_epoch, args.epochs):
        t0 = time.time()
        model.train()
        order = torch.randperm(len(x_train), generator=gen)
        seen, loss_sum = 0, 0.0
        for step in range(steps_per_epoch):
            idx = order[step * args.batch_size : (step + 1) * args.batch_size]
            x = augment(normalise(x_train[idx]), gen).contiguous(memory_format=torch.channels_last)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                loss = F.cross_entropy(model(x).float(), y_train[idx], label_smoothing=args.label_smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            if ema is not None:
                ema.update_parameters(model)
            seen += len(idx)
            loss_sum += loss.item() * len(idx)
            if step % 50 == 0:
                print(f"  epoch {epoch + 1} step {step}/{steps_per_epoch} loss {loss_sum / seen:.4f}", flush=True)
        scores = evaluate(model, x_val, y_val, bf16)
        candidates: dict[str, tuple[float, torch.nn.Module]] = {"weights": (scores["accuracy"], model)}
        if ema is not None:
            ema_scores = evaluate(ema.module, x_val, y_val, bf16, mirror=False)
            scores.update({f"ema_{k}": v for k, v in ema_scores.items()})
            candidates["ema"] = (ema_scores["accuracy"], ema.module)
        wall += time.time() - t0
        row: dict[str, Any] = {
            "epoch": epoch + 1,
            "train_loss": round(loss_sum / seen, 4),
            "seconds": round(time.time() - t0, 1),
        }
        row.update({k: round(v, 4) for k, v in scores.items()})
        source, (accuracy, chosen) = max(candidates.items(), key=lambda item: item[1][0])
        row["selected"], row["selected_accuracy"] = source, round(accuracy, 4)
        log.append(row)
        print(json.dumps(row), flush=True)
        if accuracy > best:
            best = accuracy
            save_file({k: v.contiguous() for k, v in chosen.state_dict().items()}, str(best_path))
        torch.save(
            {
                "model": model.state_dict(),
                "ema": ema.state_dict() if ema is not None else None,
                "opt": opt.state_dict(),
                "sched": sched.state_dict(),
                "gen": gen.get_state(),
                "epoch": epoch + 1,
                "best": best,
                "wall": wall,
                "log": log,
            },
            ckpt_path,
        )

    best_row = max(log, key=lambda r: r["selected_accuracy"])  # the first of equal epochs, as the checkpoint kept
    export(best_path, args.out, args.width)
    summary = {
        "args": {k: str(v) for k, v in vars(args).items()},
        "wall_seconds": round(wall),
        "best": best_row,
        "epochs": log,
        "cpu_threads": torch.get_num_threads(),
        "bf16": bf16,
    }
    (args.out / "training_log.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(
        f"best epoch {best_row['epoch']} ({best_row['selected']}): PublicTest accuracy"
        f" {best_row['selected_accuracy']}, wall {wall:.0f} s"
    )


@torch.no_grad()
def load_onnx_weights(model: ExpressionNet, path: Path, faces: torch.Tensor) -> None:
    """Load a served model's weights into ``model``, whose layout it has, to train it further.

    The export folded each batch norm into its convolution (weight and bias). The convolutions take the folded
    weights; each batch norm is set to the statistics its convolution's output has on ``faces`` and to scale and
    shift them back, so the network computes exactly the served function in eval mode and nearly it in training
    mode, where batch norm uses each batch's statistics.
    """
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    tensors = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}
    convs = [m for m in model.features if isinstance(m, torch.nn.Conv2d)]
    norms = [m for m in model.features if isinstance(m, torch.nn.BatchNorm2d)]
    folded = [node.input[1:] for node in graph.node if node.op_type == "Conv"]
    if len(folded) != len(convs):
        raise ValueError(f"{path} has {len(folded)} convolutions, the network {len(convs)}: another width or layout")
    for conv, norm, (weight, bias) in zip(convs, norms, folded, strict=True):
        conv.weight.copy_(tensors[weight])
        norm.weight.fill_(1.0)
        norm.bias.copy_(tensors[bias])
        cast(torch.Tensor, norm.running_mean).zero_()
        cast(torch.Tensor, norm.running_var).fill_(1.0 - norm.eps)  # the identity in eval mode: the bias alone is added
    head = model.head[2]
    assert isinstance(head, torch.nn.Linear)
    head.weight.copy_(tensors["head.2.weight"])
    head.bias.copy_(tensors["head.2.bias"])
    model.eval()
    # Per convolution: the sum and the sum of squares of its output per channel, and the values per channel.
    sums: dict[int, list[torch.Tensor]] = {}
    counts: dict[int, int] = dict.fromkeys(map(id, convs), 0)

    def collect(conv: torch.nn.Module, _: tuple, out: torch.Tensor) -> None:
        moments = [out.double().sum((0, 2, 3)), (out.double() ** 2).sum((0, 2, 3))]
        previous = sums.get(id(conv))
        sums[id(conv)] = moments if previous is None else [a + b for a, b in zip(previous, moments, strict=True)]
        counts[id(conv)] += out.numel() // out.shape[1]

    hooks = [c.register_forward_hook(collect) for c in convs]
    sample = faces[:: max(1, len(faces) // 8192)]  # strided: the split is sorted by label
    for i in range(0, len(sample), 512):
        model(normalise(sample[i : i + 512]))
    for hook in hooks:
        hook.remove()
    for conv, norm in zip(convs, norms, strict=True):
        total, squares = sums[id(conv)]
        mean = total / counts[id(conv)]
        var = (squares / counts[id(conv)] - mean**2).clamp_min(0)
        # y = (z - mean) / sqrt(var + eps) * sqrt(var + eps) + (mean + bias) = z + bias, as served
        norm.weight.copy_((var + norm.eps).sqrt().float())
        norm.bias.add_(mean.float())
        cast(torch.Tensor, norm.running_mean).copy_(mean.float())
        cast(torch.Tensor, norm.running_var).copy_(var.float())


def export(weights: Path, out: Path, width: int) -> None:
    """Write the served model: ``expression.onnx`` (float32, any batch size) and ``config.json``."""
    import warnings

    from safetensors.torch import load_file

    model = ExpressionNet(width)
    model.load_state_dict(load_file(str(weights)))
    model.eval()
    out.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():  # the TorchScript exporter is deprecated; it needs no onnxscript and is exact
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (torch.zeros(1, 1, FACE_SIZE, FACE_SIZE),),
            str(out / "expression.onnx"),
            input_names=["faces"],
            output_names=["logits"],
            dynamic_axes={"faces": {0: "faces"}, "logits": {0: "faces"}},
            opset_version=17,
            dynamo=False,
        )
    config = {"model_version": MODEL_VERSION, "width": width, "labels": list(FER_LABELS), "face_size": FACE_SIZE}
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")


if __name__ == "__main__":
    main()
