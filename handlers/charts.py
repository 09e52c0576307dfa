"""Charts for the digest, drawn with matplotlib in the reader's language (Chinese labels render with Noto)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

REGULAR = ("cvttf_NotoSansCJK_Regular", "NotoSansCJKtc-Regular.otf")


def _pyplot() -> tuple[Any, str]:
    """matplotlib's pyplot on a file-only backend, with the CJK font registered; its family name."""
    import matplotlib

    from handlers.documents import font_file

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    path = font_file(*REGULAR)
    font_manager.fontManager.addfont(str(path))
    return plt, font_manager.FontProperties(fname=str(path)).get_name()


def _png(plt: Any, figure: Any) -> bytes:
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


def bars(values: dict[str, float], title: str, unit: str) -> bytes:
    """A horizontal bar chart of one value per label, largest on top."""
    plt, family = _pyplot()
    with plt.rc_context({"font.family": family, "axes.unicode_minus": False}):
        figure, axes = plt.subplots(figsize=(8, 0.5 * len(values) + 1.5), dpi=110)
        labels = list(values)[::-1]
        axes.barh(labels, [values[label] for label in labels])
        axes.set_title(title)
        axes.set_xlabel(unit)
        axes.tick_params(axis="y", labelsize=8)
        return _png(plt, figure)


def hours_per_day(series: dict[str, list[tuple[date, int]]], title: str, unit: str) -> bytes:
    """A stacked bar chart of hours per day, one colour per district; ``series`` maps a label to (day, minutes)."""
    plt, family = _pyplot()
    with plt.rc_context({"font.family": family, "axes.unicode_minus": False}):
        figure, axes = plt.subplots(figsize=(8, 4), dpi=110)
        days = [d for d, _ in next(iter(series.values()), [])]
        bottom = [0.0] * len(days)
        for label, values in series.items():
            heights = [minutes / 60 for _, minutes in values]
            axes.bar([d.strftime("%m-%d") for d in days], heights, bottom=bottom, label=label)
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        axes.set_title(title)
        axes.set_ylabel(unit)
        axes.tick_params(axis="x", labelrotation=45, labelsize=8)
        if series:
            axes.legend(fontsize=8, ncols=3)
        return _png(plt, figure)
