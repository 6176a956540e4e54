"""Project-wide API plumbing, used by every app's `api/` package: error responses and schema
builder (schema.py), viewset mixins (views.py), strict serializers (serializers.py), filters
(filters.py), cursor pagination, throttling, `Idempotency-Key` handling, and the /api/v1/ router
(urls.py). It imports no domain app."""
