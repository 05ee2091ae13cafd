"""The demo town Lienville, for development: not an app, no models.

`territory` builds the town (sectors, venues, synthetic people, the demo logins);
`meeting` adds one themed meeting. The `load_demo` command (in `tierslien.core`, an app
high enough to import every app the demo fills) runs both. Nothing in the apps imports
this package: it sits above them.
"""
