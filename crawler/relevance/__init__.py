"""relevance: does a document cover Russia–Hamas relations? The topic profile (user-editable TOML), the
morphology of Hebrew prefixes, Arabic clitics and Russian inflection, term matching, and scoring that tells a
relation from co-occurrence and explains itself.

Modules: profile (the TOML profile), morphology and match (finding aliases), datelines and mentions (mentions
that are no side acting: wire datelines, nationalities, source credits, Hamas in passing), sentences, links,
evidence and scoring (from hits to an explained score), assess (the public `score` and the JSONL interface).

Pure: imports only `crawler.model` and `crawler.textnorm`; never Scrapy, the web framework or the database.
`python -m crawler.relevance FILE.jsonl` is the stable line interface (`crawler.relevance.assess`).
"""
