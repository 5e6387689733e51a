"""Spiders: one NewsSpider machinery (base.py) and one short declaration per outlet."""
