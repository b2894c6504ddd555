"""Minimal SVG charts for the benchmark report (standard library only): a strip chart of
distributions (every repetition a dot, the median a bar, min–max a line; linear or log scale)
and a bar chart (grouped bars, optional dots per repetition, a text where a value is missing).
The SVG is plain (no script, no external font or style), so it renders the same on GitHub and
in a browser."""

import math
from xml.sax.saxutils import escape as _escape


def escape(text):
    """XML-escaped, without Markdown's backticks (labels are shared with the report)."""
    return _escape(str(text).replace("`", ""))

COLORS = {"ours": "#1f6fb4", "ours2": "#6aa6dc", "floor": "#8c8c8c", "supervisord": "#e07b1a",
          "circus": "#2e9e44", "node": "#8e5cc2", "other": "#555555"}
FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"'


def _num(v):
    if v == 0:
        return "0"
    if abs(v) >= 100:
        return "{:,.0f}".format(v)
    if abs(v) >= 10:
        return "%.1f" % v
    if abs(v) >= 1:
        return "%.2f" % v
    return "%.3g" % v


def _tick(v):
    return "{:,.0f}".format(v) if v >= 1000 else "%g" % v


def _ticks(lo, hi, log):
    """Axis ticks between lo and hi: 1-2-5 steps (per decade on a log scale)."""
    if log:
        out = []
        d = 10 ** math.floor(math.log10(lo))
        while d <= hi * 1.0001:
            for m in (1, 2, 5):
                v = d * m
                if lo * 0.9999 <= v <= hi * 1.0001:
                    out.append(v)
            d *= 10
        return out
    span = hi - lo
    if span <= 0:
        return [lo]
    raw = span / 5
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    v = math.ceil(lo / step) * step
    out = []
    while v <= hi + step * 1e-6:
        out.append(v)
        v += step
    return out


def _range(values, log, zero=False):
    lo, hi = min(values), max(values)
    if log:
        lo = 10 ** math.floor(math.log10(lo))
        hi = 10 ** math.ceil(math.log10(hi)) if hi > lo else lo * 10
        return lo, hi
    if zero:
        lo = 0.0
    if hi == lo:
        hi = lo + 1
    mag = 10 ** math.floor(math.log10(hi - lo))
    return lo, math.ceil(hi * 1.05 / mag) * mag


def _doc(width, height, title, subtitle, body):
    head = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" %s font-size="12">'
            % (width, height, width, height, FONT),
            '<rect width="100%" height="100%" fill="white"/>',
            '<text x="12" y="22" font-size="15" font-weight="bold">%s</text>' % escape(title)]
    if subtitle:
        head.append('<text x="12" y="40" fill="#555">%s</text>' % escape(subtitle))
    return "\n".join(head + body + ["</svg>", ""])


