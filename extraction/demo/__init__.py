"""The demo review's extraction: filled forms, outcome data and risk-of-bias judgements.

Illustrative data written by us; ``workspace.demo`` calls each in turn.
"""
