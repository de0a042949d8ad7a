"""recontui: keep a billing system and an accounting ledger in agreement."""

__version__ = "0.1.0"