def strips(title, rows, unit, log=True, subtitle=None, width=820):
    """rows: [(label, values, kind)] -> SVG text. One row per label, left to right: every value
    a dot, min–max a line, the median a bar and its figure at the right."""
    rows = [r for r in rows if r[1]]
    allv = [v for _, vals, _ in rows for v in vals if v > 0 or not log]
    if not allv:
        return None
    lo, hi = _range(allv, log)
    left, right, top, rowh = 250, 110, 58, 28
    plot_w = width - left - right
    height = top + rowh * len(rows) + 44

    def x(v):
        if log:
            v = max(v, lo)
            return left + plot_w * (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
        return left + plot_w * (v - lo) / (hi - lo)
    body = []
    for t in _ticks(lo, hi, log):
        body.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e4e4e4"/>' % (x(t), top - 6, x(t), top + rowh * len(rows)))
        body.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%s</text>' % (x(t), top + rowh * len(rows) + 16, _tick(t)))
    body.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%s%s</text>'
                % (left + plot_w / 2, top + rowh * len(rows) + 34, escape(unit), " (log scale)" if log else ""))
    for i, (label, vals, kind) in enumerate(rows):
        y = top + rowh * i + rowh / 2
        color = COLORS.get(kind, COLORS["other"])
        vals = sorted(vals)
        med = vals[len(vals) // 2] if len(vals) % 2 else (vals[len(vals) // 2 - 1] + vals[len(vals) // 2]) / 2
        body.append('<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>' % (left - 10, y, escape(label)))
        body.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5"/>' % (x(vals[0]), y, x(vals[-1]), y, color))
        for v in vals:
            body.append('<circle cx="%.1f" cy="%.1f" r="3.2" fill="%s" fill-opacity="0.45"/>' % (x(v), y, color))
        body.append('<rect x="%.1f" y="%.1f" width="3" height="18" fill="%s"/>' % (x(med) - 1.5, y - 9, color))
        body.append('<text x="%d" y="%.1f" dominant-baseline="middle" fill="%s">%s</text>' % (width - right + 8, y, color, escape(_num(med) + " " + unit)))
    return _doc(width, height, title, subtitle, body)


def bars(title, groups, series, unit, subtitle=None, log=False, width=820, missing_text="n/a"):
    """groups: labels along the x axis; series: [(name, kind, [value or None per group],
    [list of repetition values or None per group] or None)] -> SVG text. Grouped vertical bars
    with the value on top; a missing value gets missing_text instead of a bar."""
    allv = [v for _, _, vals, _ in series for v in vals if v is not None]
    allv += [r for _, _, _, reps in series if reps for rr in reps if rr for r in rr]
    if not allv:
        return None
    lo, hi = _range([v for v in allv if v > 0] if log else allv, log, zero=True)
    left, right, top, bottom = 70, 20, 70 + 18 * ((len(series) + 2) // 3), 50
    plot_h = 260
    height = top + plot_h + bottom
    plot_w = width - left - right
    gw = plot_w / len(groups)
    bw = min(60, gw * 0.8 / len(series))

    def y(v):
        if log:
            v = max(v, lo)
            return top + plot_h - plot_h * (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
        return top + plot_h - plot_h * (v - lo) / (hi - lo)
    body = []
    for i, (name, kind, _, _) in enumerate(series):
        lx, ly = 12 + (i % 3) * 260, 50 + 18 * (i // 3)
        body.append('<rect x="%d" y="%d" width="12" height="12" fill="%s"/>' % (lx, ly, COLORS.get(kind, COLORS["other"])))
        body.append('<text x="%d" y="%d">%s</text>' % (lx + 18, ly + 10, escape(name)))
    for t in _ticks(lo if not log else lo, hi, log):
        body.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e4e4e4"/>' % (left, y(t), width - right, y(t)))
        body.append('<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle" fill="#555">%s</text>' % (left - 6, y(t), _tick(t)))
    body.append('<text x="14" y="%.1f" fill="#555" transform="rotate(-90 14 %.1f)" text-anchor="middle">%s</text>'
                % (top + plot_h / 2, top + plot_h / 2, escape(unit + (" (log scale)" if log else ""))))
    base = y(lo)
    for g, glabel in enumerate(groups):
        gx = left + gw * g + (gw - bw * len(series)) / 2
        body.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (left + gw * g + gw / 2, top + plot_h + 20, escape(glabel)))
        for s, (name, kind, vals, reps) in enumerate(series):
            color = COLORS.get(kind, COLORS["other"])
            bx = gx + bw * s
            v = vals[g]
            if v is None:
                body.append('<text x="%.1f" y="%.1f" text-anchor="middle" fill="#999" font-size="10">%s</text>'
                            % (bx + bw / 2, base - 6, escape(missing_text)))
                continue
            body.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" fill-opacity="0.85"/>'
                        % (bx + 2, y(v), bw - 4, max(0.5, base - y(v)), color))
            body.append('<text x="%.1f" y="%.1f" text-anchor="middle" font-size="10">%s</text>' % (bx + bw / 2, y(v) - 4, escape(_num(v))))
            for r in (reps[g] if reps and reps[g] else []):
                body.append('<circle cx="%.1f" cy="%.1f" r="2.5" fill="black" fill-opacity="0.5"/>' % (bx + bw / 2, y(r)))
    body.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#333"/>' % (left, base, width - right, base))
    return _doc(width, height, title, subtitle, body)


def hbars(title, rows, unit, subtitle=None, width=820):
    """rows: [(label, value or None, kind)] -> SVG text. One horizontal bar per row, its value at
    its end (a missing value: "not measured")."""
    vals = [v for _, v, _ in rows if v is not None]
    if not vals:
        return None
    lo, hi = _range(vals, False, zero=True)
    left, right, top, rowh = 250, 120, 58, 28
    plot_w = width - left - right
    height = top + rowh * len(rows) + 44

    def x(v):
        return left + plot_w * (v - lo) / (hi - lo)
    body = []
    for t in _ticks(lo, hi, False):
        body.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e4e4e4"/>' % (x(t), top - 6, x(t), top + rowh * len(rows)))
        body.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%s</text>' % (x(t), top + rowh * len(rows) + 16, _tick(t)))
    body.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%s</text>' % (left + plot_w / 2, top + rowh * len(rows) + 34, escape(unit)))
    for i, (label, v, kind) in enumerate(rows):
        y = top + rowh * i + rowh / 2
        color = COLORS.get(kind, COLORS["other"])
        body.append('<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>' % (left - 10, y, escape(label)))
        if v is None:
            body.append('<text x="%d" y="%.1f" dominant-baseline="middle" fill="#999">not measured</text>' % (left + 4, y))
            continue
        body.append('<rect x="%d" y="%.1f" width="%.1f" height="18" fill="%s" fill-opacity="0.85"/>' % (left, y - 9, max(0.5, x(v) - left), color))
        body.append('<text x="%.1f" y="%.1f" dominant-baseline="middle" fill="%s">%s</text>' % (x(v) + 6, y, color, escape(_num(v) + " " + unit)))
    return _doc(width, height, title, subtitle, body)
