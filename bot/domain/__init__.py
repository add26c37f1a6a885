"""Rally's domain: models, rules and errors. Plain Python: no Discord, no I/O."""
