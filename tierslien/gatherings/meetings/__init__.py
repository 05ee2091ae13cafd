"""Themed meetings ("rencontres à thème"): contributors, fair seats, the table plan.

Modules by area (each one's views, forms and urls beside it):
- lifecycle: the meeting's states and allowed moves (checked here alone);
- access: the one way to fetch a meeting, an application, a contributor;
- services, contributors, views, forms, urls, feeds: creating and editing a
  meeting, inviting contributors, the public pages and the iCalendar feed;
- applications, allocation, waitlist, notifications, seat_*: applying, quotas,
  the published seed and the draw, probabilities, the waitlist, emails;
- day/: the table plan over rotations (computed by `gatherings.tables`), printing,
  projection, check-in.
"""
