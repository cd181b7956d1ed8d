"""The action plan: built from a result's recommendations, reached through its private link.

The blueprint lives in ``app.plan.views`` (imported by the application factory), so that the
result page can import the plan's rows without importing the plan's views.
"""
