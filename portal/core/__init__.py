"""What every domain shares: time, htmx helpers, pagination, column types."""
