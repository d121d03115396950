"""Term renewal (换届) engine: ladder, procedure, election checks, calendar feed."""
