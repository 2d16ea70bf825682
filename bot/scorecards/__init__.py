"""Scorecards: written through modals, stored with every revision, blind until you submit."""
