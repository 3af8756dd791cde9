from django.db import migrations

from ops.timescale import TimescaleSQL, compression_sql

# Compressed odds history in batches of rows in (selection, bookmaker, time) order, with no segments:
# a (selection, bookmaker) pair has a handful of rows per daily chunk, so segments by pair (0002) held
# a few rows each and compressed to more bytes than the plain rows; batches in this order hold many
# similar rows and compress well. Reads by selection find their batches by the selection range kept
# with each batch, so one event's history stays cheap to read however long history grows. Chunks
# compressed before keep the old layout until recompressed.
IN_ORDER = compression_sql(
    "odds_pricehistory", segmentby=(), orderby="selection_id, bookmaker_id, observed_at DESC"
)
BY_PAIR = compression_sql("odds_pricehistory", segmentby=("selection_id", "bookmaker_id"), orderby="observed_at DESC")


class Migration(migrations.Migration):
    dependencies = [("odds", "0008_event_odds_digest")]

    operations = [TimescaleSQL([IN_ORDER], reverse_sql=[BY_PAIR])]
