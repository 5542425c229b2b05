"""What people and programs see: the JSON form (:mod:`.json`), words for verdicts
(:mod:`.words`), terminal output (:mod:`.terminal`), maps (:mod:`.maps`) and calendars
(:mod:`.ics`)."""
