#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    # A bare checkout (no .env, no DEBUG, no SECRET_KEY) is a developer's
    # machine: management commands run with DEBUG on, as `make` does. The web
    # server (wsgi.py) still refuses to start without a SECRET_KEY.
    here = os.path.dirname(os.path.abspath(__file__))
    bare = not os.path.exists(os.path.join(here, ".env"))
    if bare and "DEBUG" not in os.environ and "SECRET_KEY" not in os.environ:
        os.environ["DEBUG"] = "1"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
