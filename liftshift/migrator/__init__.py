"""Code migration: the planner (scan -> plan), the codemod run as a change set of hunks, and
apply/undo with backups. No UI."""
