"""Doors into the system that are not pages: e-mail to the 137 centre (mail.py) and answers
from other city systems to waiting instances (partners.py). No engine hooks of their own."""
