#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Writing or checking migrations signs nothing and serves no one: on a bare
    # checkout (no .env, no SECRET_KEY, no DEBUG) it runs as a developer's
    # machine would. Every other command still refuses to start without a key.
    here = os.path.dirname(os.path.abspath(__file__))
    if (
        sys.argv[1:2] == ["makemigrations"]
        and not os.path.exists(os.path.join(here, ".env"))
        and not {"SECRET_KEY", "DEBUG"} & set(os.environ)
    ):
        os.environ["DEBUG"] = "1"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
