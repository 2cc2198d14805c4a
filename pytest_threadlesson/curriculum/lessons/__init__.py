"""Lesson data for each kata: title, tutorial section, diagnosis, hints and explanation."""
