"""Rules as data: the model of cited documents, rules, fines and hotlines; the loader of
the TOML files (``firecheck/data/rules``); the activity vocabulary."""
