"""The rule engine: ``evaluate(request, rules, zones) -> Verdict``, in two steps — locate
the place (:mod:`.locate`, date-independent geometry), then judge it on each day
(:mod:`.judge`). A single check, a date range and a batch share both."""
