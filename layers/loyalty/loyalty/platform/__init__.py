"""Runtime plumbing shared by every function: settings, Powertools, program source, event publishing."""
