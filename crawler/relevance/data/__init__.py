"""The shipped topic profile (`topic_russia_hamas.toml`): entity groups, aliases per language and scoring weights,
read by `crawler.relevance.profile`. Data only; a user points `topic.profile` at their own copy to change it.
"""
