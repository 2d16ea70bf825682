"""The debrief: the channel summary, the hiring manager's decision, and the exported record."""
