"""One libcst transform per module, each with a rule code (LS001...). No UI."""
