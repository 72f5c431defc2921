"""Chat features (routines, reports, insights...): they call services and return replies;
no SQL, no sqlalchemy, no ledger appends."""
