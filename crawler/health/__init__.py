"""health: is each source still delivering? The rating of a source from its recorded runs and failures
(healthy, degraded, failing, blocked), with the reason.

Pure: imports only `crawler.config`; the store (`storage.health_repo`) loads its inputs and keeps its state, and
`crawler.notify` tells people when it changes.
"""
