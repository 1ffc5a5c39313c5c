"""Every form: labels end in the language's colon, empty choices read 请选择."""

from django import forms
from django.utils import translation

from tests.conftest import login

NEW_EVENT = "/volunteers/manage/events/new/"


class Sample(forms.Form):
    name = forms.CharField(label="名称")
    sure = forms.BooleanField(label="我已核对", required=False)
    question = forms.CharField(label="是否公开？")
    kind = forms.ChoiceField(label="类型", choices=[("", "---------"), ("a", "甲")])


def test_a_chinese_form_shows_full_width_colons_and_please_choose(world):
    # when a unit head opens the form to record a group service in Chinese
    html = login(world.unit_head_a).get(NEW_EVENT).content.decode()
    # then labels end in the full-width colon and the empty choice asks to choose
    assert ">名称：</label>" in html
    assert ">单位：</label>" in html
    assert '<option value="" selected>请选择</option>' in html
    assert "---------" not in html
    assert ">名称:</label>" not in html


def test_an_english_form_shows_ascii_colons(world):
    client = login(world.unit_head_a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(NEW_EVENT).content.decode()
    assert "：</label>" not in html
    assert ":</label>" in html
    assert '<option value="" selected>Please choose</option>' in html


def test_a_checkbox_and_a_question_take_no_colon():
    with translation.override("zh-hans"):
        form = Sample()
        assert form["name"].label_tag().endswith(">名称：</label>")
        assert form["sure"].label_tag().endswith(">我已核对</label>")
        assert form["question"].label_tag().endswith(">是否公开？</label>")
        assert "请选择" in str(form["kind"])
