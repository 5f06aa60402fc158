"""HTML escaping shared by the maps, the report and the Jupyter displays (private)."""

from __future__ import annotations

import html
import math
from typing import Any


def esc(value: Any) -> str:
    """HTML-escape any value for display (None and NaN become an empty string).

    Beyond HTML, folium places some content inside JavaScript template literals, where a
    backtick, ``${`` or a backslash escape (``\\x3c``) could still inject markup or code:
    those are escaped too, so one function serves every place user text is shown.

    Examples
    --------
    >>> esc("<img src=x onerror=alert(1)>")
    '&lt;img src=x onerror=alert(1)&gt;'
    >>> esc(float("nan")), esc("`${x}`")
    ('', '&#96;&#36;{x}&#96;')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = html.escape(str(value), quote=True)
    return text.replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")
