"""The day of a themed meeting: the table plan over rotations, printing, projection, check-in.

pages (reads: who is expected, the stored plan, the day's counts), services (writes:
composing the plan, the door, the timer, the end), views, forms, urls. The plan itself is
computed by `tierslien.gatherings.tables` (hosted tables), shared with evenings.
"""
