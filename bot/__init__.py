"""loopbot: interview loops in Slack, driven by the hiring team's own documents."""
