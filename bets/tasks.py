from celery import shared_task

from bets import demo
from bets.services import settle_pending


@shared_task(acks_late=True)
def settle_bets() -> int:
    """Settle what the results allow and record closing lines of started events. Idempotent."""
    return settle_pending(via="task")


@shared_task(acks_late=True)
def limit_demo_bettor() -> int | None:
    """The demo market's soft book limits the demo bettor once they have won enough there."""
    limit = demo.limit_demo_bettor()
    return None if limit is None else limit.pk
