"""incubator-tui: monthly norms and annual star ratings for social-organisation incubation centres."""

__version__ = "0.4.0"
