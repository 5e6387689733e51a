"""coverwatch: watch news outlets for one topic and hand analysts a clean daily digest."""

__version__ = "0.1.0"
