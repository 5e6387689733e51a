"""cli: the `coverwatch` command line. `app` holds the core commands (crawl, run, extract, relevance, sources,
articles, db, config); each feature adds its own commands from one module here (digest and serve, probe,
schedule, scrapyd, check); `output` prints for people (tables) and machines (JSON). Errors at the edges
become one line and a non-zero exit (codes in crawler/exit_codes.py).

The top of the house: it may import every stage; nothing imports it.
"""

from crawler.cli.app import main

__all__ = ["main"]
