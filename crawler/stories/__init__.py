"""Story linking: reports of one event across outlets, languages and scripts become one story (pure stage).

Owns the actor lexicon (data/actors.toml), cross-script name keys (translit), the features of one report
(actors, name keys, numbers, links, time) and the linking decision with its evidence. Runs after dedup; it
imports no Scrapy, web framework or database: candidates come through the `CandidateSource` protocol, kept
in memory for `coverwatch stories FILE.jsonl` and in the store for the pipeline (storage/story_repo.py).
"""
