"""The HTTP edge, by job: the wire's schemas and casing (`schemas`), request bodies (`body`), API
versions (`versions`), versioned responses and list envelopes (`rendering`) and the ASGI middleware
that stands in front of every route (`middleware`).

Domains import what they need from here; nothing here imports a domain.
"""
