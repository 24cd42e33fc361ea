"""The Engine.IO JSONP hijack, tried in Chromium: a page on another port of the same host
(same site, another origin) loads the socket endpoint as a script, which sends the
victim's SameSite=Strict cookie. With JSONP served, the page was handed a sid that a
cookieless client could then use as the victim."""

from playwright.sync_api import expect

from tests.webui.test_browser import another_origin, expect_connected, log_in, start

ATTACK = """<script>
  window.___eio = [function (packet) { document.title = "got " + packet; }];
</script>
<script src="{server}/socket.io/?EIO=4&j=0"
        onload="document.title = document.title.startsWith('got') ? document.title : 'ran'"
        onerror="document.title = 'refused'"></script>"""


def test_a_same_site_page_gets_no_sid_through_jsonp(open_page, verified, web_server):
    name, _ = verified("jsonp")
    page = open_page("desktop")
    start(page)
    page.goto("/#login")
    log_in(page, name)
    expect_connected(page)

    with another_origin(ATTACK.replace("{server}", web_server.url)) as evil:
        other = page.context.new_page()
        other.goto(evil)
        expect(other).to_have_title("refused")
        other.close()
        page.watch.allow_origin(evil)
    expect_connected(page)
