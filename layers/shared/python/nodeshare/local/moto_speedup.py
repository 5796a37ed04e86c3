"""Emulator wall time only: one backup per table in moto's TransactWriteItems.

moto backs up a table before a transaction so a failed condition can restore it, but it does so
once per transaction item: accepting a request over 100 nodes deep-copies the nodes table and the
associations table 100 times each (seconds in the local stack; minutes at the bench's 10,000
items). The copies are all taken before any write and only the last one per table is kept
(moto 5.2.5, `DynamoDBBackend.transact_write_items`), so copying each table once and handing out
that copy is the same backup. Nothing a handler sends or receives changes. Applied to the local
stack's embedded emulator, which serves one request at a time (so one transaction at a time).
"""

from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any


def one_backup_per_table() -> None:
    import moto.dynamodb.models as models

    original = models.DynamoDBBackend.transact_write_items
    if getattr(original, "one_backup_per_table", False):
        return
    deepcopy = copy.deepcopy
    backups: dict[int, Any] = {}  # id(table) -> its copy, during one call (moto serves one at a time)

    def backup_once(obj: Any, memo: Any = None) -> Any:
        backup = backups.get(id(obj))
        return backup if backup is not None else deepcopy(obj, memo)

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        backups.clear()
        for item in transact_items:
            operation = next(iter(item.values()), None)
            table = self.tables.get(operation.get("TableName")) if isinstance(operation, dict) else None
            if table is not None and id(table) not in backups:
                backups[id(table)] = deepcopy(table)
        try:
            return original(self, transact_items)
        finally:
            backups.clear()

    transact_write_items.one_backup_per_table = True  # type: ignore[attr-defined]
    # The module's own `copy.deepcopy` (it also copies single items elsewhere: those pass through).
    models.copy = SimpleNamespace(deepcopy=backup_once)  # type: ignore[assignment]
    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
