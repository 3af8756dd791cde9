"""The beat schedule, in one place. django-celery-beat's DatabaseScheduler copies it into the
database, where the admin can change intervals or switch entries off."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "plan-collections": {"task": "odds.tasks.plan_collections", "schedule": 300.0},
    "refresh-sports": {"task": "odds.tasks.refresh_sports", "schedule": crontab(minute=3, hour=4)},
    "refresh-fixtures": {"task": "odds.tasks.refresh_fixtures", "schedule": crontab(minute=7, hour="*/6")},
    "collect-scores": {"task": "odds.tasks.collect_scores", "schedule": crontab(minute="*/30")},
    "demo-tick": {"task": "odds.tasks.demo_tick", "schedule": 60.0},
    # A full pass also expires what started or vanished without a collection to trigger it.
    "detect-opportunities": {"task": "opportunities.tasks.detect_opportunities", "schedule": 600.0},
    "settle-bets": {"task": "bets.tasks.settle_bets", "schedule": crontab(minute="*/15")},
    "send-pending-alerts": {"task": "opportunities.tasks.send_pending_alerts", "schedule": 300.0},
    "resume-backtests": {"task": "opportunities.tasks.resume_backtests", "schedule": 120.0},
}
