"""The review workspace: what spans the stages (the dashboard, review creation, the history
page, the demo), above every stage app."""
