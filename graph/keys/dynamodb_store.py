"""A key store for a fleet: the data keys, wrapped, in an Amazon DynamoDB table that every API
instance shares (THREADLINE_KEY_STORE=dynamodb:TABLE, beside an AWS KMS master key), so the API
instances stay stateless. Two kinds of item, both read with strongly consistent reads (a key
made by one instance opens at once on another):

- `id = <data key id>`: `owner`, `wrappedBy` (the KEK or master key that wrapped it), `wrapped`;
- `id = owner#<owner>`: `current` (their newest key) and `keys` (every key id they ever had: what
  an erasure deletes).

Deleted items are gone from the table at once; the table's own backups (point-in-time recovery
keeps up to 35 days) must expire within the erasure deadline, as any key store backup. The table
is created on first use when missing (on-demand capacity), or made beforehand by the operator
with a string partition key `id`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from graph.keys.master import MasterKeyError, WrappedKey, aws_client

OWNER_ITEM = "owner#"
BATCH_GET = 100  # DynamoDB's BatchGetItem limit


class DynamoDbKeyStore:
    def __init__(self, table: str, *, endpoint_url: str | None = None, client: Any = None) -> None:
        if client is None:
            client = aws_client("dynamodb", endpoint_url, "a DynamoDB key store")
        self._client, self.table = client, table  # boto3 clients are thread-safe
        try:
            self._ensure_table()
        except MasterKeyError:
            raise
        except Exception as error:  # botocore's errors: no access, no network
            raise MasterKeyError(f"DynamoDB key store {table!r}: {error}") from error

    def _ensure_table(self) -> None:
        client = self._client
        try:
            client.describe_table(TableName=self.table)
            return
        except client.exceptions.ResourceNotFoundException:
            pass
        client.create_table(
            TableName=self.table,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        client.get_waiter("table_exists").wait(TableName=self.table)

    def close(self) -> None:
        self._client.close()

    def wrapped_for(self, owner: str) -> tuple[str, WrappedKey] | None:
        pointer = self._get(OWNER_ITEM + owner)
        if pointer is None:
            return None
        key_id = pointer["current"]["S"]
        found = self.wrapped([key_id]).get(key_id)
        return (key_id, found) if found is not None else None

    def wrapped(self, key_ids: Iterable[str]) -> dict[str, WrappedKey]:
        ids = sorted(set(key_ids))
        found: dict[str, WrappedKey] = {}
        for start in range(0, len(ids), BATCH_GET):
            wanted: dict[str, Any] = {
                self.table: {
                    "Keys": [{"id": {"S": i}} for i in ids[start : start + BATCH_GET]],
                    "ConsistentRead": True,
                }
            }
            while wanted:
                answer = self._client.batch_get_item(RequestItems=wanted)
                for item in answer["Responses"].get(self.table, []):
                    found[item["id"]["S"]] = _wrapped(item)
                wanted = answer.get("UnprocessedKeys") or {}
        return found

    def add(self, key_id: str, owner: str, wrapped: WrappedKey) -> None:
        self._client.put_item(
            TableName=self.table,
            Item={
                "id": {"S": key_id},
                "owner": {"S": owner},
                "wrappedBy": {"S": wrapped.master_key_id},
                "wrapped": {"B": wrapped.blob},
                "createdAt": {"S": _now()},
            },
            ConditionExpression="attribute_not_exists(id)",
        )
        self._client.update_item(  # the owner's newest key, and one more to erase with them
            TableName=self.table,
            Key={"id": {"S": OWNER_ITEM + owner}},
            UpdateExpression="SET #current = :id ADD #keys :ids",
            ExpressionAttributeNames={"#current": "current", "#keys": "keys"},
            ExpressionAttributeValues={":id": {"S": key_id}, ":ids": {"SS": [key_id]}},
        )

    def add_many(self, keys: list[tuple[str, str, WrappedKey]]) -> None:
        for key_id, owner, wrapped in keys:  # each needs its owner's item updated too
            self.add(key_id, owner, wrapped)

    def destroy(self, owners: Iterable[str]) -> int:
        destroyed = 0
        for owner in sorted(set(owners)):
            pointer = self._get(OWNER_ITEM + owner)
            if pointer is None:
                continue
            for key_id in pointer.get("keys", {}).get("SS", []):
                answer = self._client.delete_item(
                    TableName=self.table, Key={"id": {"S": key_id}}, ReturnValues="ALL_OLD"
                )
                destroyed += 1 if answer.get("Attributes") else 0
            self._client.delete_item(TableName=self.table, Key={"id": {"S": OWNER_ITEM + owner}})
        return destroyed

    def count(self) -> int:
        total, start = 0, None
        while True:
            page = self._scan(Select="COUNT", start=start)
            total += int(page["Count"])
            start = page.get("LastEvaluatedKey")
            if start is None:
                return total

    def page(self, after: str, limit: int) -> list[tuple[str, WrappedKey]]:
        """Keys in the table's scan order, resuming after the key `after` (its last page's last
        id; "" from the start): the order is stable, so a rewrap resumes where it stopped."""
        start = {"id": {"S": after}} if after else None
        rows: list[tuple[str, WrappedKey]] = []
        while len(rows) < limit:
            answer = self._scan(Limit=limit - len(rows), start=start)
            rows += [(item["id"]["S"], _wrapped(item)) for item in answer["Items"]]
            start = answer.get("LastEvaluatedKey")
            if start is None:
                break
        return rows

    def replace_wrapped(self, key_id: str, old: WrappedKey, new: WrappedKey) -> bool:
        client = self._client
        try:
            client.update_item(
                TableName=self.table,
                Key={"id": {"S": key_id}},
                UpdateExpression="SET #by = :newBy, #wrapped = :new",
                ConditionExpression="#by = :oldBy AND #wrapped = :old",
                ExpressionAttributeNames={"#by": "wrappedBy", "#wrapped": "wrapped"},
                ExpressionAttributeValues={
                    ":newBy": {"S": new.master_key_id},
                    ":new": {"B": new.blob},
                    ":oldBy": {"S": old.master_key_id},
                    ":old": {"B": old.blob},
                },
            )
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def _get(self, item_id: str) -> dict[str, Any] | None:
        answer = self._client.get_item(
            TableName=self.table, Key={"id": {"S": item_id}}, ConsistentRead=True
        )
        item: dict[str, Any] | None = answer.get("Item")
        return item

    def _scan(self, *, start: dict[str, Any] | None, **options: Any) -> dict[str, Any]:
        """A page of data key items (owner pointers left out), consistent."""
        if start is not None:
            options["ExclusiveStartKey"] = start
        answer: dict[str, Any] = self._client.scan(
            TableName=self.table,
            ConsistentRead=True,
            FilterExpression="attribute_exists(#wrapped)",
            ExpressionAttributeNames={"#wrapped": "wrapped"},
            **options,
        )
        return answer


def _wrapped(item: dict[str, Any]) -> WrappedKey:
    return WrappedKey(item["wrappedBy"]["S"], bytes(item["wrapped"]["B"]))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
