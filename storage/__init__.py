"""Storage: the declarative base, engines, units of work, migrations and the people table.

Imports no other package of the project: everything else builds on it.
"""
