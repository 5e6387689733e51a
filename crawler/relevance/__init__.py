"""relevance: does a document cover Russia–Hamas relations? The topic profile (user-editable TOML), the
morphology of Hebrew prefixes, Arabic clitics and Russian inflection, term matching, and scoring that tells a
relation from co-occurrence and explains itself.

Pure: imports only `crawler.model` and `crawler.textnorm`; never Scrapy, the web framework or the database.
`python -m crawler.relevance FILE.jsonl` is the stable line interface (`crawler.relevance.assess`).
"""
