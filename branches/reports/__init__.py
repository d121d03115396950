"""Activity records (三会一课), compliance with the required frequencies, and monthly reports.

A plain package of the ``branches`` app (not an app of its own): models live in
``branches/models/activities.py`` and ``branches/models/reports.py``.
"""
