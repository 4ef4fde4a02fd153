"""The site's name is the instance's (issue 15 §8): site_name and
site_name_en name it in page titles and the header, in each language."""
from harness import Client

SERVER_ARGS = ["--site-name", "蓉城科技服务云", "--site-name-en", "Rongcheng Tech Services"]


def test_configured_site_name_in_both_languages(server):
    zh = Client(server).get("/login").text
    assert "蓉城科技服务云</title>" in zh and '<a class="brand" href="/">蓉城科技服务云</a>' in zh
    assert "科技云 (demo)" not in zh
    en = Client(server).get("/login", headers={"Accept-Language": "en"}).text
    assert "Rongcheng Tech Services</title>" in en and '<a class="brand" href="/">Rongcheng Tech Services</a>' in en
