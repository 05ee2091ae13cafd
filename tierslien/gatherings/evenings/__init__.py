"""Discovery evenings: one night, tables of 4-5, several rounds re-mixed (see the app's docs).

access, forms, lifecycle, problem (attendees -> the engine's problem), questions (the
door's questions), services (every write), views, urls. The table plan itself is
computed by `tierslien.gatherings.tables`, shared with themed meetings.
"""
