"""Batch checks: read request tables in chunks (:mod:`.readers`), turn columns into
request arrays (:mod:`.requests`), answer them on the single-check engine
(:mod:`.engine`: day plans, place keys, answers) and write one row per input row
(:mod:`.writer`, :mod:`.run`)."""
