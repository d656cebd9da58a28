"""Rendering (tables, JSON, CSV) and plots. Pure: returns strings or writes files it is given."""
