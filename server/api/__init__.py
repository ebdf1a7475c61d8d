"""HTTP only: the JSON API under ``/api/v1``, the hackathon frontend's legacy routes, and the admin routes.

``schemas`` is the contract (every request and response as a pydantic model, from which the OpenAPI document is
generated) and ``contract`` fits it to Flask; ``access`` checks keys and visibility; one module per resource
(``analyses``, ``recommendations``, ``accounts``, ``service``: jobs, health and the document) holds its routes.
"""

from flask_openapi3 import OpenAPI


def register(app: OpenAPI) -> None:
    """Add every route of the API to the app."""
    from server.api import (  # noqa: F401
        access,
        accounts,
        admin,
        analyses,
        archives,
        emotions,
        images,
        recommendations,
        service,
        timeline,
        topics,
    )

    app.register_api(access.bp)
    app.register_api(access.legacy)
    admin.register(app)
