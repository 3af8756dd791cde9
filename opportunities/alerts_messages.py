"""What an alert says: one opportunity, or a digest of one pass's many (best edges first), as e-mail
text, as a webhook's JSON (Slack's ``text``, Discord's ``content``, and the opportunities) and as
Telegram's sendMessage."""

from __future__ import annotations

from opportunities.models import Alert, Opportunity

DIGEST_LISTED = 10  # a digest lists the best this many; the rest are counted
DISCORD_CONTENT_LIMIT = 2000  # Discord refuses a longer content
TELEGRAM_TEXT_LIMIT = 4096  # sendMessage refuses a longer text


def alert_text(opportunity: Opportunity) -> str:
    event = opportunity.event
    return (
        f"Value: {opportunity.outcome}{_point(opportunity)} ({opportunity.market}) @ {opportunity.price} at "
        f"{opportunity.bookmaker.title}, fair {opportunity.fair_price}, edge {opportunity.edge:.2%}, "
        f"stake {opportunity.suggested_stake}. {event.home_team} v {event.away_team}, "
        f"{event.commence_time:%Y-%m-%d %H:%M} UTC. Strategy {opportunity.strategy.name}."
    )


def digest_line(opportunity: Opportunity) -> str:
    event = opportunity.event
    return (
        f"edge {opportunity.edge:.2%}: {opportunity.outcome}{_point(opportunity)} ({opportunity.market}) "
        f"@ {opportunity.price} at {opportunity.bookmaker.title}, {event.home_team} v {event.away_team} "
        f"{event.commence_time:%m-%d %H:%M}"
    )


def unlisted(alert: Alert) -> int:
    """How many of a digest's opportunities it does not list."""
    return alert.opportunity_count - len(alert.listed) if alert.is_digest else 0


def message_text(alert: Alert, opportunities: list[Opportunity]) -> str:
    """``opportunities``: the alert's, best edge first (a digest's listed ones that still exist)."""
    if not alert.is_digest:
        return alert_text(opportunities[0])
    lines = [
        f"{alert.opportunity_count} new opportunities for strategy {opportunities[0].strategy.name}, best edges first:",
        *(digest_line(opportunity) for opportunity in opportunities),
    ]
    if more := unlisted(alert):
        lines.append(f"… and {more} more on the opportunities page.")
    return "\n".join(lines)


def subject(alert: Alert, opportunities: list[Opportunity]) -> str:
    best = opportunities[0]
    if alert.is_digest:
        return f"monps: {alert.opportunity_count} new opportunities, best edge {best.edge:.1%}"
    return f"monps: {best.outcome} edge {best.edge:.1%}"


def opportunity_json(opportunity: Opportunity) -> dict[str, object]:
    return {
        "id": opportunity.pk,
        "event_id": opportunity.event_id,
        "event": str(opportunity.event),
        "commence_time": opportunity.event.commence_time.isoformat(),
        "market": opportunity.market,
        "outcome": opportunity.outcome,
        "point": str(opportunity.point) if opportunity.point is not None else None,
        "bookmaker": opportunity.bookmaker.key,
        "price": str(opportunity.price),
        "fair_price": str(opportunity.fair_price),
        "edge": str(opportunity.edge),
        "suggested_stake": str(opportunity.suggested_stake),
        "strategy": opportunity.strategy.name,
    }


def webhook_payload(alert: Alert, opportunities: list[Opportunity]) -> dict[str, object]:
    text = message_text(alert, opportunities)
    payload: dict[str, object] = {
        "idempotency_key": str(alert.idempotency_key),  # also the Idempotency-Key header
        "text": text,  # Slack and most chat webhooks
        "content": text[:DISCORD_CONTENT_LIMIT],  # Discord
    }
    if alert.is_digest:
        payload["digest"] = {
            "strategy": opportunities[0].strategy.name,
            "count": alert.opportunity_count,
            "unlisted": unlisted(alert),
            "opportunities": [opportunity_json(opportunity) for opportunity in opportunities],
        }
    else:
        payload["opportunity"] = opportunity_json(opportunities[0])
    return payload


def telegram_payload(alert: Alert, opportunities: list[Opportunity]) -> dict[str, object]:
    """sendMessage's body: plain text (no parse_mode, so nothing in a team's name needs escaping)."""
    return {
        "chat_id": alert.target,
        "text": message_text(alert, opportunities)[:TELEGRAM_TEXT_LIMIT],
        "link_preview_options": {"is_disabled": True},
    }


def _point(opportunity: Opportunity) -> str:
    return f" {opportunity.point:+}" if opportunity.point is not None else ""
