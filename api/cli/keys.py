"""The master key of the person keys (graph/keys/):

threadline master-key init      # the local master key file, made if missing (make serve runs it)
threadline master-key rotate    # a new master key version; the key-encryption keys re-wrapped
threadline master-key rewrap    # re-wrap what is left (after an interruption, or a new KMS key)
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from api.cli.store import progress_bar

if TYPE_CHECKING:
    from graph.config import Settings


def cmd_master_key(args: argparse.Namespace, settings: Settings) -> int:
    from graph.keys.configured import create_master_key_file, key_store_for, master_key_for
    from graph.keys.keyring import rewrap_all
    from graph.keys.master import LocalMasterKey, MasterKeyError

    try:
        if args.action == "init":
            path = create_master_key_file(settings)
            print(f"master key: {path or settings.master_key}", file=sys.stderr)
            return 0
        master = master_key_for(settings)
        if args.action == "rotate":
            if not isinstance(master, LocalMasterKey):
                print(
                    "a KMS master key rotates in the KMS: point THREADLINE_MASTER_KEY at the new "
                    "key, then run `threadline master-key rewrap`",
                    file=sys.stderr,
                )
                return 2
            print(f"new master key version {master.rotate()}", file=sys.stderr)
        store = key_store_for(settings)
        show = progress_bar(store.count())
        done = rewrap_all(master, store, progress=lambda p: show(p.seen))
    except MasterKeyError as error:
        print(f"threadline: {error}", file=sys.stderr)
        return 2
    print(
        f"{done.rewrapped} of {done.seen} keys re-wrapped (key-encryption keys by "
        f"{master.current_id}, data keys from before them under a key-encryption key)",
        file=sys.stderr,
    )
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    master = commands.add_parser("master-key", help="the master key of the person keys")
    actions = master.add_subparsers(dest="action", required=True)
    actions.add_parser("init", help="make the local master key file if missing")
    actions.add_parser(
        "rotate", help="a new master key version; the key-encryption keys re-wrapped by it"
    )
    actions.add_parser("rewrap", help="re-wrap what the current master key has not wrapped yet")
    master.set_defaults(run=cmd_master_key)
