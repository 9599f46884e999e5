"""Paper sources. Each module has pure ``parse_*`` functions and a thin ``fetch``."""
