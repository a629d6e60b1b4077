"""The HTTP edge, by job: the wire's schemas and casing (`schemas`), request bodies (`body`), API
versions (`versions`), versioned responses and list envelopes (`rendering`) and the ASGI middleware
that stands in front of every route (`middleware`), and what /openapi.json says beyond the routes' models
(`openapi`: each route's error codes, list parameters, keys and headers).

Domains import what they need from here; nothing here imports a domain.
"""
