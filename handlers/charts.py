"""Charts for the digest, drawn with matplotlib in the reader's language (Chinese labels render with Noto)."""

from __future__ import annotations

import io
from datetime import date

from handlers.documents import font_file

REGULAR = ("cvttf_NotoSansCJK_Regular", "NotoSansCJKtc-Regular.otf")


def hours_per_day(series: dict[str, list[tuple[date, int]]], title: str, unit: str) -> bytes:
    """A stacked bar chart of hours per day, one colour per district; ``series`` maps a label to (day, minutes)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    path = font_file(*REGULAR)
    font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    with plt.rc_context({"font.family": family, "axes.unicode_minus": False}):
        figure, axes = plt.subplots(figsize=(8, 4), dpi=110)
        try:
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
            figure.tight_layout()
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png")
            return buffer.getvalue()
        finally:
            plt.close(figure)
