"""The schema's released revisions, in a module that imports nothing.

``db.py`` re-exports these (``db.SCHEMA_REVISIONS``, ``db.HEAD``); they live
here so that ``incubator-tui --version`` can name the schema without importing
SQLAlchemy (~0.1 s).  A new migration appends its revision here.
"""

# Every released schema revision, oldest first.  The last one is what this
# version of the app writes; a database at an unknown revision was made by a
# newer app and is refused, never altered.
SCHEMA_REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008")  # 0002: the application id (#7); 0003: cases (#9); 0004: checklist items' English names (#12); 0005: the exchange log (#11); 0006: ratings' publicity period and requests for review (#10); 0007: the score table's covering index dropped (#11); 0008: the score table's keys as unique indexes, the audit's imports indexed (#11)
HEAD = SCHEMA_REVISIONS[-1]
