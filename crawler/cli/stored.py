"""`coverwatch sources` and `coverwatch articles list|show`: what is configured and stored, for inspection. Registered by crawler.cli.app (PLUGIN_MODULES)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from crawler.cli.output import make_table


def register(app: typer.Typer) -> None:
    from crawler.cli.app import ConfigOption, _settings, console, edge_errors, out

    articles_app = typer.Typer(help="List and show stored articles.", no_args_is_help=True)
    app.add_typer(articles_app, name="articles")

    @app.command()
    @edge_errors
    def sources(config: Optional[Path] = ConfigOption, as_json: bool = typer.Option(False, "--json")) -> None:
        """List every outlet with its discovery routes and health."""
        from crawler.fetch.runner import open_store
        from spiders.registry import all_outlets
        from storage import repo

        settings = _settings(config)
        outlets = all_outlets(settings)
        _, sessions = open_store(settings)
        rows = []
        with sessions() as session:
            for name, outlet in sorted(outlets.items()):
                stored = repo.get_source(session, name)
                runs = repo.recent_runs(session, name, limit=1)
                rows.append(
                    {
                        "name": name,
                        "title": outlet.title,
                        "language": outlet.language or "multi",
                        "enabled": outlet.enabled,
                        "disabled_reason": outlet.disabled_reason,
                        "routes": outlet.routes,
                        "fetch_articles": outlet.fetch_articles,
                        "health": stored.health if stored else "unknown",
                        "health_reason": stored.health_reason if stored else "never crawled",
                        "last_run": runs[0].outcome if runs else None,
                    }
                )
        if as_json:
            out.print_json(json.dumps(rows))
            return
        table = make_table(out, "name", "lang", "enabled", "routes", "health", "reason", "last run", title="sources")
        for row in rows:
            table.add_row(
                row["name"], row["language"], "yes" if row["enabled"] else f"no ({row['disabled_reason'] or 'config'})",
                ", ".join(row["routes"]) + ("" if row["fetch_articles"] else " (metadata only)"),
                row["health"], row["health_reason"] or "", row["last_run"] or "-",
            )
        out.print(table)


    @articles_app.command("list")
    @edge_errors
    def articles_list(
        outlet: Optional[str] = typer.Option(None),
        relevant: bool = typer.Option(False, "--relevant", help="Only articles at or above the relevance threshold."),
        limit: int = typer.Option(50),
        config: Optional[Path] = ConfigOption,
    ) -> None:
        """List stored articles, newest first."""
        from sqlalchemy import select

        from crawler.fetch.runner import open_store
        from storage.models import Article

        _, sessions = open_store(_settings(config))
        statement = select(Article).order_by(Article.first_seen.desc(), Article.id.desc()).limit(limit)
        if outlet:
            statement = statement.where(Article.outlet == outlet)
        if relevant:
            statement = statement.where(Article.relevant.is_(True))
        table = make_table(out, "id", "outlet", "lang", "status", "published", "score", "title")
        with sessions() as session:
            for article in session.scalars(statement):
                published = article.published_at.strftime("%Y-%m-%d %H:%M") if article.published_at else "-"
                if article.published_uncertain and article.published_at:
                    published += " (?)"
                score = f"{article.relevance_score:.2f}" if article.relevance_score is not None else "-"
                table.add_row(str(article.id), article.outlet, article.language or "?", article.status, published, score, (article.title or "")[:90])
        out.print(table)


    @articles_app.command("show")
    @edge_errors
    def articles_show(article_id: int, config: Optional[Path] = ConfigOption) -> None:
        """Show one stored article as JSON (text, provenance, relevance, versions)."""
        from crawler.fetch.runner import open_store
        from storage.models import Article

        _, sessions = open_store(_settings(config))
        with sessions() as session:
            article = session.get(Article, article_id)
            if article is None:
                console.print(f"no article with id {article_id}")
                raise typer.Exit(1)
            data = {
                column.name: getattr(article, column.name)
                for column in Article.__table__.columns
                if column.name not in ("pdf", "signature")
            }
            data["versions"] = [
                {"version": v.version_no, "kind": v.kind, "fetched_at": v.fetched_at, "change": v.change_summary} for v in article.versions
            ]
        out.print_json(json.dumps(data, default=str, ensure_ascii=False))
