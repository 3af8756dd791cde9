from celery import shared_task

from bets.services import settle_pending


@shared_task(acks_late=True)
def settle_bets() -> int:
    """Settle what the results allow and record closing lines of started events. Idempotent."""
    return settle_pending(via="task")
