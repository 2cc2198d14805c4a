"""Lesson data for each kata: title, lesson page and section, diagnosis, hints and explanation."""
