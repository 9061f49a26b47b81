"""A small privacy-budget server compatible with the aumos privacy engine's budget API.

``POST /api/v1/privacy/budget/allocate`` debits a tenant's budget at once;
``GET /api/v1/privacy/budget/{tenant_id}`` reads it. The tenant comes from the Bearer
token. Run it with ``tabular-engine-privacy-engine serve``.
"""
