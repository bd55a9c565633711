"""Loyalty platform shared layer: domain rules, storage models and the Powertools setup."""
