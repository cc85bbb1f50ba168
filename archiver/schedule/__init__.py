"""Registered sites and their crawl schedules: parsing and due times, the foreground scheduler, and
crontab/systemd rendering for users who prefer the OS scheduler."""
