"""A keyword the entry model does not declare is invisible to the model (pydantic would
refuse or drop it): ``olx check`` says so instead of staying silent."""

from __future__ import annotations

from rewrite_support import workspace, ws_of

from olx.core.check import check


def test_check_warns_about_a_keyword_the_model_does_not_declare():
    ws = ws_of("example")
    at = ws.matrix_src.index('application="edxapp_theme",')  # teak's mitx theme
    matrix = (
        ws.matrix_src[:at]
        + 'pinned_overrides={"a": "b"},\n                '
        + ws.matrix_src[at:]
    )
    result = check(workspace(ws.types_src, matrix).model)
    assert result.ok  # a warning, not a violation
    flagged = [w for w in result.warnings if "pinned_overrides" in w]
    assert len(flagged) == 1
    assert flagged[0].startswith("version_matrix.py:")
    assert flagged[0].endswith(
        ": 'edxapp_theme' in ReleaseMap['teak']['mitx'] sets pinned_overrides, "
        "which OpenEdxApplicationVersion in types.py does not declare (olx ignores it)"
    )
    assert not [w for w in check(ws.model).warnings if "declare" in w]
