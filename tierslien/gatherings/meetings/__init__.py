"""Themed meetings ("rencontres à thème"), split by what a person does.

- core/: the meeting itself and its contributors (lifecycle: states and allowed moves,
  checked there alone; access: the one way to fetch a meeting, an application, a
  contributor; services, contributors, views, forms, urls, pages, feeds: creating and
  editing a meeting, inviting contributors, the public pages and the iCalendar feed);
- seats/: applying, quotas (quotas), the published seed (seed) and the draw (draw, a
  background job on `lib/jobs.py`), probabilities, the
  waitlist, the published files (disclosure), emails about seats (notifications);
- day/: the table plan over rotations (computed by `gatherings.tables`), printing,
  projection, check-in.
`urls` is the root of the meetings' addresses: it includes core's, seats' and the day's.
"""
