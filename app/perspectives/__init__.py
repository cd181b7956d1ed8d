"""Team perspectives: colleagues and partners answer the perception questions by a private link
of their own (no account); the officer sees where views diverge and settles the answers.

The blueprint lives in ``app.perspectives.views`` (imported by the application factory).
"""
