"""Sites as crawls find them: one row per blog home, facts never blanked."""

from __future__ import annotations

from sqlite_utils import Database

from archiver.store.sql import clean_names, to_json, utc_now


class SiteRows:
    """The sites table (a part of Archive)."""

    db: Database

    def upsert_site(
        self,
        *,
        url: str,
        title: str | None,
        engine: str | None,
        theme: str | None,
        feeds: list[str],
        sitemaps: list[str],
        lang: str | None,
    ) -> int:
        """Insert or update the site whose home is `url` (known facts are never blanked); returns its id."""
        now = utc_now()
        with self.db.atomic():
            row = self.db.conn.execute(
                """INSERT INTO sites(url, title, engine, theme, lang, feeds, sitemaps, first_seen, last_crawled)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(url) DO UPDATE SET
                     title = COALESCE(excluded.title, sites.title),
                     engine = COALESCE(excluded.engine, sites.engine),
                     theme = COALESCE(excluded.theme, sites.theme),
                     lang = COALESCE(excluded.lang, sites.lang),
                     feeds = CASE WHEN excluded.feeds = '[]' THEN sites.feeds ELSE excluded.feeds END,
                     sitemaps = CASE WHEN excluded.sitemaps = '[]' THEN sites.sitemaps ELSE excluded.sitemaps END,
                     last_crawled = excluded.last_crawled
                   RETURNING id""",
                [
                    url,
                    title or None,
                    engine or None,
                    theme or None,
                    lang or None,
                    to_json(clean_names(feeds)),
                    to_json(clean_names(sitemaps)),
                    now,
                    now,
                ],
            ).fetchone()
        return int(row[0])

    def sites(self) -> list[dict]:
        """Every site row, by id."""
        cursor = self.db.conn.execute("SELECT * FROM sites ORDER BY id")
        columns = [description[0] for description in cursor.description]
        return [dict(zip(columns, values, strict=True)) for values in cursor]
