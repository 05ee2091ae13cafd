"""Gatherings: one-off meetings of a territory: discovery evenings and themed meetings.

A discovery evening is one night, tables of 4-5, several 30-minute rounds,
re-mixed between rounds. Attendees check in at the door on the facilitator's
device; the engine composes every round's tables at once; a projection view
shows them; everything about the evening except its date, venue and head
count is deleted 30 days later. Themed meetings live in `meetings/` (docs/meetings.md).
"""
