"""The diagnostic's engine, free of Flask and of the database.

``model`` (the questionnaire as frozen dataclasses), ``loader`` (YAML files to the model, every
problem with its file and line), ``conditions`` (the rule language: parse, evaluate, explain),
``types`` (one class per question type, found through a registry), ``answers`` (clean, skip logic,
repeat groups, consistency constraints), ``partners``, ``scoring``, ``recommend`` and ``report``
(the typed result a page shows and a database row stores).
"""
