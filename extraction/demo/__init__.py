"""The demo review's extraction: its studies, its own form and entries, outcome data and
risk-of-bias judgements.

Illustrative data written by us; ``workspace.demo`` calls each in turn.
"""
