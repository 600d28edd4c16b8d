"""Templates translate through csti.templating's own ``_``/``gettext`` (one call instead of
Jinja's three): the same text as Jinja's newstyle gettext — the catalogue of the locale
(forced ones too), variables escaped where the template autoescapes, ``%%`` turned into ``%``
— and plain text in templates that do not autoescape (the mails' .txt)."""
from flask import render_template_string
from flask_babel import force_locale
from jinja2.ext import _make_new_gettext
from markupsafe import Markup


def test_translates_like_jinjas_newstyle_gettext(app):
    with app.test_request_context("/"):
        assert render_template_string('{{ _("Online") }}') == "En ligne"
        assert render_template_string('{{ gettext("logo of %(name)s", name=n) }}', n="<Sciences & Cie>") \
            == "logo de &lt;Sciences &amp; Cie&gt;"
        assert render_template_string('{{ _("100%% free") }}') == "100% free"  # not in the catalogue
        assert render_template_string('{{ _("<em>Sciences</em> & Cie") }}') == "<em>Sciences</em> & Cie"  # trusted
        with force_locale("en"):
            assert render_template_string('{{ _("Online") }}') == "Online"
        assert render_template_string('{% trans %}Online{% endtrans %}') == "En ligne"
        # Variables named like the function's own arguments are the template's (as with Jinja's).
        assert render_template_string('{% trans string=s %}Online {{ string }}{% endtrans %}', s="x") == "Online x"
        assert render_template_string('{{ _("%(context)s!", context=c) }}', c="<b>") == "&lt;b&gt;!"


def test_the_same_text_as_jinjas_own_in_both_escaping_modes(app):
    from csti.i18n import translations

    jinjas = _make_new_gettext(lambda s: translations().ugettext(s))
    ours_ = app.jinja_env.globals["_"]
    assert ours_ is app.jinja_env.globals["gettext"]
    with app.test_request_context("/"):
        for autoescape in (True, False):
            env = app.jinja_env.overlay(autoescape=autoescape)
            for source, values in (('{{ _("Online") }}', {}), ('{{ _("50%% off") }}', {}), ('{{ _("Q&A") }}', {}),
                                   ('{{ _("logo of %(name)s", name=n) }}', {"n": "<b>"})):
                ours = env.from_string(source).render(**values)
                try:  # (an overlay shares its globals with the application's environment)
                    env.globals.update(gettext=jinjas, _=jinjas)
                    theirs = env.from_string(source).render(**values)
                finally:
                    env.globals.update(gettext=ours_, _=ours_)
                assert ours == theirs, (source, autoescape)
        plain = app.jinja_env.overlay(autoescape=False).from_string('{{ _("logo of %(name)s", name=n) }}')
        assert plain.render(n="<b>") == "logo de <b>" and not isinstance(plain.render(n="x"), Markup)


def test_python_gettext_and_lazy_strings_are_flask_babels(app):
    """``csti.i18n.gettext``/``lazy_gettext`` (what the code imports as ``_``/``_l``) give
    Flask-Babel's text: the request's language, a forced one, variables, no request at all."""
    import flask_babel

    from csti import i18n

    label = i18n.lazy_gettext("Online")
    logo = i18n.lazy_gettext("logo of %(name)s", name="<b>")
    assert str(label) == "Online" == flask_babel.gettext("Online")  # no application context: the msgid
    for language, online in (("fr", "En ligne"), ("en", "Online")):
        with app.test_request_context("/", headers={"Accept-Language": language}):
            assert str(label) == i18n.gettext("Online") == flask_babel.gettext("Online") == online
            assert str(logo) == flask_babel.gettext("logo of %(name)s", name="<b>")
            assert i18n.gettext("100%% free") == flask_babel.gettext("100%% free")  # no variables: left as is
            with force_locale("en" if language == "fr" else "fr"):
                assert str(label) == flask_babel.gettext("Online") != online
            assert f"{label}" == online
