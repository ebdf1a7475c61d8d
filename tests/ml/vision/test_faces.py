"""Faces in photos: YuNet finds the face in a public-domain portrait and none in photos without people."""

from __future__ import annotations

import numpy as np
import pytest

from ml.vision import FaceDetector, crop_faces

data = pytest.importorskip("skimage.data", reason="scikit-image ships the public-domain test photos")


@pytest.fixture(scope="module")
def detector():
    return FaceDetector()


def test_the_astronauts_face_is_found_and_cropped_as_fer_frames_faces(detector):
    photo = data.astronaut()  # Eileen Collins, NASA: public domain
    (face,) = detector.detect(photo)
    assert 150 < face.x < 210 and 40 < face.y < 90 and 70 < face.width < 120 and face.score > 0.8
    crops = crop_faces(photo, [face])
    assert crops.shape == (1, 48, 48) and crops.dtype == np.uint8 and crops.std() > 20


def test_boxes_are_in_the_photos_pixels_whatever_its_size(detector):
    photo = np.kron(data.astronaut(), np.ones((3, 3, 1), dtype=np.uint8))  # 1536x1536: detected at 640
    (face,) = detector.detect(photo)
    assert 450 < face.x < 630 and 210 < face.width < 360


@pytest.mark.parametrize("name", ["coffee", "chelsea", "rocket"])
def test_photos_without_people_have_no_faces(detector, name):
    assert detector.detect(getattr(data, name)()) == []


def test_a_face_at_the_edge_is_padded_not_cut():
    from ml.vision.faces import Face

    photo = np.full((100, 100, 3), 128, dtype=np.uint8)
    crops = crop_faces(photo, [Face(x=-0, y=0, width=40, height=40, score=0.9), Face(80, 80, 20, 20, 0.9)])
    assert crops.shape == (2, 48, 48) and (crops == 128).all()
    assert crop_faces(photo, []).shape == (0, 48, 48)
