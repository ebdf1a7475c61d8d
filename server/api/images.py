"""Faces in a photo: ``POST /api/v1/images`` reads each face's expression; the photo is read in memory, never kept.

Served by the web process itself: detection (OpenCV) and the expression model (onnxruntime) need no torch.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from flask_openapi3 import FileStorage
from limits import parse

from ml.fusion import face_labels
from server.api.access import bp, enforce
from server.api.contract import UPLOADS, errors, read_upload, upload_bytes
from server.api.errors import ApiError
from server.api.schemas import FaceBox, FaceOut, FacesOut, FacesQuery, ImageForm

UPLOADS["api.read_image"] = "IMAGE_MAX_MB"
NO_FACE = "No face was found in the photo (faces under 24 pixels, turned away or covered are not read)."


def faces_in(file: FileStorage) -> tuple[Any, list]:
    """The uploaded photo (RGB) and its faces, each with its expression; the upload is closed, so deleted.

    413 ``image_too_large`` and 422 ``image_unreadable`` as ``ml.vision.decode_image`` finds them. Counts towards
    the caller's limit of photos read.
    """
    # Imported here: a web process that never reads a photo loads neither numpy nor the models.
    from ml.vision import ImageError, decode_image, read_faces

    enforce(parse(current_app.config["JOB_START_LIMIT"]), "image-reads", g.principal.rate_key)
    try:
        rgb = decode_image(read_upload(file), max_bytes=upload_bytes("IMAGE_MAX_MB"))
    except ImageError as error:
        raise ApiError(413 if error.code == "image_too_large" else 422, error.code, str(error)) from None
    return rgb, read_faces(rgb)


@bp.post(
    "/images",
    responses={
        200: FacesOut,
        **errors(
            e400="No file",
            e401="Missing or invalid API key",
            e429="Too many photos read, or failed authentications",
            e413="image_too_large: over IMAGE_MAX_MB, or too many pixels (a decompression bomb)",
            e415="Body is not multipart/form-data",
            e422="image_unreadable (not an image of a known format, or truncated), or no_face_found",
        ),
    },
)
def read_image(form: ImageForm, query: FacesQuery):
    """Find the faces in a photo and read each one's expression; ``?overlay=1``: the photo with them drawn (PNG)."""
    from ml.vision import draw_faces, expression_model

    rgb, found = faces_in(form.file)
    if not found:
        raise ApiError(422, "no_face_found", NO_FACE)
    if query.overlay:
        return draw_faces(rgb, found), 200, {"Content-Type": "image/png", "Cache-Control": "no-store"}
    faces = [
        FaceOut(
            box=FaceBox(x=item.face.x, y=item.face.y, width=item.face.width, height=item.face.height),
            score=item.face.score,
            expression=max(item.probabilities, key=item.probabilities.__getitem__),
            expressions=item.probabilities,
            emotions={label: round(p, 6) for label, p in face_labels([item.probabilities]).items()},
        )  # fmt: skip
        for item in found
    ]
    height, width = rgb.shape[:2]
    result = FacesOut(width=width, height=height, faces=faces, model_version=expression_model().version)
    return result.model_dump(mode="json")
