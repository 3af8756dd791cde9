"""The odds screen's cells, one per bookmaker and built in one go: a page repeats them some 3,000 times
(10 events, 30 books, 7 outcomes and 3 margins), and cells made by template tags cost several times
the whole of the rest. Formatted by the filters of every page (``web.templatetags.monps``)."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from odds.screen import OutcomeRow, ScreenLine
from web.templatetags.monps import odds, pct, posneg, signed_pct

register = template.Library()

BEST = '<span class="best-mark" aria-hidden="true">▲</span><span class="visually-hidden"> best price</span>'
MISSING = '<td class="num missing">–</td>'


@register.simple_tag
def price_cells(row: OutcomeRow, bet_new: str, reference: int | None = None) -> SafeString:
    """A row's cell for each book of its line: the price as a link that opens the bet slip at
    ``bet_new`` filled with it (its target and swap are the table's), valued by the strategy chosen
    (``reference``, when one is), the best marked, the edge. The bookmaker's title and the link are
    escaped; the rest are our own numbers, classes and ids."""
    cells = []
    chosen = f"&reference={reference}" if reference else ""
    for cell in row.cells:
        if cell is None:
            cells.append(MISSING)
            continue
        href = escape(f"{bet_new}?{cell.slip}{chosen}")
        best, mark = (" best", BEST) if cell.best else ("", "")
        value = " value" if cell.value else ""
        cells.append(
            f'<td class="num{best}"><a class="price" id="{cell.dom_id}" href="{href}" hx-get="{href}">'
            f'<span class="book">{escape(cell.bookmaker.title)}</span> <span class="odds">{odds(cell.price)}</span>'
            f"{mark}{_net(cell.net_price)} "
            f'<span class="edge{value} {posneg(cell.edge)}">{signed_pct(cell.edge)}</span></a></td>'
        )
    return mark_safe("".join(cells))  # noqa: S308 - the title and the link escaped above, the rest our own


def _net(price: Decimal | None) -> str:
    """An exchange's price net of its commission, beside the quoted one."""
    return "" if price is None else f' <span class="net" title="after commission">net {odds(price)}</span>'


@register.simple_tag
def book_headers(line: ScreenLine) -> SafeString:
    """A line's column heading for each book, ★ for a sharp one."""
    return mark_safe(  # noqa: S308 - each title escaped
        "".join(
            f'<th scope="col" class="num">{escape(c.bookmaker.title)}{" ★" if c.bookmaker.is_sharp else ""}</th>'
            for c in line.books
        )
    )


@register.simple_tag
def margin_cells(line: ScreenLine) -> SafeString:
    """A line's margin at each book, "–" for a book that does not quote the whole line."""
    return mark_safe(  # noqa: S308 - each title escaped
        "".join(
            f'<td class="num"><span class="book">{escape(c.bookmaker.title)}</span> {pct(c.margin)}</td>'
            for c in line.books
        )
    )
