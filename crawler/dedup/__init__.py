"""dedup: one story once. URL identity (canonical forms and working links), text fingerprints (exact hashes,
MinHash signatures) with the near-duplicate index, and versions of edited articles with change summaries.

Pure: imports only `crawler.textnorm` and its hashing libraries; never Scrapy, the web framework or the
database (the processor in `crawler.fetch` stores what it decides).
"""
