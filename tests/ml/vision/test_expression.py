"""The shipped expression model: loads lazily, reads FER2013's layout, is mirror-symmetric, refuses bad input."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from ml.vision import FER_LABELS, ExpressionModel, analyse_image

FER = Path(__file__).resolve().parents[4] / "shared" / "data" / "fer2013" / "fer2013_PublicTest.npz"


@pytest.fixture(scope="module")
def model():
    return ExpressionModel()


def test_the_model_loads_on_first_use_only():
    fresh = ExpressionModel()
    assert fresh.session_ is None
    assert fresh.predict(np.zeros((0, 48, 48), dtype=np.uint8)) == []
    assert fresh.session_ is not None and fresh.version.startswith("mood-fer-")


@pytest.mark.skipif(not FER.exists(), reason="FER2013 lives in shared/data, beside the repository")
def test_public_test_faces_are_read_well_above_chance(model):
    with np.load(FER) as split:
        faces, labels = split["x"][::6], split["y"][::6]  # every class (the split is sorted by label)
    predicted = model.predict(faces)
    assert all(set(p) == set(FER_LABELS) and abs(sum(p.values()) - 1) < 1e-4 for p in predicted)
    accuracy = np.mean([max(p, key=p.get) == FER_LABELS[y] for p, y in zip(predicted, labels)])
    assert accuracy > 0.6  # the full split's figure is in model/vision/README.md (python -m ml.vision.evaluate)


def test_with_the_mirror_a_face_and_its_mirror_image_read_the_same():
    model = ExpressionModel(mirror=True)
    rng = np.random.default_rng(0)
    faces = rng.integers(0, 256, (4, 48, 48), dtype=np.uint8)
    plain, mirrored = model.predict(faces), model.predict(np.ascontiguousarray(faces[:, :, ::-1]))
    for a, b in zip(plain, mirrored):
        assert a == pytest.approx(b, abs=1e-5)


@pytest.mark.parametrize(
    "faces",
    [
        np.zeros((2, 48, 48), dtype=np.float32),
        np.zeros((2, 64, 64), dtype=np.uint8),
        np.zeros((48, 48), dtype=np.uint8),
    ],
)
def test_faces_not_in_fer_layout_are_a_clear_error(model, faces):
    with pytest.raises(ValueError, match=r"uint8 \(N, 48, 48\)"):
        model.predict(faces)


def test_a_smiling_portrait_reads_happy():
    data = pytest.importorskip("skimage.data", reason="scikit-image ships the public-domain test photos")
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buffer, format="JPEG")
    (found,) = analyse_image(buffer.getvalue())
    assert max(found.probabilities, key=found.probabilities.get) == "happy"
    assert found.face.width > 70 and found.face.score > 0.8


def test_reading_faces_needs_no_torch(tmp_path):
    import subprocess
    import sys

    data = pytest.importorskip("skimage.data", reason="scikit-image ships the public-domain test photos")
    from PIL import Image

    photo = tmp_path / "astronaut.png"
    Image.fromarray(data.astronaut()).save(photo)
    code = (
        "import sys; from pathlib import Path; from ml.vision import analyse_image\n"
        f"found = analyse_image(Path({str(photo)!r}).read_bytes())\n"
        "print(len(found), 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["1", "False"]
