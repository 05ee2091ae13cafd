"""Seasons of circles: registration, composition by the engine, the proposal."""
