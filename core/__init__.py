"""Infrastructure shared by every domain package: settings, database, Celery.

Imports nothing of ours.
"""
