"""Whole-response cache for anonymous GETs, keyed by a catalog version that every write bumps.

See ``sitecache.version`` (the counter) and ``sitecache.middleware`` (the cache itself).
"""
