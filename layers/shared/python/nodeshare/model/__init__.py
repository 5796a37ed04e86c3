"""Plain data the rest of the code shares: entities, access levels and domain errors.

This package imports nothing of nodeshare's, so the store (below the use cases) and the domain
(above the store) can both use it without importing each other.
"""
