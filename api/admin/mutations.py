"""Admin mutations: erasure of a person."""

from __future__ import annotations

from typing import cast

import strawberry

from api.permissions import allow
from api.request import Info
from api.scalars import JSON
from graph.compliance.gdpr import erase_user


@strawberry.type
class AdminMutations:
    @strawberry.mutation(
        extensions=allow(),
        description="Erase a person completely (GDPR art. 17): user, merged users, identities, "
        "sessions, messages, events, attributes, tokens, merge records; shared entities keep "
        "others' mentions. Returns the counts deleted; an erasure ledger entry remains.",
    )
    async def erase_user(self, info: Info, user_id: strawberry.ID) -> JSON:
        principal = info.context.principal
        actor = principal.subject if principal else None
        erased = await erase_user(
            info.context.db, str(user_id), actor, info.context.audit.pseudonym_key
        )
        return cast(JSON, erased)
