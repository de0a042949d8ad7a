"""Keys only: a deletion is a decision whose screen says what the other side does
meanwhile (it keeps the record) and offers the three answers; i unlinks after a y."""

from __future__ import annotations

from pilot_steps import press
from textual.widgets import Static

from recontui.model.states import IGNORE_KEY
from recontui.tui.screens.conflicts import ConflictsScreen
from recontui.tui.screens.modals import ConfirmScreen
from recontui.tui.screens.resolve import ResolveScreen


async def delete_an_invoice_in_qbo(world) -> int:
    """A paired invoice without a conflict or a payment, deleted in QuickBooks, then a
    sync: the id of the delete conflict it opens."""
    paid = {
        ref.remote_id
        for p in world.store.links(world.profile.id, "payment")
        for line in (p.b_fields or {}).get("applied") or []
        for ref in [line.get("invoice")]
        if ref is not None
    }
    busy = {c.link_id for c in world.store.conflicts(world.profile.id)}
    link = next(
        link
        for link in world.store.links(world.profile.id, "invoice", where="state='paired'")
        if link.b_id not in paid and link.id not in busy
    )

    async def go() -> None:
        _, qbo = world.connectors()
        async with qbo:
            rec = await qbo.read("invoice", link.b_id)
            await qbo.deactivate("invoice", link.b_id, rec.version, idempotency_key="del")

    await go()
    await world.sync()
    return next(
        c.id
        for c in world.store.conflicts(world.profile.id, statuses=("open",))
        if c.link_id == link.id and c.kind == "delete"
    )


async def test_a_deletion_says_the_other_side_keeps_it_and_i_unlinks(world) -> None:
    conflict_id = await delete_an_invoice_in_qbo(world)
    async with world.app().run_test(size=(80, 24)) as pilot:
        await press(pilot, "c")
        queue = pilot.app.screen
        assert isinstance(queue, ConflictsScreen)
        await pilot.press(*["down"] * queue.ids.index(conflict_id))
        await press(pilot, "enter")
        screen = pilot.app.screen
        assert isinstance(screen, ResolveScreen)
        words = " ".join(str(w.render()) for w in screen.query(Static))
        assert "BILL keeps it until you decide" in " ".join(words.split())
        shown = {
            b.binding.action for k, b in screen.active_bindings.items() if b.enabled and k == "i"
        }
        assert shown == {"unlink"}, "on a deletion, i unlinks (a match conflict's ignore is off)"
        await press(pilot, "i")
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await press(pilot, "y")
        assert pilot.app.screen is screen
    conflict = world.store.conflict(conflict_id)
    assert conflict.status == "resolved" and IGNORE_KEY in (conflict.choices or {})
