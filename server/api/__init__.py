"""HTTP only: the JSON API (routes, admin), its document, serialisation, validation and error shape."""
