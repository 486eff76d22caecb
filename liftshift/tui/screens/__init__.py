"""One screen per step of the migration; each is reachable directly (app modes)."""
