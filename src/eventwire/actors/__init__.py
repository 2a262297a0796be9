"""Actors stage: mentions → resolved actors with country, sectors and role.

``resolve_actors`` is the stage entry; ``actor_for_span`` lets the quote and event stages
map a speaker or argument span ("he", "the spokesman") to the actor it refers to.
"""
from .resolve import actor_for_span, quoted_speakers, resolve_actors

__all__ = ["actor_for_span", "quoted_speakers", "resolve_actors"]
