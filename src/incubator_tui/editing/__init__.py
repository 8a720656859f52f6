"""Editors' state without a terminal: what is typed, committed, refused, waiting to be
saved or failed (:mod:`grid_model`), and the ordered queue that saves it (:mod:`save_queue`).

Nothing here imports Textual: the screens forward keys to these classes and
draw what they say; the tests drive them directly.  They sit between the
services (which they call, through the jobs) and the screens and widgets.
"""
